// The frozen stage's inputs for one run: pooled backbone features of its training images (one
// row per augmented view) and validation images, with the backbone folded while it runs.
import type * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from '../augment/augment';
import type { PixelSource } from './data';
import { computeFeatures, featureScope, frozenExtractor, type FeatureCache, type FeatureExtractor, type FeatureStore } from './features';

export interface RunFeatures {
  train: FeatureCache;
  val: FeatureCache;
}

/** Null when stopped. */
export async function computeRunFeatures(o: {
  extractor: FeatureExtractor;
  /** The layers backbone, when there is one: folded for the duration (its weights do not change here). */
  backbone: tf.LayersModel | null;
  source: PixelSource;
  train: string[];
  val: string[];
  views: number;
  augment: AugmentConfig | null;
  seed: number;
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
  /** Features kept across runs; `contentKey(id)` must change whenever the image's pixels do. */
  store?: { store: FeatureStore; contentKey: (id: string) => string };
  onLog?: (line: string) => void;
}): Promise<RunFeatures | null> {
  const frozen = o.backbone ? frozenExtractor(o.extractor.spec, o.backbone) : null;
  const extractor = frozen ?? o.extractor;
  try {
    const views = o.augment ? Math.max(1, o.views) : 1;
    const total = o.train.length * views + o.val.length;
    const scope = featureScope(o.extractor.spec, frozen ? 'frozen-extractor' : 'extractor');
    const store = (ids: string[]) => (o.store ? { store: { store: o.store.store, scope, contentKeys: ids.map(o.store.contentKey) } } : {});
    const common = { extractor, source: o.source, seed: o.seed, shouldStop: o.shouldStop };
    const train = await computeFeatures({ ...common, ...store(o.train), ids: o.train, views, augment: o.augment, onProgress: (d) => o.onProgress?.(d, total) });
    const val = train && (await computeFeatures({ ...common, ...store(o.val), ids: o.val, views: 1, augment: null, onProgress: (d) => o.onProgress?.(o.train.length * views + d, total) }));
    if (!train || !val) return null;
    const computed = (train.computed ?? 0) + (val.computed ?? 0);
    const reused = total - computed;
    if (o.store) {
      o.onLog?.(reused > 0
        ? `Features: ${reused} of ${total} image views read from the feature cache (same images, backbone, preprocessing and augmentation); ${computed} computed.`
        : `Features: all ${total} image views computed and kept in the feature cache for later runs.`);
    } else o.onLog?.(`Features: ${total} image views computed (feature cache not used: this backbone's weights differ from the stored model).`);
    return { train, val };
  } finally {
    frozen?.dispose();
  }
}
