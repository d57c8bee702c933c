// The final fit of Auto's chosen head: the same full-batch training as the study, on every
// training image, for the number of passes the out-of-fold curve picked. The standardization
// is folded into the first layer, so the result is an ordinary studio head (see head.ts) that
// checkpoints, evaluation, export and share links take as they are.
import * as tf from '@tensorflow/tfjs';
import { trainFamily, type FamilyEval, type HeadCandidate } from './head-search';
import { standardizeRows } from './study';

/** One setting trained on cached features: what the final fit and its cross-validation share. */
interface HeadTraining {
  features: Float32Array;
  dim: number;
  labels: number[];
  numClasses: number;
  candidate: HeadCandidate;
  steps: number;
  seed: number;
  /** The study's feature standardization (used when the candidate asks for it). */
  mean: Float32Array;
  std: Float32Array;
  shouldStop?: () => boolean;
}

/** Rows as the candidate trains on them: standardized with the study's statistics, or raw. */
function prepared(inp: Pick<HeadTraining, 'candidate' | 'dim' | 'mean' | 'std'>, features: Float32Array): Float32Array {
  return inp.candidate.standardize ? standardizeRows(features, inp.dim, inp.mean, inp.std) : features;
}

export interface FitInput extends HeadTraining {
  /** Scored at each evaluation, never trained on. */
  val?: { features: Float32Array; labels: number[] };
  evalEvery?: number;
  onEval?: (e: FamilyEval) => void | Promise<void>;
}

/** Named head weights (`head/<layer>/<index>`, as layerWeights names them); the caller owns the tensors. */
export async function fitHead(inp: FitInput): Promise<{ weights: { name: string; tensor: tf.Tensor }[]; stopped: boolean }> {
  const { dim, candidate: c } = inp;
  const x = tf.tensor2d(prepared(inp, inp.features), [inp.labels.length, dim]);
  const val = inp.val && inp.val.labels.length ? { x: tf.tensor2d(prepared(inp, inp.val.features), [inp.val.labels.length, dim]), labels: inp.val.labels } : undefined;
  try {
    const res = await trainFamily({
      x, labels: inp.labels, numClasses: inp.numClasses, candidates: [c], folds: null, k: 1, steps: inp.steps,
      evalEvery: inp.evalEvery ?? 8, seed: inp.seed, val, onEval: inp.onEval, shouldStop: inp.shouldStop,
    });
    const [w] = res.weights!;
    const named = tf.tidy(() => {
      // x' = (x − μ)/σ, so x'·W + b = x·(W/σ) + (b − (μ/σ)·W).
      let [k0, b0] = w;
      if (c.standardize) {
        const inv = tf.tensor1d(inp.std).reciprocal().reshape([dim, 1]);
        const mu = tf.tensor1d(inp.mean).reshape([1, dim]);
        const scaled = k0.mul(inv);
        b0 = b0.sub(mu.matMul(scaled).reshape(b0.shape));
        k0 = scaled;
      }
      const first = c.hiddenUnits > 0 ? 'head_hidden' : 'head_logits';
      const out = [{ name: `head/${first}/0`, tensor: k0 }, { name: `head/${first}/1`, tensor: b0 }];
      if (c.hiddenUnits > 0) out.push({ name: 'head/head_logits/0', tensor: w[2] }, { name: 'head/head_logits/1', tensor: w[3] });
      return out.map((o) => ({ name: o.name, tensor: tf.keep(o.tensor.clone()) }));
    });
    tf.dispose(w);
    return { weights: named, stopped: res.stopped };
  } finally {
    x.dispose();
    val?.x.dispose();
  }
}

export interface OutOfFoldInput extends HeadTraining {
  /** The study's folds: fold[i] of each row, k of them. */
  folds: number[];
  k: number;
  /** How often the out-of-fold curve is read (default 8, as the final fit). */
  evalEvery?: number;
}

export interface OutOfFold {
  /** Row-major [N × C]: each row from the fold model that never trained on it. */
  probabilities: Float32Array;
  /** Pooled out-of-fold accuracy and loss at each reading. */
  curve: { step: number; accuracy: number; loss: number }[];
}

/**
 * The chosen head's cross-validation once more, this time keeping its predictions: every row's
 * softmax probabilities (row-major [N × C]) from the fold model that never trained on it, after
 * `steps` passes, and the pooled out-of-fold accuracy and loss read along the way. When Auto fits
 * its final head on every image, these are its honest figures. Null when stopped first.
 */
export async function outOfFoldPredictions(inp: OutOfFoldInput): Promise<OutOfFold | null> {
  const c = inp.candidate;
  const x = tf.tensor2d(prepared(inp, inp.features), [inp.labels.length, inp.dim]);
  try {
    const res = await trainFamily({
      x, labels: inp.labels, numClasses: inp.numClasses, candidates: [c], folds: inp.folds, k: inp.k, steps: inp.steps,
      evalEvery: inp.evalEvery ?? 8, seed: inp.seed, outOfFold: true, shouldStop: inp.shouldStop,
    });
    const probabilities = res.outOfFold?.[0];
    return probabilities ? { probabilities, curve: res.evals.map((e) => ({ step: e.step, accuracy: e.accuracy[0], loss: e.loss[0] })) } : null;
  } finally {
    x.dispose();
  }
}

/**
 * Probabilities whose logits are the mean of the members' (row-major [N × C] each): averaging
 * log-probabilities and renormalising is the same as averaging logits, so these are exactly what
 * the averaged head (averageLinearHeads) predicts when each member scored the same rows.
 */
export function averageLogits(members: Float32Array[], numClasses: number): Float32Array {
  if (members.length === 0) throw new Error('nothing to average');
  const n = members[0].length / numClasses;
  const out = new Float32Array(members[0].length);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      let sum = 0;
      for (const m of members) sum += Math.log(Math.max(m[i * numClasses + c], 1e-30));
      out[i * numClasses + c] = sum / members.length;
      max = Math.max(max, out[i * numClasses + c]);
    }
    let z = 0;
    for (let c = 0; c < numClasses; c++) z += out[i * numClasses + c] = Math.exp(out[i * numClasses + c] - max);
    for (let c = 0; c < numClasses; c++) out[i * numClasses + c] /= z;
  }
  return out;
}

/** One linear head whose logits are the mean of the members' (each as fitHead names it); the caller owns the result. */
export function averageLinearHeads(members: { name: string; tensor: tf.Tensor }[][]): { name: string; tensor: tf.Tensor }[] {
  if (members.length === 0) throw new Error('nothing to average');
  const names = members[0].map((w) => w.name);
  if (names.some((n) => !n.startsWith('head/head_logits/')) || members.some((m) => m.map((w) => w.name).join() !== names.join())) {
    throw new Error('only linear heads average into one head');
  }
  return names.map((name, i) => ({ name, tensor: tf.tidy(() => tf.addN(members.map((m) => m[i].tensor)).div(members.length)) }));
}
