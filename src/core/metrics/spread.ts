// Mean and spread (sample standard deviation) of a few figures, e.g. per-fold accuracies: the
// "± spread" Auto's study ranks by and the Train tab shows.

export function meanAndSpread(xs: readonly number[]): { mean: number; spread: number } {
  if (xs.length === 0) return { mean: NaN, spread: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const spread = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, spread };
}
