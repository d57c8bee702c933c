// Checks the stratified split: per-class quotas, edge cases, forced validation and determinism.
import { describe, expect, it } from 'vitest';
import { groupTogether, stratifiedSplit, type SplitItem } from './split';

/** `counts[c]` items of class c with ids like "c1-007". */
function make(counts: number[]): SplitItem[] {
  return counts.flatMap((n, label) =>
    Array.from({ length: n }, (_, i) => ({ id: `c${label}-${String(i).padStart(3, '0')}`, label })),
  );
}
const perClass = (ids: string[], label: number) => ids.filter((id) => id.startsWith(`c${label}-`)).length;

describe('stratifiedSplit', () => {
  it('holds out round(fraction·n) per class and partitions all ids', () => {
    const items = make([100, 10, 25, 7]);
    const { train, val } = stratifiedSplit(items, { valFraction: 0.2, seed: 1 });
    expect(train.length + val.length).toBe(items.length);
    expect(new Set([...train, ...val]).size).toBe(items.length);
    expect([0, 1, 2, 3].map((c) => perClass(val, c))).toEqual([20, 2, 5, 1]);
    // 25·0.2 = 5, 7·0.2 = 1.4 → 1
  });

  it('keeps at least one val item for classes of ≥ 2, never takes a whole class', () => {
    const { train, val } = stratifiedSplit(make([2, 3, 1]), { valFraction: 0.1, seed: 3 });
    expect([0, 1, 2].map((c) => perClass(val, c))).toEqual([1, 1, 0]);
    expect([0, 1, 2].map((c) => perClass(train, c))).toEqual([1, 2, 1]);
    const big = stratifiedSplit(make([4]), { valFraction: 0.9, seed: 3 });
    expect(big.val).toHaveLength(3);
    expect(big.train).toHaveLength(1);
  });

  it('honours minValPerClass, capped at n − 1', () => {
    const { val } = stratifiedSplit(make([20, 4, 2]), { valFraction: 0.05, seed: 9, minValPerClass: 3 });
    expect([0, 1, 2].map((c) => perClass(val, c))).toEqual([3, 3, 1]);
    const none = stratifiedSplit(make([20, 4]), { valFraction: 0.01, seed: 9, minValPerClass: 0 });
    expect(none.val).toEqual([]);
  });

  it('valFraction 0 puts only forced items in val', () => {
    const items = make([10, 10]);
    expect(stratifiedSplit(items, { valFraction: 0, seed: 1 }).val).toEqual([]);
    const forced = new Set(['c1-003']);
    expect(stratifiedSplit(items, { valFraction: 0, seed: 1, forcedVal: forced }).val).toEqual(['c1-003']);
  });

  it('forced items always go to val and count towards the quota', () => {
    const items = make([10, 10]);
    const forcedVal = new Set(['c0-001', 'c0-002', 'c0-003', 'c1-009', 'not-an-item']);
    const { train, val } = stratifiedSplit(items, { valFraction: 0.2, seed: 4, forcedVal });
    for (const id of ['c0-001', 'c0-002', 'c0-003', 'c1-009']) expect(val).toContain(id);
    expect(perClass(val, 0)).toBe(3); // quota 2 already exceeded by the marks: no random picks
    expect(perClass(val, 1)).toBe(2); // one mark + one random
    expect(train.some((id) => forcedVal.has(id))).toBe(false);
    expect(val).not.toContain('not-an-item');
  });

  it('a fully forced class is all validation (the user asked), but random picks never empty train', () => {
    const items = make([3, 5]);
    const forcedVal = new Set(['c0-000', 'c0-001', 'c0-002', 'c1-000', 'c1-001', 'c1-002', 'c1-003']);
    const { train, val } = stratifiedSplit(items, { valFraction: 0.5, seed: 2, forcedVal });
    expect(perClass(val, 0)).toBe(3);
    expect(perClass(train, 1)).toBe(1); // the one unforced item stays in train
  });

  it('is deterministic for a seed, varies with the seed, and ignores input order', () => {
    const items = make([30, 30]);
    const a = stratifiedSplit(items, { valFraction: 0.3, seed: 77 });
    expect(stratifiedSplit(items, { valFraction: 0.3, seed: 77 })).toEqual(a);
    expect(stratifiedSplit(items, { valFraction: 0.3, seed: 78 }).val).not.toEqual(a.val);
    const reversed = stratifiedSplit([...items].reverse(), { valFraction: 0.3, seed: 77 });
    expect([...reversed.val].sort()).toEqual([...a.val].sort());
  });

  it("a class's split does not change when other classes change", () => {
    const base = stratifiedSplit(make([30, 30]), { valFraction: 0.3, seed: 5 });
    const more = stratifiedSplit(make([30, 50, 12]), { valFraction: 0.3, seed: 5 });
    const cls0 = (ids: string[]) => ids.filter((id) => id.startsWith('c0-'));
    expect(cls0(more.val)).toEqual(cls0(base.val));
  });

  it('keeps input order in the outputs', () => {
    const items = make([10, 10]);
    const { train, val } = stratifiedSplit(items, { valFraction: 0.3, seed: 5 });
    const order = new Map(items.map((it, i) => [it.id, i]));
    const sorted = (ids: string[]) => [...ids].sort((x, y) => order.get(x)! - order.get(y)!);
    expect(train).toEqual(sorted(train));
    expect(val).toEqual(sorted(val));
  });

  it('validates options and ids', () => {
    expect(() => stratifiedSplit(make([3]), { valFraction: 1, seed: 1 })).toThrow(/valFraction/);
    expect(() => stratifiedSplit(make([3]), { valFraction: -0.1, seed: 1 })).toThrow(/valFraction/);
    expect(() => stratifiedSplit(make([3]), { valFraction: NaN, seed: 1 })).toThrow(/valFraction/);
    expect(() => stratifiedSplit(make([3]), { valFraction: 0.2, seed: 1, minValPerClass: -1 })).toThrow();
    const dup = [{ id: 'x', label: 0 }, { id: 'x', label: 1 }];
    expect(() => stratifiedSplit(dup, { valFraction: 0.2, seed: 1 })).toThrow(/Duplicate/);
    expect(stratifiedSplit([], { valFraction: 0.2, seed: 1 })).toEqual({ train: [], val: [], test: [] });
  });
});

