// Exact McNemar against hand-computed binomial tails, and the pairing of two runs by image id.
import { describe, expect, it } from 'vitest';
import { mcnemar, mcnemarExactP, pairByImage } from './paired';

describe('mcnemarExactP', () => {
  it('matches exact binomial tails', () => {
    // 2·P(X ≤ 0), X ~ Bin(5, ½) = 2/32.
    expect(mcnemarExactP(0, 5)).toBeCloseTo(0.0625, 12);
    // 2·(1 + 10 + 45)/1024.
    expect(mcnemarExactP(2, 8)).toBeCloseTo(0.109375, 12);
    // 2·(1 + 14 + 91 + 364)/16384 = 0.057373046875 (scipy.stats.binomtest(3, 14).pvalue).
    expect(mcnemarExactP(11, 3)).toBeCloseTo(0.057373046875, 12);
    expect(mcnemarExactP(4, 4)).toBe(1);
    expect(mcnemarExactP(0, 0)).toBe(1);
  });
  it('stays finite and right for large counts', () => {
    // Bin(2000, ½): 2·P(X ≤ 900) ≈ 7.9e-6 (normal approx. with continuity: z = 99.5/22.36 = 4.45 → 8.6e-6).
    const p = mcnemarExactP(900, 1100);
    expect(p).toBeGreaterThan(5e-6);
    expect(p).toBeLessThan(1.2e-5);
    expect(mcnemarExactP(1000, 1000)).toBe(1);
  });
  it('rejects non-counts', () => {
    expect(() => mcnemarExactP(-1, 2)).toThrow();
    expect(() => mcnemarExactP(1.5, 2)).toThrow();
  });
});

describe('mcnemar and pairByImage', () => {
  it('counts the discordant images and pairs by id, whatever the order', () => {
    const a = { imageIds: ['x', 'y', 'z', 'w', 'v'], labels: [0, 1, 1, 0, 1], predicted: [0, 1, 0, 1, 1] };
    const b = { imageIds: ['w', 'z', 'y', 'x', 'u'], labels: [0, 1, 1, 0, 0], predicted: [0, 1, 0, 0, 0] };
    const pair = pairByImage(a, b);
    expect(pair.shared).toBe(4);
    const r = mcnemar(pair.correctA, pair.correctB);
    // x: both right; y: only A; z: only B; w: only B.
    expect(r).toMatchObject({ both: 1, onlyA: 1, onlyB: 2, neither: 0 });
    expect(r.p).toBeCloseTo(1, 12);
    expect(() => mcnemar([true], [true, false])).toThrow(/different images/);
  });
});
