// Bootstrap 95% intervals for the per-class figures whose sampling error has no simple formula
// (precision, recall, F1, one-vs-rest AUC, macro AUC): the scored images are resampled with
// replacement, seeded, and each figure's 2.5th and 97.5th percentiles reported.
import { createRng } from '../train/rng';

export interface Interval {
  lo: number;
  hi: number;
}

export interface ClassIntervals {
  precision: Interval | null;
  recall: Interval | null;
  f1: Interval | null;
  auc: Interval | null;
}

export interface BootstrapResult {
  perClass: ClassIntervals[];
  macroAuc: Interval | null;
  /** Resamples drawn. */
  resamples: number;
}

/** Linear-interpolated quantile of a sorted array (like numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

function percentile(values: number[]): Interval | null {
  if (values.length === 0) return null;
  const s = Float64Array.from(values).sort();
  return { lo: quantile(s, 0.025), hi: quantile(s, 0.975) };
}

/**
 * AUC of `scores` for the positives, each image counted `w[i]` times (a bootstrap resample).
 * `order` sorts the images by score ascending. Ties count half (Mann–Whitney). Null when a side is empty.
 */
export function weightedAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>, w: ArrayLike<number>, order: number[]): number | null {
  let negBelow = 0;
  let wPos = 0;
  let wNeg = 0;
  let sum = 0;
  for (let a = 0; a < order.length; ) {
    let b = a;
    let gPos = 0;
    let gNeg = 0;
    while (b < order.length && scores[order[b]] === scores[order[a]]) {
      const i = order[b++];
      if (positive[i]) gPos += w[i];
      else gNeg += w[i];
    }
    sum += gPos * (negBelow + gNeg / 2);
    negBelow += gNeg;
    wPos += gPos;
    wNeg += gNeg;
    a = b;
  }
  return wPos > 0 && wNeg > 0 ? sum / (wPos * wNeg) : null;
}

/**
 * Percentile bootstrap over images from row-major [N × K] probabilities. A figure left undefined
 * in a resample (a class never predicted, or absent) is skipped there; its interval is null
 * when it is undefined in over half the resamples.
 */
export function bootstrapClassMetrics(probs: ArrayLike<number>, labels: number[], k: number, opts: { resamples?: number; seed?: number } = {}): BootstrapResult {
  const B = opts.resamples ?? 1000;
  const n = labels.length;
  if (probs.length !== n * k) throw new Error(`probabilities length ${probs.length} is not labels (${n}) × k (${k})`);
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + arg]) arg = c;
    pred[i] = arg;
  }
  const scores = Array.from({ length: k }, (_, c) => Float64Array.from({ length: n }, (_, i) => probs[i * k + c]));
  const positive = Array.from({ length: k }, (_, c) => labels.map((l) => l === c));
  const orders = scores.map((s) => Array.from({ length: n }, (_, i) => i).sort((a, b) => s[a] - s[b]));
  const samples = Array.from({ length: k }, () => ({ precision: [] as number[], recall: [] as number[], f1: [] as number[], auc: [] as number[] }));
  const macro: number[] = [];
  const rng = createRng(opts.seed ?? 0).fork('bootstrap');
  const w = new Float64Array(n);
  for (let b = 0; b < B && n > 0; b++) {
    w.fill(0);
    for (let j = 0; j < n; j++) w[rng.int(n)]++;
    const tp = new Float64Array(k);
    const support = new Float64Array(k);
    const predicted = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      if (w[i] === 0) continue;
      support[labels[i]] += w[i];
      predicted[pred[i]] += w[i];
      if (pred[i] === labels[i]) tp[labels[i]] += w[i];
    }
    let aucSum = 0;
    let aucN = 0;
    for (let c = 0; c < k; c++) {
      const s = samples[c];
      if (predicted[c] > 0) s.precision.push(tp[c] / predicted[c]);
      if (support[c] > 0) s.recall.push(tp[c] / support[c]);
      if (support[c] + predicted[c] > 0) s.f1.push((2 * tp[c]) / (support[c] + predicted[c]));
      const auc = weightedAuc(scores[c], positive[c], w, orders[c]);
      if (auc !== null) {
        s.auc.push(auc);
        aucSum += auc;
        aucN++;
      }
    }
    if (aucN > 0) macro.push(aucSum / aucN);
  }
  const keep = (v: number[]) => (v.length * 2 > B ? percentile(v) : null);
  return {
    perClass: samples.map((s) => ({ precision: keep(s.precision), recall: keep(s.recall), f1: keep(s.f1), auc: keep(s.auc) })),
    macroAuc: keep(macro),
    resamples: n > 0 ? B : 0,
  };
}
