// Train/validation split that keeps every class represented in both sets, replays exactly for a
// seed, and honours the user's "use as validation" marks.
import { createRng } from './rng';

export interface SplitItem {
  id: string;
  label: number;
}

export interface SplitOptions {
  /** Share of each class to hold out, in [0, 1). 0 → only forced items are validation. */
  valFraction: number;
  seed: number;
  /** Ids that must be validation (the user's marks); they count towards the class's quota. */
  forcedVal?: Set<string>;
  /** Minimum validation items per class when valFraction > 0 (default 1); never takes all. */
  minValPerClass?: number;
}

export interface SplitResult {
  train: string[];
  val: string[];
}

/**
 * Per class: the quota is round(valFraction·n), at least `minValPerClass` (default 1) when
 * valFraction > 0, and at most n − 1 so a class always keeps a training item. Forced items go
 * to validation first; the rest of the quota is drawn at random, never taking the class's last
 * unforced item. A class of one unforced item therefore stays in train.
 *
 * Determinism: a class's split depends only on the seed, its label and the set of its ids —
 * not on input order or on other classes. Output lists keep input order.
 */
export function stratifiedSplit(items: SplitItem[], opts: SplitOptions): SplitResult {
  const { valFraction, seed, forcedVal } = opts;
  const minVal = opts.minValPerClass ?? 1;
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`valFraction must be in [0, 1), got ${valFraction}`);
  if (!Number.isInteger(minVal) || minVal < 0) throw new Error(`minValPerClass must be a non-negative integer`);

  const seen = new Set<string>();
  const byClass = new Map<number, string[]>();
  for (const { id, label } of items) {
    if (seen.has(id)) throw new Error(`Duplicate item id in split: ${id}`);
    seen.add(id);
    const list = byClass.get(label);
    if (list) list.push(id);
    else byClass.set(label, [id]);
  }

  const rng = createRng(seed);
  const valSet = new Set<string>();
  for (const [label, ids] of byClass) {
    const n = ids.length;
    const forced = ids.filter((id) => forcedVal?.has(id));
    forced.forEach((id) => valSet.add(id));
    if (valFraction === 0) continue;
    const quota = Math.min(Math.max(Math.round(valFraction * n), minVal), n - 1);
    const free = ids.filter((id) => !forcedVal?.has(id)).sort();
    const picks = Math.min(quota - forced.length, free.length - 1);
    if (picks <= 0) continue;
    const shuffled = rng.fork(`class:${label}`).shuffle(free);
    for (let i = 0; i < picks; i++) valSet.add(shuffled[i]);
  }

  const train: string[] = [];
  const val: string[] = [];
  for (const { id } of items) (valSet.has(id) ? val : train).push(id);
  return { train, val };
}
