// Trains many classifier heads on cached features at once, for Auto's study and its final fit.
// Every (candidate, fold) pair is a "slice" with its own weights, learning rate, L2, label
// smoothing and class weighting; all slices train together, full batch, as one wide matmul,
// so a dozen candidates over five folds cost about as much as one head trained the usual way.
// Rows outside a slice's training fold are scored as they go: out-of-fold curves come free.
import * as tf from '@tensorflow/tfjs';
import { balancedClassWeights } from './class-weights';

export interface HeadCandidate {
  /** 0 = a linear head on the features; otherwise one hidden ReLU layer of this width. */
  hiddenUnits: number;
  /** Dropout on the hidden layer (hidden heads only). */
  dropout: number;
  /** L2 penalty on the kernels, added to the mean loss (as Keras' kernel_regularizer). */
  l2: number;
  /** Adam learning rate, full batch. */
  lr: number;
  labelSmoothing: number;
  /** Features scaled to zero mean and unit variance first (folded into the head afterwards). */
  standardize: boolean;
  balance: 'none' | 'class-weights';
}

export interface FamilyInput {
  /** [N, D] features (already standardized when the family asks for it). */
  x: tf.Tensor2D;
  labels: number[];
  numClasses: number;
  /** Candidates that share `hiddenUnits`. */
  candidates: HeadCandidate[];
  /** fold[i] of each row, or null: one slice per candidate trained on every row (the final fit). */
  folds: number[] | null;
  k: number;
  steps: number;
  /** Score out-of-fold rows (or the `val` rows) every this many steps, and after the last. */
  evalEvery: number;
  seed: number;
  /** Optional rows scored at each evaluation, never trained on (the final fit's validation images). */
  val?: { x: tf.Tensor2D; labels: number[] };
  /** Study only: keep each row's softmax probabilities from the fold model that did not train on it, after the last pass. */
  outOfFold?: boolean;
  onEval?: (e: FamilyEval) => void | Promise<void>;
  shouldStop?: () => boolean;
}

export interface FamilyEval {
  /** Updates done so far (one update = one pass over the training rows). */
  step: number;
  /** [candidate]: out-of-fold accuracy pooled over every row (study), else training accuracy. */
  accuracy: number[];
  /** [candidate]: mean out-of-fold cross-entropy (no smoothing), else training loss. */
  loss: number[];
  /** [candidate][fold]: accuracy within each held-out fold (study only). */
  foldAccuracy: number[][];
  /** [candidate][fold]: mean cross-entropy and macro F1 within each held-out fold (study only). */
  foldLoss: number[][];
  foldMacroF1: number[][];
  /** Final fit with `val`: [candidate] validation accuracy and loss. */
  valAccuracy?: number[];
  valLoss?: number[];
}

export interface FamilyResult {
  evals: FamilyEval[];
  /** Final fit only: per candidate, its weights as [hidden kernel, hidden bias]? + [logits kernel, logits bias]. */
  weights: tf.Tensor[][] | null;
  /** With `outOfFold` and folds, once the last pass ran: per candidate, row-major [N × C] out-of-fold probabilities. */
  outOfFold: Float32Array[] | null;
  stopped: boolean;
}

const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-7;

