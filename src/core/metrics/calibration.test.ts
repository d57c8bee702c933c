// Reliability bins and ECE against a hand-computed example (values exact in binary).
import { describe, expect, it } from 'vitest';
import { reliability } from './calibration';

describe('reliability', () => {
  it('bins top-label confidence into (lo, hi] and computes ECE by hand', () => {
    const probs = new Float32Array([
      0.875, 0.125, // label 0: conf 0.875, right → bin 3
      0.75, 0.25, // label 1: conf 0.75, wrong → bin 2 (0.75 is the upper edge)
      0.625, 0.375, // label 0: conf 0.625, right → bin 2
      0.5, 0.5, // label 1: tie → predicts 0, conf 0.5, wrong → bin 1
      0, 1, // label 1: conf 1, right → bin 3
    ]);
    const r = reliability(probs, [0, 1, 0, 1, 1], 2, 4);
    expect(r.bins).toEqual([
      { lo: 0, hi: 0.25, count: 0, confidence: null, accuracy: null },
      { lo: 0.25, hi: 0.5, count: 1, confidence: 0.5, accuracy: 0 },
      { lo: 0.5, hi: 0.75, count: 2, confidence: 0.6875, accuracy: 0.5 },
      { lo: 0.75, hi: 1, count: 2, confidence: 0.9375, accuracy: 1 },
    ]);
    // ECE = 1/5·0.5 + 2/5·0.1875 + 2/5·0.0625
    expect(r.ece).toBeCloseTo(0.2, 12);
    expect(r.mce).toBe(0.5);
  });

  it('is zero for a perfectly calibrated bin', () => {
    const probs = [0.75, 0.25, 0.75, 0.25, 0.25, 0.75, 0.25, 0.75];
    // all four at confidence 0.75; three of four right
    const r = reliability(probs, [0, 0, 1, 0], 2, 4);
    expect(r.bins[2]).toEqual({ lo: 0.5, hi: 0.75, count: 4, confidence: 0.75, accuracy: 0.75 });
    expect(r.ece).toBe(0);
    expect(r.mce).toBe(0);
  });

  it('uses 10 bins by default, counts every example once, and handles no examples', () => {
    const probs = [0.95, 0.03, 0.02, 0.4, 0.35, 0.25, 0.1, 0.1, 0.8];
    const r = reliability(probs, [0, 1, 2], 3);
    expect(r.bins).toHaveLength(10);
    expect(r.bins[9].hi).toBe(1);
    expect(r.bins.reduce((a, b) => a + b.count, 0)).toBe(3);
    expect(r.bins[3]).toMatchObject({ count: 1, accuracy: 0 }); // 0.4 predicts class 0, label 1
    // ECE = 1/3·|1 − 0.95| + 1/3·|0 − 0.4| + 1/3·|1 − 0.8|
    expect(r.ece).toBeCloseTo((0.05 + 0.4 + 0.2) / 3, 6);
    expect(reliability([], [], 3)).toMatchObject({ ece: 0, mce: 0 });
  });

  it('rejects bad sizes and probabilities outside [0, 1]', () => {
    expect(() => reliability([0.5, 0.5], [0, 1], 2)).toThrow(/length/);
    expect(() => reliability([1.5, -0.5], [0], 2)).toThrow(/outside/);
    expect(() => reliability([NaN, NaN], [0], 2)).toThrow(/outside/);
    expect(() => reliability([0.5, 0.5], [0], 2, 0)).toThrow(/bins/);
  });
});
