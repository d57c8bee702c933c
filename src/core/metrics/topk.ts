// Turns a model's output row into what a page shows: probabilities (softmax when the output is
// not one already) and the k most likely classes. Shared by the studio's Try it and the demo page.

export interface Ranked {
  index: number;
  label: string;
  prob: number;
}

/** Whether `v` already is a probability vector: every value in [0, 1], summing to 1 (± 1e-3). */
export function isProbabilityVector(v: ArrayLike<number>): boolean {
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!(x >= 0 && x <= 1)) return false;
    sum += x;
  }
  return v.length > 0 && Math.abs(sum - 1) < 1e-3;
}

/** Numerically stable softmax of a plain array. */
export function softmax(v: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) max = Math.max(max, v[i]);
  const e = Array.from(v, (x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

/** The top `k` (default min(5, labels)) classes, most likely first; ties keep label order. */
export function topK(probs: ArrayLike<number>, labels: readonly string[], k = Math.min(5, labels.length)): Ranked[] {
  const ranked = Array.from(probs, (prob, index) => ({ index, label: labels[index] ?? `class ${index + 1}`, prob: Number.isFinite(prob) ? prob : 0 }));
  ranked.sort((a, b) => b.prob - a.prob || a.index - b.index);
  return ranked.slice(0, Math.max(0, k));
}

export function formatPercent(p: number): string {
  return `${(p * 100).toFixed(1)}%`;
}
