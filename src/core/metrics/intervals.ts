// Confidence intervals for the small-sample figures the studio shows: a proportion (accuracy,
// recall) with its Wilson score interval, so "92% of 36" reads with how far it could be off.

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Proportion {
  /** Successes (e.g. images right). */
  k: number;
  /** Trials (e.g. images scored). */
  n: number;
  /** k / n, or NaN when n = 0. */
  p: number;
  /** Lower and upper bounds of the interval, in [0, 1]; NaN when n = 0. */
  lo: number;
  hi: number;
}

/**
 * Wilson score interval for k successes in n trials (Wilson 1927; Newcombe 1998 method 3).
 * Unlike the normal approximation it stays inside [0, 1] and behaves at k = 0 or k = n.
 */
export function wilson(k: number, n: number, z = Z95): Proportion {
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`k must be an integer in [0, n = ${n}], got ${k}`);
  if (n === 0) return { k, n, p: NaN, lo: NaN, hi: NaN };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 or k = n the exact bound is 0 or 1; rounding must not move it off.
  return { k, n, p, lo: k === 0 ? 0 : Math.max(0, centre - half), hi: k === n ? 1 : Math.min(1, centre + half) };
}

export interface AccuracySummary {
  n: number;
  correct: number;
  accuracy: number;
  /** 95% Wilson interval. */
  lo: number;
  hi: number;
}

/** Accuracy of row-major [N × k] probabilities against labels, with its Wilson interval; null for no images. */
export function accuracySummary(labels: readonly number[], probabilities: ArrayLike<number>, k: number): AccuracySummary | null {
  const n = labels.length;
  if (n === 0) return null;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let c = 1; c < k; c++) if (probabilities[i * k + c] > probabilities[i * k + arg]) arg = c;
    if (arg === labels[i]) correct++;
  }
  const w = wilson(correct, n);
  return { n, correct, accuracy: w.p, lo: w.lo, hi: w.hi };
}
