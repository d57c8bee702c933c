// One-vs-rest ROC curves and AUC from validation probabilities, for the evaluation charts.
// Equal scores form one threshold step (a diagonal segment), so ties never inflate the AUC.

export interface RocCurve {
  /** False-positive rate at each threshold, starting at 0 and ending at 1. */
  fpr: number[];
  /** True-positive rate at each threshold, starting at 0 and ending at 1. */
  tpr: number[];
  /**
   * Score thresholds, decreasing: point i counts "score >= thresholds[i]" as positive. The first is
   * Infinity (nothing predicted positive), as in sklearn ≥ 1.3.
   */
  thresholds: number[];
  /** Area under the curve (trapezoid rule); null when there are no positives or no negatives. */
  auc: number | null;
  positives: number;
  negatives: number;
}

/**
 * ROC curve of `scores` for the binary truth `positives`. Every distinct score is a threshold (no
 * intermediate points are dropped, unlike sklearn's drop_intermediate=True; the AUC is the same).
 * With no positives or no negatives one axis is 0/0: the curve is returned empty with auc null.
 */
export function rocCurve(scores: ArrayLike<number>, positives: ArrayLike<boolean>): RocCurve {
  if (scores.length !== positives.length) throw new Error(`scores (${scores.length}) and positives (${positives.length}) differ in length`);
  const n = scores.length;
  let p = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`score ${i} is NaN`);
    if (positives[i]) p++;
  }
  const neg = n - p;
  if (p === 0 || neg === 0) return { fpr: [], tpr: [], thresholds: [], auc: null, positives: p, negatives: neg };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  for (let i = 0; i < n; ) {
    const s = scores[order[i]];
    // Take the whole group of equal scores as one step.
    while (i < n && scores[order[i]] === s) {
      if (positives[order[i]]) tp++;
      else fp++;
      i++;
    }
    const x = fp / neg;
    const y = tp / p;
    auc += ((x - fpr[fpr.length - 1]) * (y + tpr[tpr.length - 1])) / 2;
    fpr.push(x);
    tpr.push(y);
    thresholds.push(s);
  }
  return { fpr, tpr, thresholds, auc, positives: p, negatives: neg };
}

export interface RocOneVsRest {
  /** curves[c]: class c's probability as the score, class c as the positive class. */
  curves: RocCurve[];
  /** Mean AUC over the classes whose AUC is defined; null when none is. */
  macroAuc: number | null;
}

/** One-vs-rest ROC for each class from row-major [N × K] probabilities. */
export function rocOneVsRest(probs: ArrayLike<number>, labels: number[], k: number): RocOneVsRest {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (probs.length !== labels.length * k) throw new Error(`probabilities length ${probs.length} is not labels (${labels.length}) × k (${k})`);
  const n = labels.length;
  const curves: RocCurve[] = [];
  labels.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >= k) throw new Error(`labels[${i}] = ${l} is not a class index in [0, ${k})`);
  });
  for (let c = 0; c < k; c++) {
    const scores = new Array<number>(n);
    const pos = new Array<boolean>(n);
    for (let i = 0; i < n; i++) {
      scores[i] = probs[i * k + c];
      pos[i] = labels[i] === c;
    }
    curves.push(rocCurve(scores, pos));
  }
  const defined = curves.map((r) => r.auc).filter((a): a is number => a !== null);
  return { curves, macroAuc: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null };
}
