// Grad-CAM on tiny in-test models: known-gradient sanity checks, the MobileNet-shaped test backbone
// with the studio head, normalisation edge cases, determinism and tensor hygiene.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBackbone } from '../backbones/layers';
import { buildHead } from '../train/head';
import { buildTestBackbone } from '../../test-support/test-backbone';
import { gradCam, upsampleHeatmap } from './grad-cam';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A pass-through "backbone": its feature map is the input itself. */
function identityBackbone(h: number, w: number, c: number): tf.LayersModel {
  const input = tf.input({ shape: [h, w, c] });
  const out = tf.layers.activation({ activation: 'linear' }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** A bias-free linear head with the given [C × K] kernel. */
function linearHead(kernel: number[][]): tf.LayersModel {
  const head = tf.sequential({ layers: [tf.layers.dense({ name: 'head_logits', inputShape: [kernel.length], units: kernel[0].length, useBias: false })] });
  const k = tf.tensor2d(kernel);
  head.layers[0].setWeights([k]);
  k.dispose();
  return head;
}

/** [1,h,w,c] image with value 1 in channel `ch` over the given cells. */
function regionImage(h: number, w: number, c: number, cells: Array<[ch: number, ys: number[], xs: number[]]>): tf.Tensor4D {
  const data = new Float32Array(h * w * c);
  for (const [ch, ys, xs] of cells) for (const y of ys) for (const x of xs) data[(y * w + x) * c + ch] = 1;
  return tf.tensor4d(data, [1, h, w, c]);
}

const mask = (h: number, w: number, ys: number[], xs: number[]) => {
  const m = new Array<number>(h * w).fill(0);
  for (const y of ys) for (const x of xs) m[y * w + x] = 1;
  return m;
};

describe('gradCam with a known gradient', () => {
  // logit0 = mean(A0) − mean(A1), logit1 = mean(A1) − mean(A0): α = ±1/(h·w) per channel.
  const backbone = identityBackbone(8, 8, 2);
  const head = linearHead([[1, -1], [-1, 1]]);
  // channel 0 lights a 3×3 patch top-left, channel 1 a 2×2 patch bottom-right
  const image = regionImage(8, 8, 2, [[0, [0, 1, 2], [0, 1, 2]], [1, [6, 7], [6, 7]]]);

  it('peaks exactly where the evidence for the class is', async () => {
    const before = tf.memory().numTensors;
    const r0 = await gradCam(backbone, head, image, 0);
    expect(Array.from(r0.heatmap)).toEqual(mask(8, 8, [0, 1, 2], [0, 1, 2]));
    const r1 = await gradCam(backbone, head, image, 1);
    expect(Array.from(r1.heatmap)).toEqual(mask(8, 8, [6, 7], [6, 7]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('explains the predicted class when classIndex is null, with softmax probabilities', async () => {
    const r = await gradCam(backbone, head, image, null);
    // mean(A0) = 9/64, mean(A1) = 4/64 → logits ±5/64 → class 0
    expect(r.classIndex).toBe(0);
    const e = Math.exp(10 / 64);
    expect(r.probabilities[0]).toBeCloseTo(e / (e + 1), 6);
    expect(r.probabilities[1]).toBeCloseTo(1 / (e + 1), 6);
    expect({ width: r.width, height: r.height }).toEqual({ width: 8, height: 8 });
  });

  it('keeps a non-square feature map as height × width', async () => {
    const img = regionImage(4, 6, 2, [[0, [3], [5]]]);
    const r = await gradCam(identityBackbone(4, 6, 2), head, img, 0);
    expect({ width: r.width, height: r.height }).toEqual({ width: 6, height: 4 });
    expect(Array.from(r.heatmap)).toEqual(mask(4, 6, [3], [5]));
    img.dispose();
  });

  it('returns zeros, not NaN, when the class has no positive evidence', async () => {
    const zeroHead = linearHead([[0, 0], [0, 0]]);
    const negHead = linearHead([[-1, 0], [-1, 0]]);
    const before = tf.memory().numTensors;
    const r = await gradCam(backbone, zeroHead, image, null);
    expect(r.classIndex).toBe(0); // tie → first
    expect(Array.from(r.heatmap).every((v) => v === 0)).toBe(true);
    expect(r.probabilities).toEqual([0.5, 0.5]);
    // a class whose evidence is all negative (ReLU removes it) is zeros too
    expect(Array.from((await gradCam(backbone, negHead, image, 0)).heatmap).every((v) => v === 0)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a bad class index or batch without leaking', async () => {
    const before = tf.memory().numTensors;
    await expect(gradCam(backbone, head, image, 2)).rejects.toThrow(/classIndex/);
    await expect(gradCam(backbone, head, image, -1)).rejects.toThrow(/classIndex/);
    const two = tf.zeros([2, 8, 8, 2]) as tf.Tensor4D;
    await expect(gradCam(backbone, head, two, 0)).rejects.toThrow(/one image/);
    two.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('gradCam on the MobileNet-shaped test backbone with the studio head', () => {
  const backbone = buildTestBackbone();
  const image = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 5) as tf.Tensor4D;

  it('returns a 4×4 map in [0, 1] with maximum 1, deterministically, without leaks', async () => {
    const head = buildHead(24, 3, { hiddenUnits: 16, dropout: 0.3, l2: 0 }, 9);
    const before = tf.memory().numTensors;
    const a = await gradCam(backbone, head, image, null);
    const b = await gradCam(backbone, head, image, null);
    expect(tf.memory().numTensors).toBe(before);
    expect({ width: a.width, height: a.height, n: a.heatmap.length }).toEqual({ width: 4, height: 4, n: 16 });
    expect(a.heatmap.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Math.max(...a.heatmap)).toBe(1);
    expect(Array.from(b.heatmap)).toEqual(Array.from(a.heatmap));
    expect(b.classIndex).toBe(a.classIndex);
    expect(a.probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 6);
    expect(a.classIndex).toBe(a.probabilities.indexOf(Math.max(...a.probabilities)));
  });

  it('matches the closed form for a linear head: cam ∝ ReLU(Σ_c W[c,k] · A_c)', async () => {
    const head = buildHead(24, 3, { hiddenUnits: 0, dropout: 0, l2: 0 }, 4);
    const kernel = (await head.getLayer('head_logits').getWeights()[0].array()) as number[][];
    const aT = tf.tidy(() => applyBackbone(backbone, image));
    const A = (await aT.data()) as Float32Array;
    aT.dispose();
    for (const k of [0, 1, 2]) {
      const ref = new Array<number>(16).fill(0).map((_, p) => Math.max(0, kernel.reduce((s, row, c) => s + row[k] * A[p * 24 + c], 0)));
      const max = Math.max(...ref);
      const r = await gradCam(backbone, head, image, k);
      if (max === 0) expect(Array.from(r.heatmap).every((v) => v === 0)).toBe(true);
      else r.heatmap.forEach((v, p) => expect(v).toBeCloseTo(ref[p] / max, 4));
    }
  });
});

describe('upsampleHeatmap', () => {
  it('interpolates with half-pixel centres and clamped edges (hand computation)', () => {
    expect(Array.from(upsampleHeatmap([0, 1], 2, 1, 4, 1))).toEqual([0, 0.25, 0.75, 1]);
    expect(Array.from(upsampleHeatmap([0, 1], 1, 2, 1, 4))).toEqual([0, 0.25, 0.75, 1]);
  });

  it('is the identity at the same size and constant from a 1×1 map', () => {
    const m = [0.1, 0.5, 0.9, 0.3, 0, 1];
    expect(Array.from(upsampleHeatmap(m, 3, 2, 3, 2))).toEqual(Array.from(new Float32Array(m)));
    expect(Array.from(upsampleHeatmap([0.5], 1, 1, 3, 2))).toEqual(new Array(6).fill(0.5));
  });

  it('agrees with tf.image.resizeBilinear(halfPixelCenters)', async () => {
    const m = Array.from({ length: 12 }, (_, i) => ((i * 7) % 12) / 11);
    const before = tf.memory().numTensors;
    const t = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(m, [1, 3, 4, 1]), [13, 10], false, true));
    const ref = await t.data();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    upsampleHeatmap(m, 4, 3, 10, 13).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
  });

  it('rejects inconsistent sizes', () => {
    expect(() => upsampleHeatmap([1, 2, 3], 2, 2, 4, 4)).toThrow();
    expect(() => upsampleHeatmap([1], 1, 1, 0, 4)).toThrow();
  });
});
