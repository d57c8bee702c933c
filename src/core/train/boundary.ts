// The freeze boundary of a fine-tuned backbone. With the last few blocks trainable, most of a
// forward pass runs layers that never change; splitting the backbone where the first trainable
// layer starts lets fine-tuning compute that frozen prefix once per image (and per augmented
// view) and train only the suffix each epoch. Activations at the boundary are kept in plain
// Float32Arrays within a byte budget; the trainer recomputes the whole backbone when over it.
import * as tf from '@tensorflow/tfjs';
import { augmentEach, type AugmentConfig } from '../augment/augment';
import { foldBackbone } from '../backbones/fold';
import { applyBackbone, setTrainableLastBlocks } from '../backbones/layers';
import { toModelRange, toUnitBatch, type PixelSource } from './data';
import { viewSeed } from './features';
import { readInto, tensorStaging } from './scratch';

export interface BoundarySplit {
  /** The layer whose output is cached (the last frozen value the trainable layers read). */
  layer: string;
  /** Boundary activation shape without the batch dimension, e.g. [7, 7, 32]. */
  shape: number[];
  /** Floats per image at the boundary. */
  size: number;
  /** Layers run each epoch (those after the boundary). */
  suffixLayers: number;
  prefixLayers: number;
  /** The frozen prefix, for inference while nothing in it changes; dispose when done. */
  prefix(): { forward(x: tf.Tensor4D): tf.Tensor; dispose(): void };
  /** Boundary activations → the backbone's output, through the (trainable) suffix layers. */
  suffix(x: tf.Tensor): tf.Tensor;
}

/**
 * Splits `model` at its freeze boundary: the prefix holds every layer whose output depends on no
 * trainable weight. Returns null when nothing is trainable, when the trainable layers read the
 * input directly, or when more than one frozen value crosses into them (no single cache point).
 */
export function splitAtBoundary(model: tf.LayersModel): BoundarySplit | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const names = new Set(model.layers.map((l) => l.name));
  const inputLayer = model.inputLayers[0];
  const outputLayer = model.outputLayers[0];
  const inputsOf = new Map<string, string[]>();
  for (const layer of model.layers) {
    if (layer === inputLayer) { inputsOf.set(layer.name, []); continue; }
    const nodes = layer.inboundNodes.filter((n) => n.inboundLayers.every((l) => names.has(l.name)));
    if (nodes.length !== 1) return null;
    const node = nodes[0];
    if (node.nodeIndices.some((i) => i !== 0) || node.tensorIndices.some((i) => i !== 0)) return null;
    inputsOf.set(layer.name, node.inboundLayers.map((l) => l.name));
  }
  // model.layers is in topological order.
  const live = new Set<string>();
  for (const layer of model.layers) {
    const ins = inputsOf.get(layer.name)!;
    if (layer.trainableWeights.length > 0 || ins.some((i) => live.has(i))) live.add(layer.name);
  }
  if (!live.has(outputLayer.name)) return null;
  const crossing = new Set<string>();
  for (const name of live) for (const i of inputsOf.get(name)!) if (!live.has(i)) crossing.add(i);
  if (crossing.size !== 1) return null;
  const boundary = [...crossing][0];
  if (boundary === inputLayer.name) return null;
  const boundaryLayer = model.getLayer(boundary);
  const shape = (boundaryLayer.outputShape as (number | null)[]).slice(1) as number[];
  if (shape.some((d) => d == null)) return null;
  const steps = model.layers.filter((l) => live.has(l.name));
  return {
    layer: boundary,
    shape,
    size: shape.reduce((a, b) => a * b, 1),
    suffixLayers: steps.length,
    prefixLayers: model.layers.length - steps.length,
    prefix() {
      const sub = tf.model({ inputs: model.inputs, outputs: boundaryLayer.output as tf.SymbolicTensor });
      const folded = foldBackbone(sub);
      return {
        forward: (x) => (folded ? folded.forward(x) : applyBackbone(sub, x)),
        // The sub-model shares the backbone's layers and weights: only the folded copies go.
        dispose: () => folded?.dispose(),
      };
    },
    suffix(x) {
      // Every intermediate stays alive until the caller's tidy/variableGrads scope ends, as in
      // model.apply; the suffix is a few blocks, so this is small.
      const values = new Map<string, tf.Tensor>([[boundary, x]]);
      for (const layer of steps) {
        const ins = inputsOf.get(layer.name)!.map((i) => values.get(i)!);
        values.set(layer.name, layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor);
      }
      return values.get(outputLayer.name)!;
    },
  };
}

