// Stratified, seeded k-fold assignment for Auto's study: every class spread evenly over the
// folds, every image in exactly one fold, the same folds for the same labels, keys and seed.
import { createRng } from './rng';

/** k from the smallest class: at most `max` folds, at least 2, and no more folds than that class has images. */
export function chooseK(labels: number[], max = 5): number {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const smallest = Math.min(...counts.values());
  return Math.max(2, Math.min(max, smallest));
}

/**
 * fold[i] in [0, k) for image i. Within a class, images are ordered by `keys` (content hashes,
 * so the assignment does not depend on import order or ids), shuffled with the seed, and dealt
 * round-robin; each class starts dealing where the previous one stopped, so fold sizes differ
 * by at most one overall.
 */
export function stratifiedFolds(labels: number[], k: number, seed: number, keys?: string[]): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`k must be an integer ≥ 2, got ${k}`);
  if (keys && keys.length !== labels.length) throw new Error(`keys (${keys.length}) and labels (${labels.length}) differ in length`);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l);
    if (list) list.push(i);
    else byClass.set(l, [i]);
  });
  const rng = createRng(seed).fork('study-folds');
  const fold = new Array<number>(labels.length).fill(-1);
  let next = 0;
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    const ordered = keys ? [...members].sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b)) : members;
    for (const i of rng.fork(`class:${label}`).shuffle([...ordered])) {
      fold[i] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}
