// Throughput measurements run by the real training worker for `npm run bench`: per backend,
// matmul GFLOP/s, backbone forward img/s, head training on cached features img/s and
// fine-tuning img/s (last ~30% of layers trainable), plus the model's FLOPs per image.
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../../core/backend/choose';
import type { BackboneSpec } from '../../core/backbones/catalog';
import { applyBackbone, listBlocks, setTrainableLastBlocks } from '../../core/backbones/layers';
import { frozenExtractor, pool } from '../../core/train/features';
import { buildHead } from '../../core/train/head';
import { weightedCategoricalCrossEntropy } from '../../core/train/losses';
import type { BackendName } from '../../core/train/run-config';
import type { StudioDB } from '../../persistence/db';
import { openBackbone } from './backbone-store';
import { errorText } from '../../core/error-text';

export interface BenchBackendResult {
  backend: BackendName;
  ok: boolean;
  error?: string;
  matmulGflops?: number;
  /** Backbone forward as training runs it (BatchNorm folded into the convolutions). */
  forwardImgPerSec?: number;
  /** The same forward run layer by layer (model.apply). */
  forwardUnfoldedImgPerSec?: number;
  headImgPerSec?: number;
  finetuneImgPerSec?: number;
  /** Batch and input side the fine-tuning figure was measured at (see FinetuneShape). */
  finetuneBatch?: number;
  finetuneInputSize?: number;
  finetuneNote?: string;
  trainableLayers?: number;
  totalLayers?: number;
}

export interface BenchResult {
  flopsPerImage: number;
  results: BenchBackendResult[];
}

/** Multiply-adds ×2 of the conv and dense layers for one image. */
export function modelFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as number[];
    const inp = layer.inputSpec?.[0]?.shape ?? (layer.input as tf.SymbolicTensor).shape;
    const cfg = layer.getConfig() as { kernelSize?: number[]; filters?: number; depthMultiplier?: number; units?: number };
    if (cls === 'Conv2D' && cfg.kernelSize) flops += 2 * out[1] * out[2] * cfg.kernelSize[0] * cfg.kernelSize[1] * (inp[3] as number) * (cfg.filters as number);
    else if (cls === 'DepthwiseConv2D' && cfg.kernelSize) flops += 2 * out[1] * out[2] * cfg.kernelSize[0] * cfg.kernelSize[1] * (inp[3] as number) * (cfg.depthMultiplier ?? 1);
    else if (cls === 'Dense') flops += 2 * (inp[inp.length - 1] as number) * (cfg.units as number);
  }
  return flops;
}

async function median(fn: () => Promise<void>, reps: number, budgetMs: number): Promise<number> {
  const t0 = performance.now();
  await fn(); // warm-up
  const first = performance.now() - t0;
  const times: number[] = [];
  const n = first > budgetMs ? 1 : reps;
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * The batch and input side to time fine-tuning at, when not the bench's own batch at the
 * backbone's input size: a software WebGPU adapter runs MobileNet at about 1 image per second, so
 * it gets a small batch at a small input (the backbone is fully convolutional) and finishes in
 * under a minute, while a real GPU is timed at full size.
 */
export interface FinetuneShape {
  batch: number;
  size: number;
  reps: number;
}

/** Fine-tuning img/s as the trainer does it (BatchNorm frozen, in inference mode) on random images of `shape`. */
async function finetuneRate(model: tf.LayersModel, head: tf.Sequential, shape: FinetuneShape): Promise<number> {
  const x = tf.randomUniform([shape.batch, shape.size, shape.size, 3], -1, 1) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: shape.batch }, (_, i) => i % 2), 'int32'), 2).toFloat() as tf.Tensor2D;
  const opt = tf.train.adam(1e-4);
  const vars = [...model.trainableWeights, ...head.trainableWeights].map((w) => w.read() as tf.Variable).filter((v) => v.trainable);
  try {
    const ft = await median(async () => {
      const loss = opt.minimize(() => weightedCategoricalCrossEntropy(y, head.apply(pool(applyBackbone(model, x)), { training: true }) as tf.Tensor2D), true, vars)!;
      await loss.data();
      loss.dispose();
    }, shape.reps, 30_000);
    return shape.batch / (ft / 1000);
  } finally {
    opt.dispose();
    tf.dispose([x, y]);
  }
}

