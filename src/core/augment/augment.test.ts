// Checks augmentBatch per op: shape, [0,1] range, seeded determinism, identity at strength 0,
// exact flips, geometry on known images, and no tensor leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../train/rng';
import {
  AUGMENT_DEFAULTS, applyAugmentParams, augmentBatch, augmentEach, describeAugment, sampleAugmentParams,
  type AugmentConfig, type ImageAugmentParams,
} from './augment';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Deterministic random images [n,h,w,3] in [lo, hi]. */
function images(n: number, h: number, w: number, seed = 1, lo = 0, hi = 1): tf.Tensor4D {
  const r = createRng(seed);
  return tf.tensor4d(Array.from({ length: n * h * w * 3 }, () => r.uniform(lo, hi)), [n, h, w, 3]);
}
/** Runs augmentBatch, checks shape/range/no leak and returns the values. */
function run(x: tf.Tensor4D, cfg: AugmentConfig, seed: number): number[][][][] {
  const before = tf.memory().numTensors;
  const out = augmentBatch(x, cfg, seed);
  expect(out.shape).toEqual(x.shape);
  expect(out.dtype).toBe('float32');
  const values = out.arraySync();
  const flat = out.dataSync();
  out.dispose();
  expect(tf.memory().numTensors).toBe(before);
  expect(flat.every((v) => v >= 0 && v <= 1)).toBe(true);
  return values;
}
function maxAbsDiff(a: number[][][][], b: number[][][][]): number {
  const fb = b.flat(3);
  return Math.max(...a.flat(3).map((v, i) => Math.abs(v - fb[i])));
}

const OPS: [string, AugmentConfig, AugmentConfig][] = [
  ['flipH', { flipH: true }, { flipH: false }],
  ['flipV', { flipV: true }, { flipV: false }],
  ['rotate', { rotate: 30 }, { rotate: 0 }],
  ['zoom', { zoom: 0.3 }, { zoom: 0 }],
  ['translate', { translate: 0.2 }, { translate: 0 }],
  ['brightness', { brightness: 0.3 }, { brightness: 0 }],
  ['contrast', { contrast: 0.5 }, { contrast: 0 }],
  ['saturation', { saturation: 0.8 }, { saturation: 0 }],
  ['hue', { hue: 0.3 }, { hue: 0 }],
  ['noise', { noise: 0.1 }, { noise: 0 }],
  ['blur', { blur: 1.5 }, { blur: 0 }],
  ['cutout', { cutout: 0.5 }, { cutout: 0 }],
  ['defaults', { ...AUGMENT_DEFAULTS }, {}],
  ['everything', { flipH: true, flipV: true, rotate: 20, zoom: 0.2, translate: 0.1, brightness: 0.2, contrast: 0.2, saturation: 0.3, hue: 0.1, noise: 0.05, blur: 1, cutout: 0.3 }, {}],
];

