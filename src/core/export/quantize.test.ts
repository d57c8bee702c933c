// Int8 quantisation: a hand example, zeros stay exact, and the error bound max|w|/254 holds.
import { describe, expect, it } from 'vitest';
import { createRng } from '../train/rng';
import { dequantizeInt8, quantizationError, quantizationErrorBound, quantizeInt8 } from './quantize';

describe('quantizeInt8', () => {
  it('hand example: scale = max|w| / 127', () => {
    const q = quantizeInt8(new Float32Array([1.27, -0.5, 0, 0.013]));
    expect(q.scale).toBe(Math.fround(0.01));
    expect(Array.from(q.values)).toEqual([127, -50, 0, 1]);
    const back = dequantizeInt8(q);
    expect(back[2]).toBe(0);
    expect(back[0]).toBeCloseTo(1.27, 6);
  });

  it('keeps an all-zero tensor exact with scale 0', () => {
    const q = quantizeInt8(new Float32Array(5));
    expect(q.scale).toBe(0);
    expect(Array.from(dequantizeInt8(q))).toEqual([0, 0, 0, 0, 0]);
    expect(quantizationErrorBound(new Float32Array(3))).toBe(0);
  });

  it('stays within max|w| / 254 on random tensors', () => {
    const rng = createRng(8);
    for (let t = 0; t < 20; t++) {
      const w = Float32Array.from({ length: 500 }, () => rng.normal() * 10 ** (rng.int(7) - 3));
      const bound = quantizationErrorBound(w);
      expect(quantizationError(w)).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(quantizationError(w)).toBeGreaterThan(bound * 0.5); // the bound is nearly reached with 500 values
    }
  });

  it('rejects non-finite weights', () => {
    expect(() => quantizeInt8(new Float32Array([1, NaN]))).toThrow(/finite/);
    expect(() => quantizeInt8(new Float32Array([Infinity]))).toThrow(/finite/);
  });
});
