// The frozen stage's inputs for one run: pooled backbone features of its training images (one
// row per augmented view) and validation images, with the backbone folded while it runs.
import type * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from '../augment/augment';
import type { PixelSource } from './data';
import { computeFeatures, featureScope, frozenExtractor, pool, type FeatureCache, type FeatureExtractor, type FeatureStore } from './features';
import { gatherBoundary, type BoundaryCache, type BoundaryCaches } from './boundary';

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
  /**
   * A fine-tune run's boundary cache (the frozen prefix's output per image and view, the same
   * views as here): features missing from the store are the suffix's pooled output on it, so the
   * prefix (most of the backbone's work) runs once for both stages instead of twice.
   */
  boundary?: BoundaryCaches | null;
}): Promise<RunFeatures | null> {
  const b = o.boundary ?? null;
  const frozen = o.backbone && !b ? frozenExtractor(o.extractor.spec, o.backbone) : null;
  const extractor = frozen ?? o.extractor;
  const fromBoundary = (caches: BoundaryCaches, cache: BoundaryCache) => (indices: number[], view: number) =>
    pool(caches.split.suffix(gatherBoundary(cache, indices, indices.map(() => view))));
  try {
    const views = o.augment ? Math.max(1, o.views) : 1;
    const total = o.train.length * views + o.val.length;
    // The same scope whichever way they are computed: they are the same features.
    const scope = featureScope(o.extractor.spec, o.backbone ? 'frozen-extractor' : 'extractor');
    const store = (ids: string[]) => (o.store ? { store: { store: o.store.store, scope, contentKeys: ids.map(o.store.contentKey) } } : {});
    const common = { extractor, source: o.source, seed: o.seed, shouldStop: o.shouldStop };
    const train = await computeFeatures({ ...common, ...store(o.train), ids: o.train, views, augment: o.augment, viewFeatures: b ? fromBoundary(b, b.train) : undefined, onProgress: (d) => o.onProgress?.(d, total) });
    const val = train && (await computeFeatures({ ...common, ...store(o.val), ids: o.val, views: 1, augment: null, viewFeatures: b ? fromBoundary(b, b.val) : undefined, onProgress: (d) => o.onProgress?.(o.train.length * views + d, total) }));
    if (!train || !val) return null;
    const computed = (train.computed ?? 0) + (val.computed ?? 0);
    const reused = total - computed;
    if (o.store) {
      o.onLog?.(reused > 0
        ? `Features: ${reused} of ${total} image views read from the feature cache (same images, backbone, preprocessing and augmentation); ${computed} computed.`
        : `Features: all ${total} image views computed and kept in the feature cache for later runs.`);
    } else o.onLog?.(`Features: ${total} image views computed (feature cache not used: this backbone's weights differ from the stored model).`);
    if (b && computed > 0) o.onLog?.(`Features: the ${computed} computed came from the boundary cache through the last ${b.split.suffixLayers} layers; the frozen prefix ran once for both stages.`);
    return { train, val };
  } finally {
    frozen?.dispose();
  }
}
