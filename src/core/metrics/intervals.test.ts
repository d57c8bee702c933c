import { describe, expect, it } from 'vitest';
import { accuracySummary, wilson } from './intervals';

describe('wilson', () => {
  it('matches published values', () => {
    // Newcombe (1998), table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605; 0/20 → 0–0.1611; 1/29 → 0.0061–0.1718.
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [k, n, lo, hi] of cases) {
      const r = wilson(k, n);
      expect(r.lo).toBeCloseTo(lo, 4);
      expect(r.hi).toBeCloseTo(hi, 4);
    }
  });
  it('is symmetric and stays in [0, 1]', () => {
    const a = wilson(3, 12);
    const b = wilson(9, 12);
    expect(a.lo).toBeCloseTo(1 - b.hi, 12);
    expect(wilson(12, 12).hi).toBe(1);
    expect(wilson(12, 12).lo).toBeGreaterThan(0.7);
    expect(wilson(12, 12).lo).toBeLessThan(0.8);
  });
  it('narrows as n grows, around 92% of 153', () => {
    const r = wilson(141, 153);
    expect(r.hi - r.lo).toBeLessThan(0.1);
    expect(r.lo).toBeGreaterThan(0.86);
    expect(wilson(11, 12).hi - wilson(11, 12).lo).toBeGreaterThan(0.3);
  });
  it('refuses impossible counts and has no interval for n = 0', () => {
    expect(() => wilson(5, 4)).toThrow(/k must be/);
    expect(() => wilson(-1, 4)).toThrow(/k must be/);
    expect(() => wilson(1, 2.5)).toThrow(/n must be/);
    expect(Number.isNaN(wilson(0, 0).lo)).toBe(true);
  });
});

describe('accuracySummary', () => {
  it('counts argmax hits and attaches the Wilson interval', () => {
    // Rows: right, right, wrong (ties go to the first class), right.
    const s = accuracySummary([0, 1, 1, 0], [0.9, 0.1, 0.2, 0.8, 0.5, 0.5, 0.6, 0.4], 2)!;
    expect(s).toMatchObject({ n: 4, correct: 3, accuracy: 0.75 });
    expect(s.lo).toBeCloseTo(wilson(3, 4).lo, 12);
    expect(s.hi).toBeCloseTo(wilson(3, 4).hi, 12);
    expect(accuracySummary([], [], 2)).toBeNull();
  });
});