/**
 * The boundary layer a fine-tune run with the last `blocks` blocks trainable (no per-layer
 * overrides) would cache at, or null. The model's trainable flags are left as they were.
 */
export function boundaryLayerFor(model: tf.LayersModel, blocks: number): string | null {
  const before = { model: model.trainable, layers: model.layers.map((l) => l.trainable) };
  try {
    setTrainableLastBlocks(model, blocks);
    return splitAtBoundary(model)?.layer ?? null;
  } finally {
    model.trainable = before.model;
    model.layers.forEach((l, i) => (l.trainable = before.layers[i]));
  }
}

/** Boundary activations: views[v] holds N·size floats, row i is image i's view v (view 0 plain). */
export interface BoundaryCache {
  size: number;
  shape: number[];
  views: Float32Array[];
  /** Plain rows copied from warm activations instead of running the prefix. */
  fromWarm?: number;
}

/** Bytes a boundary cache of `images` images × `views` views takes. */
export const boundaryBytes = (split: BoundarySplit, images: number, views: number) => split.size * 4 * images * views;

/** One image's view `v` in [0,1] (view 0 as is, others augmented with the view's own seed). */
export function augmentView(unit: tf.Tensor4D, augment: AugmentConfig | null, seed: number, imageIndexes: number[], views: number[]): tf.Tensor4D {
  if (!augment || views.every((v) => v === 0)) return unit.clone();
  return augmentEach(unit, augment, imageIndexes.map((img, j) => (views[j] > 0 ? viewSeed(seed, img, views[j]) : null)));
}

/** Plain (view 0) boundary activations already at hand for an image, by id (see boundary-memory.ts). */
export type WarmBoundary = (id: string) => Float32Array | undefined;

/**
 * Runs the frozen prefix once per image and view; null when stopped. View 0 of a batch whose
 * images all have `warm` rows is copied from them instead, and with one view its pixels are not
 * even loaded.
 */
export async function computeBoundary(opts: {
  split: BoundarySplit;
  source: PixelSource;
  ids: string[];
  inputSize: number;
  preprocessing: { scale: number; offset: number };
  views: number;
  augment: AugmentConfig | null;
  seed: number;
  batchSize?: number;
  onProgress?: (done: number) => void;
  shouldStop?: () => boolean;
  warm?: WarmBoundary | null;
}): Promise<BoundaryCache | null> {
  const { split, ids, inputSize: size } = opts;
  const views = opts.augment ? Math.max(1, opts.views) : 1;
  const bs = opts.batchSize ?? 16;
  const out = Array.from({ length: views }, () => new Float32Array(ids.length * split.size));
  const prefix = split.prefix();
  let done = 0;
  let fromWarm = 0;
  // A chunk's warm rows are looked up, and its pixels loaded when some view needs the prefix,
  // while the chunk before runs it.
  const prepare = (start: number) => {
    const chunk = ids.slice(start, start + bs);
    const rows = opts.warm ? chunk.map((id) => opts.warm!(id)) : null;
    const warm = rows != null && rows.every((r) => r != null && r.length === split.size) ? (rows as Float32Array[]) : null;
    const pixels = views > 1 || !warm ? opts.source.load(chunk, size) : null;
    pixels?.catch(() => undefined); // awaited below; a chunk never reached (stop) must not reject unhandled
    return { chunk, warm, pixels };
  };
  try {
    let next = ids.length ? prepare(0) : null;
    for (let start = 0; start < ids.length; start += bs) {
      if (opts.shouldStop?.()) return null;
      const { chunk, warm, pixels } = next!;
      next = start + bs < ids.length ? prepare(start + bs) : null;
      const unit = pixels ? toUnitBatch(await pixels, size) : null;
      try {
        const index = chunk.map((_, j) => start + j);
        for (let v = 0; v < views; v++) {
          if (v === 0 && warm) {
            warm.forEach((row, j) => out[0].set(row, (start + j) * split.size));
            fromWarm += chunk.length;
          } else {
            const act = tf.tidy(() => prefix.forward(toModelRange(augmentView(unit!, opts.augment, opts.seed, index, index.map(() => v)), opts.preprocessing)));
            try {
              await readInto(act, out[v], start * split.size);
            } finally {
              act.dispose();
            }
          }
          done += chunk.length;
          opts.onProgress?.(done);
        }
      } finally {
        unit?.dispose();
      }
    }
  } finally {
    prefix.dispose();
  }
  return { size: split.size, shape: split.shape, views: out, fromWarm };
}

