// Checks the augmentation tensor ops against hand-computed results: colour maths, blur taps and
// borders, cutout rectangles, noise statistics, and the cpu batched-transform workaround.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../train/rng';
import {
  addNoise, adjustBrightness, adjustContrast, applyColorMatrices, cutoutRects, gaussianBlur,
  gaussianTaps, hueSaturationMatrix, transformImages,
} from './augment-ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function images(n: number, h: number, w: number, seed = 1, lo = 0, hi = 1): tf.Tensor4D {
  const r = createRng(seed);
  return tf.tensor4d(Array.from({ length: n * h * w * 3 }, () => r.uniform(lo, hi)), [n, h, w, 3]);
}
/** Runs `op` on `x` inside tidy, asserts no leak, returns the output values. */
function values(x: tf.Tensor4D, op: (x: tf.Tensor4D) => tf.Tensor4D): number[][][][] {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => op(x));
  expect(out.shape).toEqual(x.shape);
  const v = out.arraySync();
  out.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return v;
}
const luma = (p: number[]) => 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
const apply3 = (m: number[][], p: number[]) => m.map((row) => row[0] * p[0] + row[1] * p[1] + row[2] * p[2]);

describe('brightness and contrast', () => {
  it('brightness adds a per-image delta', () => {
    const x = images(2, 3, 3);
    const input = x.arraySync();
    const out = values(x, (t) => adjustBrightness(t, [0.1, -0.2]));
    out.forEach((img, i) => img.flat(2).forEach((v, j) => expect(v).toBeCloseTo(input[i].flat(2)[j] + [0.1, -0.2][i], 6)));
    x.dispose();
  });

  it('contrast scales around per-channel means, which it preserves', () => {
    const x = images(2, 4, 4);
    const out = tf.tidy(() => adjustContrast(x, [0.5, 1.5]));
    const [m0, m1] = [tf.mean(x, [1, 2]), tf.mean(out, [1, 2])];
    expect(Array.from(m1.dataSync()).map((v, i) => v - m0.dataSync()[i]).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    // per-channel variance of image 1 scales by 1.5²
    const spread = (t: tf.Tensor) => tf.tidy(() => Array.from(tf.moments(t.slice([1], [1]), [0, 1, 2]).variance.dataSync()));
    spread(out).forEach((v, c) => expect(v / spread(x)[c]).toBeCloseTo(2.25, 4));
    tf.dispose([out, m0, m1]);
    x.dispose();
  });
});

describe('hue / saturation matrices', () => {
  it('hue 0, saturation 1 is the identity; a full turn is too', () => {
    const eye = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    for (const m of [hueSaturationMatrix(0, 1), hueSaturationMatrix(2 * Math.PI, 1)]) {
      m.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(eye[i][j], 6)));
    }
  });

  it('keeps luma, keeps greys grey, and saturation 0 gives greyscale', () => {
    const p = [0.8, 0.3, 0.1];
    for (const [hue, sat] of [[1, 1], [-2, 0.5], [0.4, 1.7]]) expect(luma(apply3(hueSaturationMatrix(hue, sat), p))).toBeCloseTo(luma(p), 5);
    const grey = apply3(hueSaturationMatrix(1.3, 1.4), [0.4, 0.4, 0.4]);
    grey.forEach((v) => expect(v).toBeCloseTo(0.4, 5));
    const bw = apply3(hueSaturationMatrix(0, 0), p);
    bw.forEach((v) => expect(v).toBeCloseTo(luma(p), 5));
  });

  it('±120° hue turns move red towards blue / green (YIQ turns opposite to HSV)', () => {
    const dominant = (p: number[]) => p.indexOf(Math.max(...p));
    expect(dominant(apply3(hueSaturationMatrix((2 * Math.PI) / 3, 1), [1, 0, 0]))).toBe(2);
    expect(dominant(apply3(hueSaturationMatrix((-2 * Math.PI) / 3, 1), [1, 0, 0]))).toBe(1);
  });

  it('applyColorMatrices uses each image its own matrix', () => {
    const x = images(2, 2, 3);
    const input = x.arraySync();
    const ms = [hueSaturationMatrix(0.7, 1.2), hueSaturationMatrix(0, 0)];
    const out = values(x, (t) => applyColorMatrices(t, ms));
    out.forEach((img, i) => img.forEach((row, y) => row.forEach((px, xx) => {
      apply3(ms[i], input[i][y][xx]).forEach((v, c) => expect(px[c]).toBeCloseTo(v, 5));
    })));
    x.dispose();
  });
});

