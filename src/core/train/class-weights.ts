// Counter-measures for class imbalance: per-class loss weights (sklearn "balanced") and
// oversampling of minority classes, both deterministic.
import type { Rng } from './rng';

/**
 * sklearn's `compute_class_weight('balanced')`: w_c = n / (k · count_c), where n is the total
 * count and k the number of classes that have items (as sklearn counts classes present in y).
 * Classes with 0 items get weight 0. The count-weighted mean of the weights is 1.
 */
export function balancedClassWeights(counts: number[]): number[] {
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw new Error(`Class counts must be non-negative integers, got ${c}`);
  }
  const n = counts.reduce((a, b) => a + b, 0);
  const k = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? n / (k * c) : 0));
}

/**
 * Indices into `labels` in which every present class appears as often as the largest class:
 * each class's indices are repeated whole floor(max/count) times and the remainder is a random
 * subset (without replacement) drawn from `rng` (which advances, so calling again with the same
 * stream picks a new remainder, e.g. each epoch). Returned sorted ascending — shuffle per epoch.
 * Labels must be non-negative integers.
 */
export function oversampleIndices(labels: number[], rng: Rng): number[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0) throw new Error(`Labels must be non-negative integers, got ${label}`);
    const list = byClass.get(label);
    if (list) list.push(i);
    else byClass.set(label, [i]);
  });
  let max = 0;
  for (const list of byClass.values()) max = Math.max(max, list.length);

  const out: number[] = [];
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  for (const label of classes) {
    const idx = byClass.get(label)!;
    const whole = Math.floor(max / idx.length);
    for (let r = 0; r < whole; r++) out.push(...idx);
    const rest = max - whole * idx.length;
    if (rest > 0) out.push(...rng.shuffle([...idx]).slice(0, rest));
  }
  return out.sort((a, b) => a - b);
}
