// Checks balanced class weights against sklearn's formula and oversampling counts/determinism.
import { describe, expect, it } from 'vitest';
import { balancedClassWeights, oversampleIndices } from './class-weights';
import { createRng } from './rng';

describe('balancedClassWeights', () => {
  it('matches sklearn balanced: n / (k · count)', () => {
    // sklearn: compute_class_weight('balanced', classes=[0,1,2], y=[0]*6+[1]*3+[2]*1) → [0.5556, 1.1111, 3.3333]
    const w = balancedClassWeights([6, 3, 1]);
    expect(w[0]).toBeCloseTo(10 / 18, 12);
    expect(w[1]).toBeCloseTo(10 / 9, 12);
    expect(w[2]).toBeCloseTo(10 / 3, 12);
  });

  it('is all ones for a balanced dataset, and the count-weighted mean is 1', () => {
    expect(balancedClassWeights([5, 5, 5, 5])).toEqual([1, 1, 1, 1]);
    const counts = [100, 7, 33];
    const w = balancedClassWeights(counts);
    const mean = counts.reduce((a, c, i) => a + c * w[i], 0) / counts.reduce((a, b) => a + b, 0);
    expect(mean).toBeCloseTo(1, 12);
  });

  it('gives empty classes weight 0 and counts only present classes in k', () => {
    expect(balancedClassWeights([4, 0, 12])).toEqual([2, 0, 16 / 24]);
    expect(balancedClassWeights([0, 0])).toEqual([0, 0]);
    expect(balancedClassWeights([])).toEqual([]);
  });

  it('rejects negative or fractional counts', () => {
    expect(() => balancedClassWeights([3, -1])).toThrow();
    expect(() => balancedClassWeights([1.5])).toThrow();
  });
});

describe('oversampleIndices', () => {
  const labels = [0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 1]; // class 0: 8, class 1: 3, class 2: 1

  const countBy = (idx: number[]) => {
    const c = new Map<number, number>();
    for (const i of idx) c.set(labels[i], (c.get(labels[i]) ?? 0) + 1);
    return c;
  };

  it('brings every class to the size of the largest', () => {
    const idx = oversampleIndices(labels, createRng(1));
    expect(idx).toHaveLength(24);
    expect(countBy(idx)).toEqual(new Map([[0, 8], [1, 8], [2, 8]]));
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
  });

  it('keeps the majority class once each, repeats minorities evenly (±1)', () => {
    const idx = oversampleIndices(labels, createRng(2));
    const times = (i: number) => idx.filter((x) => x === i).length;
    for (const i of [0, 1, 2, 3, 4, 5, 6, 10]) expect(times(i)).toBe(1);
    const ones = [7, 8, 11].map(times);
    expect(ones.reduce((a, b) => a + b, 0)).toBe(8);
    expect(Math.max(...ones) - Math.min(...ones)).toBeLessThanOrEqual(1);
    expect(times(9)).toBe(8);
  });

  it('is deterministic for the rng seed and varies with it', () => {
    const many = Array.from({ length: 40 }, (_, i) => (i < 31 ? 0 : 1)); // 31 vs 9: remainder 4 of 9
    const a = oversampleIndices(many, createRng(5));
    expect(oversampleIndices(many, createRng(5))).toEqual(a);
    const differs = [6, 7, 8, 9].some((s) => oversampleIndices(many, createRng(s)).join() !== a.join());
    expect(differs).toBe(true);
    const r = createRng(5);
    oversampleIndices(many, r);
    expect(oversampleIndices(many, r)).not.toEqual(a); // the stream advanced: new remainder
  });

  it('handles balanced, empty and single-class inputs, and rejects bad labels', () => {
    expect(oversampleIndices([1, 0, 1, 0], createRng(1))).toEqual([0, 1, 2, 3]);
    expect(oversampleIndices([], createRng(1))).toEqual([]);
    expect(oversampleIndices([3, 3], createRng(1))).toEqual([0, 1]);
    expect(() => oversampleIndices([0, -1], createRng(1))).toThrow();
    expect(() => oversampleIndices([0, 0.5], createRng(1))).toThrow();
  });
});