/** Rows `indices` (view `views[r]` for row r) as a [B, ...shape] tensor. */
export function gatherBoundary(cache: BoundaryCache, indices: number[], views: number[]): tf.Tensor {
  const { size } = cache;
  const buf = tensorStaging(indices.length * size);
  indices.forEach((idx, r) => {
    const v = Math.min(views[r], cache.views.length - 1);
    buf.set(cache.views[v].subarray(idx * size, idx * size + size), r * size);
  });
  return tf.tensor(buf, [indices.length, ...cache.shape]);
}

/** Default byte budget for boundary activations (plain JS memory in the training worker). */
export const DEFAULT_BOUNDARY_BUDGET = 512 * 1024 * 1024;

const mb = (n: number) => `${(n / 1048576).toFixed(n < 10 * 1048576 ? 1 : 0)} MB`;

/** Where to split and whether the cache fits, with the line the run's log shows either way. */
export function planBoundary(model: tf.LayersModel, n: { train: number; views: number; val: number }, budget: number): { split: BoundarySplit | null; log: string } {
  const split = splitAtBoundary(model);
  if (!split) return { split: null, log: 'Boundary cache off: the trainable layers have no single frozen input to cache; the whole backbone runs each batch.' };
  const bytes = boundaryBytes(split, n.train, n.views) + boundaryBytes(split, n.val, 1);
  const where = `${split.layer} (${split.shape.join('×')})`;
  const what = `${n.train} training images × ${n.views} view${n.views === 1 ? '' : 's'} + ${n.val} validation images`;
  if (bytes > budget) {
    return { split: null, log: `Boundary cache off: ${what} at ${where} need ${mb(bytes)}, over the ${mb(budget)} budget; the whole backbone runs each batch.` };
  }
  return {
    split,
    log: `Boundary cache: ${what} at ${where}, ${mb(bytes)} of ${mb(budget)} budget; each epoch runs ${split.suffixLayers} of ${split.suffixLayers + split.prefixLayers} backbone layers.`,
  };
}

export interface BoundaryCaches {
  split: BoundarySplit;
  train: BoundaryCache;
  val: BoundaryCache;
}

/** Plans, logs and fills the boundary cache for a run: null when off (logged why), 'stopped' when stopped. */
export async function buildBoundaryCache(o: {
  model: tf.LayersModel;
  source: PixelSource;
  spec: { inputSize: number; preprocessing: { scale: number; offset: number } };
  train: string[];
  val: string[];
  views: number;
  augment: AugmentConfig | null;
  seed: number;
  budget: number;
  onLog?: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
  /** Plain activations already at hand at the planned boundary layer, if any. */
  warmAt?: (layer: string) => WarmBoundary | null;
}): Promise<BoundaryCaches | null | 'stopped'> {
  const plan = planBoundary(o.model, { train: o.train.length, views: o.views, val: o.val.length }, o.budget);
  o.onLog?.(plan.log);
  if (!plan.split) return null;
  const total = o.train.length * o.views + o.val.length;
  const warm = o.warmAt?.(plan.split.layer) ?? null;
  const common = { split: plan.split, source: o.source, inputSize: o.spec.inputSize, preprocessing: o.spec.preprocessing, seed: o.seed, shouldStop: o.shouldStop, warm };
  const train = await computeBoundary({ ...common, ids: o.train, views: o.views, augment: o.augment, onProgress: (d) => o.onProgress?.(d, total) });
  const val = train && (await computeBoundary({ ...common, ids: o.val, views: 1, augment: null, onProgress: (d) => o.onProgress?.(o.train.length * o.views + d, total) }));
  if (!train || !val) return 'stopped';
  const fromWarm = (train.fromWarm ?? 0) + (val.fromWarm ?? 0);
  if (fromWarm > 0) o.onLog?.(`Boundary cache: ${fromWarm} of ${total} image views were at hand from the features prepared during the import; the prefix ran for the other ${total - fromWarm}.`);
  return { split: plan.split, train, val };
}