describe('augmentBatch, per op', () => {
  it.each(OPS)('%s: shape, range, determinism, seed sensitivity, identity at 0, no leak', (_name, cfg, zero) => {
    const x = images(6, 12, 10);
    const input = x.arraySync();
    const a = run(x, cfg, 7);
    expect(run(x, cfg, 7)).toEqual(a);
    expect(maxAbsDiff(run(x, cfg, 8), a)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(a, input)).toBeGreaterThan(1e-3);
    expect(run(x, zero, 7)).toEqual(input);
    expect(x.arraySync()).toEqual(input); // input untouched and not disposed
    x.dispose();
  });

  it('works on a single image and on an empty config', () => {
    const x = images(1, 5, 5);
    expect(run(x, { ...AUGMENT_DEFAULTS, cutout: 0.3, blur: 1, noise: 0.02 }, 1)).toHaveLength(1);
    expect(run(x, {}, 1)).toEqual(x.arraySync());
    x.dispose();
  });

  it('rejects non-RGB input and mismatched parameters', () => {
    const gray = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const rgb = images(2, 4, 4);
    const before = tf.memory().numTensors;
    expect(() => augmentBatch(gray, { flipH: true }, 1)).toThrow(/RGB/);
    expect(() => applyAugmentParams(rgb, sampleAugmentParams(3, {}, 1), {}, 1)).toThrow(/parameter sets/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([gray, rgb]);
  });
});

describe('geometry', () => {
  const base = (): ImageAugmentParams => sampleAugmentParams(1, {}, 0)[0];
  const apply = (x: tf.Tensor4D, ps: ImageAugmentParams[], cfg: AugmentConfig) => {
    const out = applyAugmentParams(x, ps, cfg, 0);
    const v = out.arraySync();
    out.dispose();
    return v;
  };

  it('flipH reverses the columns of exactly the images drawn as flipped', () => {
    const x = images(8, 3, 4, 3);
    const input = x.arraySync();
    const params = sampleAugmentParams(8, { flipH: true }, 11);
    const flips = params.map((p) => p.flipH);
    expect(flips).toContain(true);
    expect(flips).toContain(false);
    const out = run(x, { flipH: true }, 11);
    out.forEach((img, i) => {
      const expected = flips[i] ? input[i].map((row) => [...row].reverse()) : input[i];
      expect(img).toEqual(expected);
    });
    x.dispose();
  });

  it('flipV reverses the rows; both flips equal a 180° rotation', () => {
    const x = images(1, 4, 5, 4);
    const input = x.arraySync()[0];
    const flipV = apply(x, [{ ...base(), flipV: true }], { flipV: true })[0];
    expect(flipV).toEqual([...input].reverse());
    const both = apply(x, [{ ...base(), flipH: true, flipV: true }], { flipH: true, flipV: true })[0];
    const rot = apply(x, [{ ...base(), angle: Math.PI }], { rotate: 180 })[0];
    expect(both).toEqual([...input].reverse().map((r) => [...r].reverse()));
    expect(maxAbsDiff([rot], [both])).toBeLessThan(1e-5);
    x.dispose();
  });

  it('a 90° rotation of a square image moves columns to rows', () => {
    const x = images(1, 5, 5, 5);
    const input = x.arraySync()[0];
    const out = apply(x, [{ ...base(), angle: Math.PI / 2 }], { rotate: 90 })[0];
    // p_in = R·(p_out − c) + c with R = [[0,−1],[1,0]]: in_x = 4 − y, in_y = x
    for (let y = 0; y < 5; y++) for (let xx = 0; xx < 5; xx++) {
      out[y][xx].forEach((v, ch) => expect(v).toBeCloseTo(input[xx][4 - y][ch], 5));
    }
    x.dispose();
  });

  it('zoom crops inside the image: a horizontal ramp keeps its shape at slope cropW', () => {
    const w = 9;
    const ramp = tf.tidy(() => tf.tile(tf.reshape(tf.linspace(0, 1, w), [1, 1, w, 1]), [1, 6, 1, 3])) as tf.Tensor4D;
    const p = { ...base(), cropW: 0.5, cropH: 0.8, cropX: 0.2, cropY: 0 };
    const out = apply(ramp, [p], { zoom: 0.5 })[0];
    const left = 4 + 0.2 * w - 0.5 * 4; // crop centre column minus half the crop
    for (let xx = 0; xx < w; xx++) expect(out[2][xx][0]).toBeCloseTo((left + 0.5 * xx) / (w - 1), 5);
    ramp.dispose();
  });

  it('translate shifts content; sampled crops and shifts stay within their ranges', () => {
    const x = images(1, 6, 10, 6);
    const input = x.arraySync()[0];
    const out = apply(x, [{ ...base(), tx: 0.2, ty: -1 / 6 }], { translate: 0.2 })[0];
    for (let y = 0; y < 5; y++) for (let xx = 2; xx < 10; xx++) expect(out[y][xx]).toEqual(input[y + 1][xx - 2]);
    for (const p of sampleAugmentParams(200, { zoom: 0.3, translate: 0.1, rotate: 15 }, 3)) {
      expect(p.cropW * p.cropH).toBeGreaterThanOrEqual(0.7 - 1e-9);
      expect(Math.max(p.cropW, p.cropH)).toBeLessThanOrEqual(1);
      expect(Math.abs(p.cropX)).toBeLessThanOrEqual((1 - p.cropW) / 2 + 1e-12);
      expect(Math.abs(p.tx)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(p.angle)).toBeLessThanOrEqual((15 * Math.PI) / 180);
    }
    x.dispose();
  });
});

describe('seeding', () => {
  it("an image's parameters depend on (seed, index) only, and ops draw independently", () => {
    const a = sampleAugmentParams(3, { rotate: 20, brightness: 0.2 }, 5);
    const b = sampleAugmentParams(10, { rotate: 20, brightness: 0.2, hue: 0.1, flipH: true }, 5);
    expect(b.slice(0, 3).map((p) => [p.angle, p.brightness])).toEqual(a.map((p) => [p.angle, p.brightness]));
    const x4 = images(4, 6, 6);
    const x2 = tf.slice(x4, 0, 2);
    const cfg = { rotate: 20, zoom: 0.2, contrast: 0.3, hue: 0.1, blur: 1 };
    expect(run(x2, cfg, 9)).toEqual(run(x4, cfg, 9).slice(0, 2));
    tf.dispose([x4, x2]);
  });
});

describe('describeAugment / AUGMENT_DEFAULTS', () => {
  it('summarises enabled ops in order', () => {
    expect(describeAugment({})).toBe('no augmentation');
    expect(describeAugment({ rotate: 0, flipH: false })).toBe('no augmentation');
    expect(describeAugment(AUGMENT_DEFAULTS)).toBe(
      'flip horizontally, rotate ±10°, zoom up to 15%, shift ±5%, brightness ±10%, contrast ±10%, saturation ±10%',
    );
    expect(describeAugment({ flipH: true, flipV: true, hue: 0.05, noise: 0.02, blur: 1.5, cutout: 0.25 })).toBe(
      'flip horizontally and vertically, hue ±18°, noise up to σ 0.02, blur up to 1.5 px, cutout up to 25% of a side',
    );
    expect(describeAugment({ flipV: true })).toBe('flip vertically');
  });

  it('defaults are mild and frozen', () => {
    expect(Object.isFrozen(AUGMENT_DEFAULTS)).toBe(true);
    expect(AUGMENT_DEFAULTS.rotate).toBeLessThanOrEqual(15);
    expect(AUGMENT_DEFAULTS.flipV).toBeFalsy();
    expect(AUGMENT_DEFAULTS.cutout).toBeFalsy();
  });
});

describe('augmentEach', () => {
  const all: AugmentConfig = { flipH: true, flipV: true, rotate: 20, zoom: 0.3, translate: 0.1, brightness: 0.2, contrast: 0.3, saturation: 0.3, hue: 0.1, blur: 1, cutout: 0.3 };
  /** Image j alone through augmentBatch with its own seed (or as is), stacked. */
  const oneByOne = (x: tf.Tensor4D, cfg: AugmentConfig, seeds: (number | null)[]) =>
    tf.tidy(() => tf.concat(seeds.map((s, j) => {
      const one = x.slice([j, 0, 0, 0], [1, ...x.shape.slice(1)] as [number, number, number]);
      return s == null ? one : augmentBatch(one, cfg, s);
    }), 0));

  for (const [name, cfg] of [['the defaults', AUGMENT_DEFAULTS], ['every op but noise', all], ['noise on', { ...AUGMENT_DEFAULTS, noise: 0.05 }]] as [string, AugmentConfig][]) {
    it(`equals augmenting each image alone with its own seed (${name}), images without a seed left as they are`, () => {
      const x = images(5, 12, 10, 3);
      const before = tf.memory().numTensors;
      for (const seeds of [[11, 12, 13, 14, 15], [null, 7, null, 8, null], [null, null, null, null, null], [4, null, null, null, 9]]) {
        const got = augmentEach(x, cfg, seeds);
        const want = oneByOne(x, cfg, seeds);
        expect(got.shape).toEqual(x.shape);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]);
        expect(diff, `${seeds}`).toBeLessThanOrEqual(1e-5);
        tf.dispose([got, want]);
      }
      expect(() => augmentEach(x, cfg, [1, 2])).toThrow(/2 seeds for 5 images/);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }
});
