// Is one run better than another on the same images, or is the difference noise? The exact
// McNemar test looks only at the images the two runs disagree on (one right, the other wrong).

export interface McNemarResult {
  /** Images only run A got right. */
  onlyA: number;
  /** Images only run B got right. */
  onlyB: number;
  /** Images both got right / both wrong. */
  both: number;
  neither: number;
  /** Two-sided exact p-value: under "no difference" each disagreement is a fair coin. */
  p: number;
}

/** log P(X ≤ k), X ~ Bin(n, ½), summed in log space so large n does not underflow. */
function logBinomTail(n: number, k: number): number {
  let logC = 0; // log C(n, 0)
  let acc = -Infinity;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    const term = logC - n * Math.LN2;
    acc = acc === -Infinity ? term : Math.max(acc, term) + Math.log1p(Math.exp(-Math.abs(acc - term)));
  }
  return acc;
}

/** Exact two-sided McNemar p for b and c discordant counts: min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, ½). */
export function mcnemarExactP(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new Error(`counts must be non-negative integers, got ${b} and ${c}`);
  const n = b + c;
  if (n === 0) return 1;
  return Math.min(1, 2 * Math.exp(logBinomTail(n, Math.min(b, c))));
}

/** Compares two runs' correctness on the same images (same order, same labels). */
export function mcnemar(correctA: ArrayLike<boolean>, correctB: ArrayLike<boolean>): McNemarResult {
  if (correctA.length !== correctB.length) throw new Error(`the runs were scored on different images (${correctA.length} vs ${correctB.length})`);
  let onlyA = 0;
  let onlyB = 0;
  let both = 0;
  let neither = 0;
  for (let i = 0; i < correctA.length; i++) {
    if (correctA[i] && correctB[i]) both++;
    else if (correctA[i]) onlyA++;
    else if (correctB[i]) onlyB++;
    else neither++;
  }
  return { onlyA, onlyB, both, neither, p: mcnemarExactP(onlyA, onlyB) };
}

/**
 * Lines up two runs' predictions on the images they share (by id): which of those each got right.
 * Images only one run scored are left out; `shared` says how many were compared.
 */
export function pairByImage(
  a: { imageIds: string[]; labels: number[]; predicted: number[] },
  b: { imageIds: string[]; labels: number[]; predicted: number[] },
): { shared: number; correctA: boolean[]; correctB: boolean[] } {
  const inB = new Map(b.imageIds.map((id, i) => [id, i]));
  const correctA: boolean[] = [];
  const correctB: boolean[] = [];
  a.imageIds.forEach((id, i) => {
    const j = inB.get(id);
    if (j === undefined) return;
    correctA.push(a.predicted[i] === a.labels[i]);
    correctB.push(b.predicted[j] === b.labels[j]);
  });
  return { shared: correctA.length, correctA, correctB };
}
