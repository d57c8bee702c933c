import { describe, expect, it } from 'vitest';
import { meanAndSpread } from './spread';

describe('meanAndSpread', () => {
  it('gives the mean and the sample standard deviation', () => {
    const r = meanAndSpread([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(r.mean).toBe(5);
    expect(r.spread).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });
  it('one figure has no spread; none has neither', () => {
    expect(meanAndSpread([0.8])).toEqual({ mean: 0.8, spread: 0 });
    expect(meanAndSpread([]).mean).toBeNaN();
  });
});