/** Trains one family of candidates; the caller owns `x` and any returned weights. */
export async function trainFamily(inp: FamilyInput): Promise<FamilyResult> {
  const { x, labels, numClasses: C, candidates, folds } = inp;
  const hidden = candidates[0].hiddenUnits;
  if (candidates.some((c) => c.hiddenUnits !== hidden)) throw new Error('a family shares its hidden width');
  const [N, D] = x.shape;
  if (labels.length !== N) throw new Error(`labels (${labels.length}) and rows (${N}) differ`);
  const K = folds ? inp.k : 1;
  const m = candidates.length;
  const S = m * K; // slice s = candidate j · K + fold f
  const cand = (s: number) => candidates[Math.floor(s / K)];
  const width = hidden > 0 ? hidden : C;

  const counts = Array.from({ length: C }, (_, c) => labels.filter((l) => l === c).length);
  const cw = balancedClassWeights(counts);
  // [N, S] row weights: 0 outside the slice's training rows, the class weight (or 1) inside.
  const rowW = new Float32Array(N * S);
  const held = new Float32Array(N * S);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const inTrain = !folds || folds[n] !== s % K;
      rowW[n * S + s] = inTrain ? (cand(s).balance === 'class-weights' ? cw[labels[n]] : 1) : 0;
      held[n * S + s] = inTrain ? 0 : 1;
    }
  }
  const perSlice = (f: (c: HeadCandidate) => number, repeat: number) => {
    const out = new Float32Array(S * repeat);
    for (let s = 0; s < S; s++) out.fill(f(cand(s)), s * repeat, (s + 1) * repeat);
    return out;
  };

  const consts = tf.tidy((): Record<string, tf.Tensor> => {
    const w = tf.tensor2d(rowW, [N, S]);
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), C).toFloat().reshape([N, 1, C]);
    const eps = tf.tensor1d(perSlice((c) => c.labelSmoothing, 1)).reshape([1, S, 1]);
    return {
      w,
      wSum: w.sum(0).maximum(1e-9),
      target: oneHot.mul(tf.scalar(1).sub(eps)).add(eps.div(C)) as tf.Tensor3D,
      oneHot: oneHot as tf.Tensor3D,
      held: tf.tensor2d(held, [N, S]),
      labelsT: tf.tensor1d(labels, 'int32').reshape([N, 1]),
      l2: tf.tensor1d(perSlice((c) => c.l2, 1)),
      lrOut: tf.tensor1d(perSlice((c) => c.lr, width)),
      lrHead: tf.tensor1d(perSlice((c) => c.lr, 1)).reshape([S, 1, 1]),
      keep: tf.tensor1d(perSlice((c) => 1 - c.dropout, hidden > 0 ? hidden : 1)),
    };
  });

  // Glorot-uniform initial weights, seeded; every slice starts from the same draw of its shape.
  const glorot = (fanIn: number, fanOut: number, shape: number[], seed: number) =>
    tf.tidy(() => tf.randomUniform(shape, -1, 1, 'float32', seed).mul(Math.sqrt(6 / (fanIn + fanOut))));
  const own = (init: tf.Tensor) => {
    const v = tf.variable(init);
    init.dispose();
    return v;
  };
  const vars: tf.Variable[] = [];
  const first = own(tf.tidy(() => tf.tile(glorot(D, width, [D, width], inp.seed), [1, S])));
  const firstB = own(tf.zeros([S * width]));
  vars.push(first, firstB);
  let second: tf.Variable | null = null;
  let secondB: tf.Variable | null = null;
  if (hidden > 0) {
    second = own(tf.tidy(() => tf.tile(glorot(hidden, C, [1, hidden, C], inp.seed + 1), [S, 1, 1])));
    secondB = own(tf.zeros([S, 1, C]));
    vars.push(second, secondB);
  }
  const moments = vars.map((v) => ({ m: own(tf.zerosLike(v)), v: own(tf.zerosLike(v)) }));

  /** [N, S, C] logits of `rows`; dropout on the hidden layer when `dropSeed` is given. */
  const logitsOf = (rows: tf.Tensor2D, dropSeed: number | null): tf.Tensor3D => {
    const n = rows.shape[0];
    const a = rows.matMul(first).add(firstB);
    if (hidden === 0) return a.reshape([n, S, C]);
    let h = a.relu();
    if (dropSeed != null) {
      const mask = tf.randomUniform([n, S * hidden], 0, 1, 'float32', dropSeed).less(consts.keep).toFloat();
      h = h.mul(mask).div(consts.keep);
    }
    const hs = h.reshape([n, S, hidden]).transpose([1, 0, 2]) as tf.Tensor3D;
    return tf.matMul(hs, second!).add(secondB!).transpose([1, 0, 2]) as tf.Tensor3D;
  };
  const l2Term = () => {
    let sq = first.square().reshape([D, S, width]).sum([0, 2]);
    if (second) sq = sq.add(second.square().sum([1, 2]));
    return sq.mul(consts.l2).sum();
  };

  const evals: FamilyEval[] = [];
  let outOfFold: Float32Array[] | null = null;
  /** [N, m, C]: each row's probabilities from the one slice per candidate that held it out. */
  const heldOutProbabilities = async () => {
    const p = tf.tidy(() => tf.softmax(logitsOf(x, null)).mul(consts.held.expandDims(2)).reshape([N, m, K, C]).sum(2));
    const data = (await p.data()) as Float32Array;
    p.dispose();
    return candidates.map((_, j) => {
      const out = new Float32Array(N * C);
      for (let n = 0; n < N; n++) out.set(data.subarray((n * m + j) * C, (n * m + j + 1) * C), n * C);
      return out;
    });
  };
  const evaluate = async (step: number) => {
    const stats = tf.tidy(() => {
      const logits = logitsOf(x, null);
      const logp = tf.logSoftmax(logits);
      const ce = logp.mul(consts.oneHot).sum(2).neg() as tf.Tensor2D; // [N, S]
      const correct = logits.argMax(2).equal(consts.labelsT).toFloat() as tf.Tensor2D;
      // Study: rows held out of each slice; final fit: the training rows themselves.
      const on = folds ? consts.held : consts.w.greater(0).toFloat();
      const out = [on.mul(correct).sum(0), on.mul(ce).sum(0), on.sum(0).maximum(1e-9)];
      if (folds) {
        // Per slice and class: true positives, predictions and labels among its held-out rows (for macro F1).
        const heldRows = on.expandDims(2);
        const pred = tf.oneHot(logits.argMax(2), C).toFloat().mul(heldRows);
        const truth = consts.oneHot.mul(heldRows);
        out.push(pred.mul(truth).sum(0), pred.sum(0), truth.sum(0));
      }
      if (inp.val) {
        const vl = logitsOf(inp.val.x, null);
        const vOne = tf.oneHot(tf.tensor1d(inp.val.labels, 'int32'), C).toFloat().reshape([inp.val.labels.length, 1, C]);
        const vLab = tf.tensor1d(inp.val.labels, 'int32').reshape([inp.val.labels.length, 1]);
        out.push(vl.argMax(2).equal(vLab).toFloat().mean(0), tf.logSoftmax(vl).mul(vOne).sum(2).neg().mean(0));
      }
      return out;
    });
    const data = await Promise.all(stats.map((t) => t.data()));
    tf.dispose(stats);
    const [hit, ceSum, cnt] = data;
    const [tp, predN, trueN] = folds ? data.slice(3, 6) : [];
    const [vAcc, vLoss] = data.slice(folds ? 6 : 3);
    const macroF1 = (s: number) => {
      let sum = 0;
      let classes = 0;
      for (let c = 0; c < C; c++) {
        const i = s * C + c;
        if (trueN[i] === 0 && predN[i] === 0) continue; // a class absent from the fold and never predicted
        sum += (2 * tp[i]) / (trueN[i] + predN[i]);
        classes++;
      }
      return classes ? sum / classes : 0;
    };
    const e: FamilyEval = { step, accuracy: [], loss: [], foldAccuracy: [], foldLoss: [], foldMacroF1: [] };
    if (vAcc) Object.assign(e, { valAccuracy: [] as number[], valLoss: [] as number[] });
    for (let j = 0; j < m; j++) {
      let h = 0, l = 0, c = 0;
      const perFold: number[] = [];
      const lossFold: number[] = [];
      const f1Fold: number[] = [];
      for (let f = 0; f < K; f++) {
        const s = j * K + f;
        h += hit[s];
        l += ceSum[s];
        c += cnt[s];
        perFold.push(hit[s] / cnt[s]);
        lossFold.push(ceSum[s] / cnt[s]);
        if (folds) f1Fold.push(macroF1(s));
      }
      e.accuracy.push(h / c);
      e.loss.push(l / c);
      e.foldAccuracy.push(folds ? perFold : []);
      e.foldLoss.push(folds ? lossFold : []);
      e.foldMacroF1.push(f1Fold);
      if (vAcc && vLoss) {
        e.valAccuracy!.push(vAcc[j]);
        e.valLoss!.push(vLoss[j]);
      }
    }
    evals.push(e);
    await inp.onEval?.(e);
  };

  let stopped = false;
  try {
    for (let t = 1; t <= inp.steps; t++) {
      if (inp.shouldStop?.()) {
        stopped = true;
        break;
      }
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const logp = tf.logSoftmax(logitsOf(x, hidden > 0 ? (inp.seed * 7919 + t) >>> 0 : null));
          const ce = logp.mul(consts.target).sum(2).neg(); // [N, S]
          return ce.mul(consts.w).sum(0).div(consts.wSum).sum().add(l2Term()) as tf.Scalar;
        }, vars);
        const c1 = 1 - Math.pow(B1, t);
        const c2 = 1 - Math.pow(B2, t);
        vars.forEach((v, i) => {
          const g = grads[v.name];
          const mo = moments[i];
          mo.m.assign(mo.m.mul(B1).add(g.mul(1 - B1)));
          mo.v.assign(mo.v.mul(B2).add(g.square().mul(1 - B2)));
          const lr = v === first || v === firstB ? consts.lrOut : consts.lrHead;
          v.assign(v.sub(mo.m.div(c1).div(mo.v.div(c2).sqrt().add(EPS)).mul(lr)));
        });
      });
      if (t % inp.evalEvery === 0 || t === inp.steps) await evaluate(t);
      if (t === inp.steps && folds && inp.outOfFold) outOfFold = await heldOutProbabilities();
      // Give the worker's message loop a turn (pause/stop messages) now and then.
      if (t % 25 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    let weights: tf.Tensor[][] | null = null;
    if (!folds) {
      weights = candidates.map((_, j) =>
        tf.tidy(() => {
          const cols = (v: tf.Tensor, w: number) => v.reshape([-1, S, w]).slice([0, j, 0], [-1, 1, w]).reshape(v.rank === 1 ? [w] : [D, w]);
          if (hidden === 0) return [cols(first, C), cols(firstB, C)];
          return [cols(first, hidden), cols(firstB, hidden), second!.slice([j, 0, 0], [1, hidden, C]).reshape([hidden, C]), secondB!.slice([j, 0, 0], [1, 1, C]).reshape([C])];
        }),
      );
    }
    return { evals, weights, outOfFold, stopped };
  } finally {
    tf.dispose([...vars, ...moments.flatMap((mo) => [mo.m, mo.v])]);
    tf.dispose(Object.values(consts));
  }
}
