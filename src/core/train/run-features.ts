// The frozen stage's inputs for one run: pooled backbone features of its training images (one
// row per augmented view) and validation images, with the backbone folded while it runs.
import type * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from '../augment/augment';
import type { PixelSource } from './data';
import { computeFeatures, frozenExtractor, type FeatureCache, type FeatureExtractor } from './features';

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
}): Promise<RunFeatures | null> {
  const frozen = o.backbone ? frozenExtractor(o.extractor.spec, o.backbone) : null;
  const extractor = frozen ?? o.extractor;
  try {
    const views = o.augment ? Math.max(1, o.views) : 1;
    const total = o.train.length * views + o.val.length;
    const common = { extractor, source: o.source, seed: o.seed, shouldStop: o.shouldStop };
    const train = await computeFeatures({ ...common, ids: o.train, views, augment: o.augment, onProgress: (d) => o.onProgress?.(d, total) });
    const val = train && (await computeFeatures({ ...common, ids: o.val, views: 1, augment: null, onProgress: (d) => o.onProgress?.(o.train.length * views + d, total) }));
    return train && val ? { train, val } : null;
  } finally {
    frozen?.dispose();
  }
}
