// Train/validation/test split that keeps every class represented, replays exactly for a seed
// and the images' content (not their ids or import order), and honours the user's marks.
import { createRng } from './rng';

export interface SplitItem {
  id: string;
  label: number;
  /**
   * What the draw is made over: the image's content hash. The same photos and seed then give
   * the same split in any project, whatever ids or order they were imported with. Defaults to id.
   */
  key?: string;
}

export interface SplitOptions {
  /** Share of each class to hold out for validation, in [0, 1). 0 → only forced items are validation. */
  valFraction: number;
  /** Share of each class held out as the test set (never used by training or any choice), in [0, 1). Default 0. */
  testFraction?: number;
  seed: number;
  /** Ids that must be validation (the user's marks); they count towards the class's quota. */
  forcedVal?: Set<string>;
  /** Ids that must be test (the user's marks); they count towards the class's test quota. */
  forcedTest?: Set<string>;
  /** Minimum validation items per class when valFraction > 0 (default 1); never takes all. */
  minValPerClass?: number;
}

export interface SplitResult {
  train: string[];
  val: string[];
  test: string[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Per class, test first: its quota is round(testFraction·n) (at least 1 when testFraction > 0),
 * leaving an unforced item for training (and one for validation when it is drawn). Then validation from the rest:
 * round(valFraction·n), at least `minValPerClass` (default 1) when valFraction > 0, and never the
 * class's last training item. Forced items go to their set first and count towards its quota; a
 * mark for test wins over one for validation. Random picks are a seeded shuffle of the items
 * sorted by key (content hash), so they depend only on the seed, the label and the set of keys —
 * not on ids, input order or other classes. Output lists keep input order.
 */
export function stratifiedSplit(items: SplitItem[], opts: SplitOptions): SplitResult {
  const { valFraction, seed, forcedVal, forcedTest } = opts;
  const testFraction = opts.testFraction ?? 0;
  const minVal = opts.minValPerClass ?? 1;
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`valFraction must be in [0, 1), got ${valFraction}`);
  if (!(testFraction >= 0 && testFraction < 1)) throw new Error(`testFraction must be in [0, 1), got ${testFraction}`);
  if (!Number.isInteger(minVal) || minVal < 0) throw new Error(`minValPerClass must be a non-negative integer`);

  const seen = new Set<string>();
  const byClass = new Map<number, SplitItem[]>();
  for (const item of items) {
    if (seen.has(item.id)) throw new Error(`Duplicate item id in split: ${item.id}`);
    seen.add(item.id);
    const list = byClass.get(item.label);
    if (list) list.push(item);
    else byClass.set(item.label, [item]);
  }

  const rng = createRng(seed);
  const valSet = new Set<string>();
  const testSet = new Set<string>();
  /** Free items in key order (id breaks ties), shuffled by a stream named for the class and set. */
  const draw = (free: SplitItem[], stream: string) =>
    rng.fork(stream).shuffle([...free].sort((a, b) => cmp(a.key ?? a.id, b.key ?? b.id) || cmp(a.id, b.id)));

  for (const [label, list] of byClass) {
    const n = list.length;
    const isTest = (i: SplitItem) => forcedTest?.has(i.id) ?? false;
    const isVal = (i: SplitItem) => !isTest(i) && (forcedVal?.has(i.id) ?? false);
    list.filter(isTest).forEach((i) => testSet.add(i.id));
    list.filter(isVal).forEach((i) => valSet.add(i.id));
    let free = list.filter((i) => !isTest(i) && !isVal(i));
    // Each share is of the images the other set has not already claimed: a test share of the
    // images not marked for validation, a validation share of those not held out as test.
    if (testFraction > 0) {
      const quota = Math.max(Math.round(testFraction * (n - countIn(valSet, list))), 1);
      // Leave one free item for training, and one for validation when it is drawn too.
      const want = Math.min(quota - countIn(testSet, list), free.length - (valFraction > 0 ? 2 : 1));
      if (want > 0) {
        const chosen = draw(free, `test:class:${label}`).slice(0, want);
        chosen.forEach((i) => testSet.add(i.id));
        const taken = new Set(chosen.map((i) => i.id));
        free = free.filter((i) => !taken.has(i.id));
      }
    }
    if (valFraction === 0) continue;
    const pool = n - countIn(testSet, list);
    const quota = Math.min(Math.max(Math.round(valFraction * pool), minVal), pool - 1);
    const picks = Math.min(quota - countIn(valSet, list), free.length - 1);
    if (picks <= 0) continue;
    draw(free, `class:${label}`).slice(0, picks).forEach((i) => valSet.add(i.id));
  }

  const train: string[] = [];
  const val: string[] = [];
  const test: string[] = [];
  for (const { id } of items) (testSet.has(id) ? test : valSet.has(id) ? val : train).push(id);
  return { train, val, test };
}

function countIn(set: Set<string>, list: SplitItem[]): number {
  let k = 0;
  for (const i of list) if (set.has(i.id)) k++;
  return k;
}

/**
 * Puts each group of ids (near-duplicates of one photo) into one set, so a copy never sits in
 * training while its twin is scored. A group goes where a marked member is (test before
 * validation), else where its member with the smallest key is — so the result still depends only
 * on content and seed. Ids not in the split are ignored.
 */
export function groupTogether(split: SplitResult, groups: string[][], keyOf: (id: string) => string, marked: { val?: Set<string>; test?: Set<string> } = {}): SplitResult {
  const role = new Map<string, keyof SplitResult>();
  for (const set of ['train', 'val', 'test'] as const) for (const id of split[set]) role.set(id, set);
  for (const group of groups) {
    const members = group.filter((id) => role.has(id));
    if (members.length < 2) continue;
    const lead = [...members].sort((a, b) => cmp(keyOf(a), keyOf(b)) || cmp(a, b))[0];
    const dest = members.some((id) => marked.test?.has(id)) ? 'test' : members.some((id) => marked.val?.has(id)) ? 'val' : role.get(lead)!;
    for (const id of members) role.set(id, dest);
  }
  const out: SplitResult = { train: [], val: [], test: [] };
  for (const set of ['train', 'val', 'test'] as const) for (const id of split[set]) out[role.get(id)!].push(id);
  return out;
}