describe('gaussianBlur', () => {
  it('taps are normalised, symmetric, and a delta at sigma 0', () => {
    const t = gaussianTaps(1.2, 4);
    expect(t.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    t.forEach((v, i) => expect(v).toBeCloseTo(t[8 - i], 12));
    expect(gaussianTaps(0, 3)).toEqual([0, 0, 0, 1, 0, 0, 0]);
  });

  it('matches a separable reference with reflected borders, per-image sigma', () => {
    const [h, w] = [6, 7];
    const x = images(3, h, w, 9);
    const input = x.arraySync();
    const sigmas = [0.8, 0, 1.4];
    const out = values(x, (t) => gaussianBlur(t, sigmas));
    const r = Math.ceil(3 * 1.4) > h - 1 ? h - 1 : Math.ceil(3 * 1.4); // 5
    const refl = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
    input.forEach((img, b) => {
      const taps = gaussianTaps(sigmas[b], r);
      const across = img.map((row) => row.map((_, xx) => [0, 1, 2].map((c) => taps.reduce((a, k, t) => a + k * row[refl(xx + t - r, w)][c], 0))));
      const ref = across.map((row, y) => row.map((_, xx) => [0, 1, 2].map((c) => taps.reduce((a, k, t) => a + k * across[refl(y + t - r, h)][xx][c], 0))));
      ref.flat(2).forEach((v, j) => expect(out[b].flat(2)[j]).toBeCloseTo(v, 5));
    });
    expect(out[1]).toEqual(input[1].map((row) => row.map((px) => px.map((v) => Math.fround(v))))); // sigma 0 untouched
    x.dispose();
  });

  it('keeps a flat image flat and reduces variance', () => {
    const flat = tf.fill([2, 8, 8, 3], 0.3) as tf.Tensor4D;
    values(flat, (t) => gaussianBlur(t, [2, 1])).flat(3).forEach((v) => expect(v).toBeCloseTo(0.3, 5));
    const x = images(1, 16, 16);
    const varOf = (t: tf.Tensor) => tf.tidy(() => tf.moments(t).variance.dataSync()[0]);
    const blurred = tf.tidy(() => gaussianBlur(x, [1.5]));
    expect(varOf(blurred)).toBeLessThan(varOf(x) / 3);
    tf.dispose([flat, x, blurred]);
  });
});

describe('cutoutRects and noise', () => {
  it('fills exactly [y0,y1)×[x0,x1) with grey per image; empty rects change nothing', () => {
    const x = images(2, 5, 6);
    const input = x.arraySync();
    const out = values(x, (t) => cutoutRects(t, [{ y0: 1, y1: 3, x0: -2, x1: 2 }, { y0: 0, y1: 0, x0: 0, x1: 6 }]));
    for (let y = 0; y < 5; y++) for (let xx = 0; xx < 6; xx++) {
      const inside = y >= 1 && y < 3 && xx < 2;
      expect(out[0][y][xx]).toEqual(inside ? [0.5, 0.5, 0.5] : input[0][y][xx]);
    }
    expect(out[1]).toEqual(input[1]);
    x.dispose();
  });

  it('noise has the requested per-image std and is seeded', () => {
    const x = tf.fill([2, 64, 64, 3], 0.5) as tf.Tensor4D;
    const a = values(x, (t) => addNoise(t, [0.1, 0], 3));
    expect(values(x, (t) => addNoise(t, [0.1, 0], 3))).toEqual(a);
    expect(values(x, (t) => addNoise(t, [0.1, 0], 4))).not.toEqual(a);
    const d = a[0].flat(2).map((v) => v - 0.5);
    const std = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    expect(std).toBeCloseTo(0.1, 2);
    expect(a[1].flat(2).every((v) => v === 0.5)).toBe(true);
    x.dispose();
  });
});

describe('transformImages', () => {
  it('transforms every image of a batch on cpu (works around the 4.22 kernel)', () => {
    const x = images(3, 3, 4);
    const input = x.arraySync();
    const flip = [-1, 0, 3, 0, 1, 0, 0, 0];
    const id = [1, 0, 0, 0, 1, 0, 0, 0];
    const out = values(x, (t) => transformImages(t, new Float32Array([...id, ...flip, ...flip])));
    expect(out[0]).toEqual(input[0]);
    expect(out[1]).toEqual(input[1].map((row) => [...row].reverse()));
    expect(out[2]).toEqual(input[2].map((row) => [...row].reverse()));
    x.dispose();
  });

  it('pins the tfjs 4.22 cpu bug the workaround exists for (drop the workaround when this fails)', () => {
    const x = tf.ones([2, 2, 2, 1]) as tf.Tensor4D;
    const t = tf.tensor2d([[1, 0, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0]]);
    const out = tf.image.transform(x, t);
    expect(Array.from(out.dataSync())).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    tf.dispose([x, t, out]);
  });
});
