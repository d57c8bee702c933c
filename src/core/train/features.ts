// Backbone features for the frozen stage: each image (and each augmented view of it) goes through
// the backbone once, is average-pooled to a vector and kept in plain Float32Arrays, so head
// epochs cost almost nothing and no GPU memory is held between epochs. With a FeatureStore, the
// vectors are also kept across runs, keyed by what they depend on (see featureKey).
import * as tf from '@tensorflow/tfjs';
import { augmentEach, type AugmentConfig } from '../augment/augment';
import type { BackboneSpec } from '../backbones/catalog';
import { foldBackbone } from '../backbones/fold';
import { applyBackbone } from '../backbones/layers';
import { toModelRange, toUnitBatch, type PixelSource } from './data';
import { tensorStaging } from './scratch';

/** A backbone as the loop sees it: a function from model-range images to features. */
export interface FeatureExtractor {
  spec: BackboneSpec;
  /**
   * [N,S,S,3] model-range input → [N, featureDim] pooled features. `plainRows`: for plain
   * (unaugmented) images, their positions in the ids computeFeatures was given.
   */
  forward(x: tf.Tensor4D, plainRows?: number[]): tf.Tensor2D;
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
  /** Image-views the backbone ran on, and those read from a FeatureStore instead. */
  computed?: number;
  reused?: number;
  /**
   * Settles when the computed features are in the FeatureStore. The run does not wait for it:
   * waiting left the worker idle about half a second before training started.
   */
  persisted?: Promise<void>;
}

/** Features kept across runs (IndexedDB in the studio), by the keys featureKey makes. */
export interface FeatureStore {
  get(keys: string[]): Promise<(Float32Array | undefined)[]>;
  put(entries: { key: string; features: Float32Array }[]): Promise<void>;
}

export { featureContentKey } from './feature-key';

/** What makes a feature vector: the backbone and how its input is made, and the extractor variant. */
export function featureScope(spec: BackboneSpec, variant: string): string {
  const p = spec.preprocessing;
  return `${spec.id}|${spec.url}|${spec.inputSize}|${p.scale},${p.offset},${p.resize}|${variant}`;
}

/** Key of one view of one image: view 0 is the plain image; others name the augmentation and the view's seed. */
export function featureKey(scope: string, contentKey: string, view: number, augment: AugmentConfig | null, seed: number): string {
  return view === 0 || !augment ? `${scope}|${contentKey}|plain` : `${scope}|${contentKey}|${JSON.stringify(augment)}|${seed}`;
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
  /** Reuse and keep features across runs: `contentKeys[i]` identifies image i's pixels (e.g. its content hash). */
  store?: { store: FeatureStore; scope: string; contentKeys: string[] };
  /**
   * Features of rows `indices` (positions in `ids`), view `view`, without pixels: when given, no
   * pixels are loaded and this computes every feature the store does not hold (a fine-tune run
   * derives them from its boundary cache).
   */
  viewFeatures?: (indices: number[], view: number) => tf.Tensor2D;
}): Promise<FeatureCache | null> {
  const { extractor, source, ids } = opts;
  const size = extractor.spec.inputSize;
  const views = opts.augment ? Math.max(1, opts.views) : 1;
  const bs = opts.batchSize ?? 16;
  const out: Float32Array[] = [];
  let dim = 0;
  const total = ids.length * views;
  let done = 0;
  let computed = 0;
  const writes: Promise<void>[] = [];
  const st = opts.store;
  const keysOf = (start: number, n: number, v: number) =>
    Array.from({ length: n }, (_, j) => featureKey(st!.scope, st!.contentKeys[start + j], v, opts.augment, viewSeed(opts.seed, start + j, v)));
  // Stored features are looked up once for every image and view (one read per chunk and view
  // left the worker idle a third of the time waiting on IndexedDB); a chunk's pixels are loaded
  // (IndexedDB read, decode) only when some view is missing, while the chunk before runs the backbone.
  const storedAll: (Float32Array | undefined)[][] = [];
  for (let v = 0; v < views; v++) storedAll.push(st ? await st.store.get(keysOf(0, ids.length, v)) : Array(ids.length).fill(undefined));
  const prepare = async (start: number) => {
    const n = Math.min(bs, ids.length - start);
    const stored = storedAll.map((row) => row.slice(start, start + n));
    const missing = stored.some((row) => row.some((f) => !f || (dim && f.length !== dim)));
    return { stored, pixels: missing && !opts.viewFeatures ? await source.load(ids.slice(start, start + n), size) : null };
  };
  const begin = (start: number) => {
    const p = prepare(start);
    p.catch(() => undefined); // awaited below; a chunk never reached (stop) must not reject unhandled
    return p;
  };
  let next = ids.length ? begin(0) : null;
  for (let start = 0; start < ids.length; start += bs) {
    if (opts.shouldStop?.()) return null;
    const chunk = ids.slice(start, start + bs);
    const { stored, pixels } = await next!;
    next = start + bs < ids.length ? begin(start + bs) : null;
    const unit = pixels ? toUnitBatch(pixels, size) : null;
    try {
      for (let v = 0; v < views; v++) {
        const have = stored[v];
        if (have.every((f) => f && (!dim || f.length === dim))) {
          dim ||= have[0]!.length;
          if (!out[v]) out[v] = new Float32Array(ids.length * dim);
          have.forEach((f, j) => out[v].set(f!, (start + j) * dim));
        } else {
          const fromRows = opts.viewFeatures;
          const feats = fromRows ? tf.tidy(() => fromRows(chunk.map((_, j) => start + j), v)) : tf.tidy(() => {
            // One seed per (image, view), whatever the batching.
            const augmented = v > 0 && opts.augment;
            const x = augmented ? augmentEach(unit!, opts.augment!, chunk.map((_, j) => viewSeed(opts.seed, start + j, v))) : unit!;
            return extractor.forward(toModelRange(x, extractor.spec.preprocessing), augmented ? undefined : chunk.map((_, j) => start + j));
          });
          const data = (await feats.data()) as Float32Array;
          dim = feats.shape[1];
          feats.dispose();
          if (!out[v]) out[v] = new Float32Array(ids.length * dim);
          out[v].set(data, start * dim);
          computed += chunk.length;
          if (st) {
            const keys = keysOf(start, chunk.length, v);
            // Derived data: a failed write (storage full) only means the next run computes these again.
            writes.push(st.store.put(keys.map((key, j) => ({ key, features: data.slice(j * dim, (j + 1) * dim) }))).catch(() => undefined));
          }
        }
        done += chunk.length;
        opts.onProgress?.(done, total);
      }
    } finally {
      unit?.dispose();
    }
  }
  return { dim, views: out, computed, reused: total - computed, persisted: Promise.all(writes).then(() => undefined) };
}

/** Rows `indices` of view `viewOf(i)` as a [B, dim] tensor. */
export function gatherFeatures(cache: FeatureCache, indices: number[], viewOf: (i: number) => number): tf.Tensor2D {
  const { dim } = cache;
  const buf = tensorStaging(indices.length * dim);
  indices.forEach((idx, r) => {
    const v = Math.min(viewOf(idx), cache.views.length - 1);
    buf.set(cache.views[v].subarray(idx * dim, idx * dim + dim), r * dim);
  });
  return tf.tensor2d(buf, [indices.length, dim]);
}