export async function runBench(db: StudioDB, spec: BackboneSpec, backends: BackendName[], batch = 16, reps = 5, finetune?: FinetuneShape): Promise<BenchResult> {
  const results: BenchBackendResult[] = [];
  let flopsPerImage = 0;
  for (const backend of backends) {
    const r: BenchBackendResult = { backend, ok: false };
    results.push(r);
    if (!(await activateBackend(backend))) {
      r.error = `${backend} could not start here`;
      continue;
    }
    let opened;
    try {
      opened = await openBackbone(db, spec, () => undefined);
    } catch (e) {
      r.error = `backbone: ${errorText(e)}`;
      continue;
    }
    if (opened.kind !== 'layers') {
      opened.model.dispose();
      r.error = 'graph backbones are not benchmarked';
      continue;
    }
    const model = opened.model;
    flopsPerImage ||= modelFlops(model);
    const size = spec.inputSize;
    const x = tf.randomUniform([batch, size, size, 3], -1, 1) as tf.Tensor4D;
    const a = tf.randomNormal([512, 512]);
    const b = tf.randomNormal([512, 512]);
    try {
      const mm = await median(async () => void (await tf.tidy(() => tf.matMul(a, b)).data()), reps, 5000);
      r.matmulGflops = (2 * 512 ** 3) / (mm / 1000) / 1e9;
      // Forward as training computes features: BatchNorm folded (see core/backbones/fold); the
      // model run layer by layer is measured too.
      const frozen = frozenExtractor(spec, model);
      try {
        const fwd = await median(async () => {
          const f = frozen.forward(x);
          await f.data();
          f.dispose();
        }, reps, 20_000);
        r.forwardImgPerSec = batch / (fwd / 1000);
      } finally {
        frozen.dispose();
      }
      const plain = await median(async () => {
        const f = tf.tidy(() => pool(applyBackbone(model, x)));
        await f.data();
        f.dispose();
      }, r.forwardImgPerSec < 10 ? 1 : reps, 20_000);
      r.forwardUnfoldedImgPerSec = batch / (plain / 1000);
      const dim = (model.outputs[0].shape[3] ?? model.outputs[0].shape[1]) as number;
      const head = buildHead(dim, 2, { hiddenUnits: 100, dropout: 0, l2: 0 }, 1);
      const feats = tf.randomNormal([batch, dim]) as tf.Tensor2D;
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 2), 'int32'), 2).toFloat() as tf.Tensor2D;
      const headOpt = tf.train.adam(1e-3);
      const headVars = head.trainableWeights.map((w) => w.read() as tf.Variable);
      const hs = await median(async () => {
        const loss = headOpt.minimize(() => weightedCategoricalCrossEntropy(y, head.apply(feats, { training: true }) as tf.Tensor2D), true, headVars)!;
        await loss.data();
        loss.dispose();
      }, 20, 5000);
      r.headImgPerSec = batch / (hs / 1000);
      // Fine-tune as the trainer does (BatchNorm frozen, in inference mode): unfreeze blocks from
      // the end until ~30% of the layers with weights are trainable.
      const blocks = listBlocks(model);
      r.totalLayers = model.layers.length;
      let n = 0;
      setTrainableLastBlocks(model, 0);
      while (n < blocks.length && model.layers.filter((l) => l.trainable && l.weights.length).length < 0.3 * model.layers.filter((l) => l.weights.length).length) {
        setTrainableLastBlocks(model, ++n);
      }
      r.trainableLayers = model.layers.filter((l) => l.trainable && l.weights.length).length;
      r.totalLayers = model.layers.filter((l) => l.weights.length).length;
      if (r.forwardImgPerSec < 2 && !finetune) {
        r.finetuneNote = `skipped: forward runs at ${r.forwardImgPerSec.toFixed(2)} img/s, a fine-tuning step would take minutes`;
      } else {
        const shape = finetune ?? { batch, size, reps };
        try {
          r.finetuneImgPerSec = await finetuneRate(model, head, shape);
          r.finetuneBatch = shape.batch;
          r.finetuneInputSize = shape.size;
        } catch (e) {
          r.finetuneNote = `cannot fine-tune: ${errorText(e)}`;
        }
      }
      headOpt.dispose();
      tf.dispose([feats, y]);
      head.dispose();
      r.ok = true;
    } catch (e) {
      r.error = errorText(e);
    } finally {
      tf.dispose([x, a, b]);
      model.dispose();
    }
  }
  return { flopsPerImage, results };
}
