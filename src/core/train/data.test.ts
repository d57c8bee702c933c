import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { toUnitBatch } from './data';

describe('toUnitBatch', () => {
  it('turns RGB, RGBA and grey bytes into the same [0,1] RGB floats', () => {
    const size = 3;
    const rgb = Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * 37) % 256);
    const rgba = new Uint8ClampedArray(size * size * 4);
    const grey = new Uint8Array(size * size);
    for (let p = 0; p < size * size; p++) {
      rgba.set([rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2], 255], p * 4);
      grey[p] = rgb[p * 3];
    }
    const before = tf.memory().numTensors;
    const t = toUnitBatch([
      { data: rgba, width: size, height: size },
      { data: rgb, width: size, height: size, channels: 3 },
      { data: grey, width: size, height: size, channels: 1 },
      { data: rgb, width: size, height: size },
    ], size);
    const v = t.dataSync();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const plane = size * size * 3;
    const want = Array.from(rgb, (x) => Math.fround(x / 255));
    for (const b of [0, 1, 3]) expect(Array.from(v.subarray(b * plane, (b + 1) * plane)).map((x) => Math.fround(x))).toEqual(want.map((x) => Math.fround(x)));
    const g = Array.from(v.subarray(2 * plane, 3 * plane));
    for (let p = 0; p < size * size; p++) expect([g[p * 3], g[p * 3 + 1], g[p * 3 + 2]]).toEqual([want[p * 3], want[p * 3], want[p * 3]]);
  });

  it('rejects an image of the wrong size, naming both sizes', () => {
    expect(() => toUnitBatch([{ data: new Uint8Array(12), width: 2, height: 2, channels: 3 }], 3)).toThrow('expected 3x3 pixels, got 2x2');
  });
});
