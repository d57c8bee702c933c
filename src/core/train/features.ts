// Backbone features for the frozen stage: each image (and each augmented view of it) goes through
// the backbone once, is average-pooled to a vector and kept in plain Float32Arrays, so head
// epochs cost almost nothing and no GPU memory is held between epochs.
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, type AugmentConfig } from '../augment/augment';
import type { BackboneSpec } from '../backbones/catalog';
import { foldBackbone } from '../backbones/fold';
import { applyBackbone } from '../backbones/layers';
import { toModelRange, toUnitBatch, type PixelSource } from './data';

/** A backbone as the loop sees it: a function from model-range images to features. */
export interface FeatureExtractor {
  spec: BackboneSpec;
  /** [N,S,S,3] model-range input → [N, featureDim] pooled features. */
  forward(x: tf.Tensor4D): tf.Tensor2D;
}

/** Pools a backbone output (feature map or vector) to [N, C]. */
export function pool(out: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => (out.rank === 4 ? tf.mean(out, [1, 2]) : out.reshape([out.shape[0], -1])) as tf.Tensor2D);
}

/**
 * A layers backbone as a feature extractor while its weights stay fixed: BatchNorm folded into
 * the convolutions where the graph allows (see backbones/fold), else the model as it is.
 * Dispose it when done; fold again after the weights change.
 */
export function frozenExtractor(spec: BackboneSpec, model: tf.LayersModel): FeatureExtractor & { dispose(): void } {
  const folded = foldBackbone(model);
  return {
    spec,
    forward: (x) => tf.tidy(() => pool(folded ? folded.forward(x) : applyBackbone(model, x))),
    dispose: () => folded?.dispose(),
  };
}

export interface FeatureCache {
  dim: number;
  /** views[v] holds N·dim floats: row i is image i's view v (view 0 is never augmented). */
  views: Float32Array[];
}

/** Seed of one augmented view of one image, so a view is the same whatever the batching. */
export function viewSeed(seed: number, imageIndex: number, view: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 31) + imageIndex * 7919 + view * 104729) >>> 0;
}

export async function computeFeatures(opts: {
  extractor: FeatureExtractor;
  source: PixelSource;
  ids: string[];
  views: number;
  augment: AugmentConfig | null;
  seed: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
}): Promise<FeatureCache | null> {
  const { extractor, source, ids } = opts;
  const size = extractor.spec.inputSize;
  const views = opts.augment ? Math.max(1, opts.views) : 1;
  const bs = opts.batchSize ?? 16;
  const out: Float32Array[] = [];
  let dim = 0;
  const total = ids.length * views;
  let done = 0;
  // The next chunk's pixels load (IndexedDB read, image decode) while this chunk runs the backbone.
  const loadChunk = (start: number) => {
    const p = source.load(ids.slice(start, start + bs), size);
    p.catch(() => undefined); // awaited below; a chunk never reached (stop) must not reject unhandled
    return p;
  };
  let next = ids.length ? loadChunk(0) : null;
  for (let start = 0; start < ids.length; start += bs) {
    if (opts.shouldStop?.()) return null;
    const chunk = ids.slice(start, start + bs);
    const pixels = await next!;
    next = start + bs < ids.length ? loadChunk(start + bs) : null;
    const unit = toUnitBatch(pixels, size);
    try {
      for (let v = 0; v < views; v++) {
        const feats = tf.tidy(() => {
          let x = unit;
          if (v > 0 && opts.augment) {
            // One seed per (image, view): augment images one by one within the batch.
            const parts = chunk.map((_, j) =>
              augmentBatch(unit.slice([j, 0, 0, 0], [1, size, size, 3]), opts.augment!, viewSeed(opts.seed, start + j, v)),
            );
            x = tf.concat(parts, 0);
          }
          return extractor.forward(toModelRange(x, extractor.spec.preprocessing));
        });
        const data = (await feats.data()) as Float32Array;
        dim = feats.shape[1];
        feats.dispose();
        if (!out[v]) out[v] = new Float32Array(ids.length * dim);
        out[v].set(data, start * dim);
        done += chunk.length;
        opts.onProgress?.(done, total);
      }
    } finally {
      unit.dispose();
    }
  }
  return { dim, views: out };
}

/** Rows `indices` of view `viewOf(i)` as a [B, dim] tensor. */
export function gatherFeatures(cache: FeatureCache, indices: number[], viewOf: (i: number) => number): tf.Tensor2D {
  const { dim } = cache;
  const buf = new Float32Array(indices.length * dim);
  indices.forEach((idx, r) => {
    const v = Math.min(viewOf(idx), cache.views.length - 1);
    buf.set(cache.views[v].subarray(idx * dim, idx * dim + dim), r * dim);
  });
  return tf.tensor2d(buf, [indices.length, dim]);
}