describe('stratifiedSplit over content keys and with a test share', () => {
  /** The same photos (keys) under fresh random-looking ids, in a shuffled order. */
  const reimport = (items: SplitItem[], salt: string) =>
    [...items].reverse().map((i, n) => ({ ...i, id: `${salt}-${(n * 7919) % 1009}-${i.key}` }));
  const byKey = (items: SplitItem[], ids: string[]) => ids.map((id) => items.find((i) => i.id === id)!.key).sort();

  it('the same keys and seed give the same train/val/test whatever the ids and order', () => {
    const a = make([30, 12, 9]).map((i) => ({ ...i, key: `h${i.id}`, id: `a-${i.id}` }));
    const b = reimport(a, 'b');
    const sa = stratifiedSplit(a, { valFraction: 0.2, testFraction: 0.2, seed: 42 });
    const sb = stratifiedSplit(b, { valFraction: 0.2, testFraction: 0.2, seed: 42 });
    for (const set of ['train', 'val', 'test'] as const) expect(byKey(b, sb[set])).toEqual(byKey(a, sa[set]));
    // ...and a different seed moves at least one image (the test is not vacuous).
    const sc = stratifiedSplit(a, { valFraction: 0.2, testFraction: 0.2, seed: 43 });
    expect(byKey(a, sc.test)).not.toEqual(byKey(a, sa.test));
  });

  it('holds out round(testFraction·n) per class as test, then the validation share of the rest', () => {
    const items = make([30, 10, 3]);
    const { train, val, test } = stratifiedSplit(items, { valFraction: 0.2, testFraction: 0.2, seed: 5 });
    expect([0, 1, 2].map((c) => perClass(test, c))).toEqual([6, 2, 1]);
    // 0.2 of the 24, 8 and 2 images left after the test share.
    expect([0, 1, 2].map((c) => perClass(val, c))).toEqual([5, 2, 1]);
    expect([0, 1, 2].map((c) => perClass(train, c))).toEqual([19, 6, 1]);
    expect(new Set([...train, ...val, ...test]).size).toBe(items.length);
  });

  it('marks for test win over marks for validation and count towards the test quota', () => {
    const items = make([10]);
    const forcedTest = new Set(['c0-000', 'c0-001']);
    const forcedVal = new Set(['c0-001', 'c0-002']);
    const s = stratifiedSplit(items, { valFraction: 0, testFraction: 0, seed: 1, forcedTest, forcedVal });
    expect(s.test).toEqual(['c0-000', 'c0-001']);
    expect(s.val).toEqual(['c0-002']);
    const q = stratifiedSplit(items, { valFraction: 0, testFraction: 0.3, seed: 1, forcedTest });
    expect(q.test).toHaveLength(3);
    expect(q.test).toEqual(expect.arrayContaining(['c0-000', 'c0-001']));
  });

  it('images marked for test do not count toward the validation share, nor images marked for validation toward the test share', () => {
    const items = make([80]);
    // 40 marked test (a test folder): the validation share is of the other 40.
    const forcedTest = new Set(items.slice(0, 40).map((i) => i.id));
    const a = stratifiedSplit(items, { valFraction: 0.15, testFraction: 0, seed: 3, forcedTest });
    expect([a.test.length, a.val.length, a.train.length]).toEqual([40, 6, 34]);
    // 30 marked validation (a validation folder): the test share is of the other 50.
    const forcedVal = new Set(items.slice(0, 30).map((i) => i.id));
    const b = stratifiedSplit(items, { valFraction: 0, testFraction: 0.3, seed: 3, forcedVal });
    expect([b.val.length, b.test.length, b.train.length]).toEqual([30, 15, 35]);
  });

  it('rejects a test share outside [0, 1)', () => {
    expect(() => stratifiedSplit(make([4]), { valFraction: 0.2, testFraction: 1, seed: 1 })).toThrow(/testFraction/);
  });
});

describe('groupTogether', () => {
  const split = { train: ['a', 'b', 'c'], val: ['d', 'e'], test: ['f'] };
  const key = (id: string) => ({ a: 'k5', b: 'k2', c: 'k9', d: 'k1', e: 'k7', f: 'k3' })[id]!;
  it('moves each group to its smallest-key member’s set, or to a marked member’s set', () => {
    const r = groupTogether(split, [['a', 'd'], ['c', 'f'], ['x', 'b']], key);
    expect(r).toEqual({ train: ['b'], val: ['a', 'd', 'e'], test: ['c', 'f'] });
    const marked = groupTogether(split, [['a', 'd']], key, { test: new Set(['a']) });
    expect(marked.test).toEqual(['a', 'd', 'f']);
    expect(marked.val).toEqual(['e']);
  });
});
