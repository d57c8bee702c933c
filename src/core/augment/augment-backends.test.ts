// Checks that augmentation gives the same pixels on the wasm backend as on cpu (guarding the
// workarounds for tfjs 4.22's wasm 'reflect' fill and cpu batched Transform bugs).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmGradKernels } from '../backend/wasm-grad-kernels';
import { AUGMENT_AFFINE_KERNEL } from '../backend/wasm-grad/augment';
import { createRng } from '../train/rng';
import { augmentBatch, sampleAugmentParams, transformRow, type AugmentConfig } from './augment';
import { fusedAffineAugmentAvailable, transformImages } from './augment-ops';

const [N, H, W] = [4, 14, 11];
const rng = createRng(1);
const DATA = Array.from({ length: N * H * W * 3 }, () => rng.next());

async function on<T>(backend: string, f: (x: tf.Tensor4D) => T): Promise<T> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(DATA, [N, H, W, 3]);
  const before = tf.memory().numTensors;
  try {
    return f(x);
  } finally {
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  }
}
const run = (cfg: AugmentConfig) => (x: tf.Tensor4D) => {
  const out = augmentBatch(x, cfg, 3);
  const v = Array.from(out.dataSync());
  out.dispose();
  return v;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('augmentation across backends', () => {
  it.each<[string, AugmentConfig]>([
    ['geometry', { flipH: true, flipV: true, rotate: 40, zoom: 0.3, translate: 0.2 }],
    ['large rotation + shift', { rotate: 180, translate: 0.5 }],
    ['colour', { brightness: 0.2, contrast: 0.3, saturation: 0.5, hue: 0.2 }],
    ['blur', { blur: 2 }],
    ['noise + cutout', { noise: 0.05, cutout: 0.4 }],
  ])('%s: wasm equals cpu', async (_name, cfg) => {
    const cpu = await on('cpu', run(cfg));
    const wasm = await on('wasm', run(cfg));
    expect(maxDiff(cpu, wasm)).toBeLessThan(1e-5);
  });

  it('mirror padding reproduces tfjs reflect exactly where the cpu kernel gets it right', async () => {
    const rows = sampleAugmentParams(N, { rotate: 45, zoom: 0.3, translate: 0.3, flipH: true }, 5).map((p) => transformRow(p, W, H));
    const [ours, native] = await on('cpu', (x) => [
      tf.tidy(() => transformImages(x, new Float32Array(rows.flat())).dataSync()),
      rows.flatMap((row, i) =>
        Array.from(tf.tidy(() => tf.image.transform(x.slice([i], [1]) as tf.Tensor4D, tf.tensor2d([row]), 'bilinear', 'reflect').dataSync())),
      ),
    ]);
    expect(maxDiff(ours, native)).toBeLessThan(1e-5);
  });

  it("pins tfjs 4.22 wasm 'reflect' reading the far edge for negative coordinates", async () => {
    const shiftRight = tf.tensor2d([[1, 0, -2, 0, 1, 0, 0, 0]]);
    const row = async (b: string) => {
      await tf.setBackend(b);
      return tf.tidy(() => Array.from(tf.image.transform(tf.tensor4d([0, 1, 2, 3, 4, 5], [1, 1, 6, 1]), shiftRight, 'bilinear', 'reflect').dataSync()));
    };
    expect(await row('cpu')).toEqual([1, 0, 0, 1, 2, 3]);
    expect(await row('wasm')).toEqual([5, 5, 0, 1, 2, 3]); // when this fails, wasm was fixed
    shiftRight.dispose();
  });
});

describe("augmentation's fused geometry and colour kernel on wasm", () => {
  beforeAll(() => registerWasmGradKernels());

  it.each<[string, AugmentConfig]>([
    ['the defaults', { flipH: true, rotate: 10, zoom: 0.15, translate: 0.05, brightness: 0.1, contrast: 0.1, saturation: 0.1 }],
    ['geometry only', { flipH: true, flipV: true, rotate: 40, zoom: 0.3, translate: 0.2 }],
    ['large rotation + shift (clamped beyond the mirror)', { rotate: 180, translate: 0.5 }],
    ['brightness only', { brightness: 0.4 }],
    ['contrast only', { contrast: 0.6 }],
    ['hue and saturation only', { saturation: 0.5, hue: 0.3 }],
    ['everything, with blur and cutout after', { flipH: true, rotate: 25, zoom: 0.4, brightness: 0.3, contrast: 0.4, saturation: 0.4, hue: 0.1, blur: 1.5, cutout: 0.3 }],
  ])('%s: equals the cpu chain', async (_name, cfg) => {
    const cpu = await on('cpu', run(cfg));
    const wasm = await on('wasm', (x) => {
      expect(fusedAffineAugmentAvailable()).toBe(true);
      return run(cfg)(x);
    });
    expect(maxDiff(cpu, wasm)).toBeLessThan(1e-5);
  });

  it('runs as one kernel where the chain ran a dozen', async () => {
    const cfg: AugmentConfig = { flipH: true, rotate: 10, zoom: 0.15, brightness: 0.1, contrast: 0.1, saturation: 0.1 };
    const kernels = async (b: string) => {
      await tf.setBackend(b);
      const x = tf.tensor4d(DATA, [N, H, W, 3]);
      const p = await tf.profile(() => augmentBatch(x, cfg, 3));
      x.dispose();
      (p.result as tf.Tensor).dispose();
      return p.kernelNames;
    };
    const wasm = await kernels('wasm');
    expect(wasm).toContain(AUGMENT_AFFINE_KERNEL);
    expect(wasm).not.toContain('Transform');
    expect(await kernels('cpu')).toContain('Transform');
  });

  it('a non-square batch of one image equals cpu', async () => {
    const cfg: AugmentConfig = { rotate: 30, zoom: 0.2, translate: 0.1, contrast: 0.3 };
    const one = (x: tf.Tensor4D) => tf.tidy(() => Array.from(augmentBatch(x.slice([2], [1]) as tf.Tensor4D, cfg, 9).dataSync()));
    expect(maxDiff(await on('cpu', one), await on('wasm', one))).toBeLessThan(1e-5);
  });
});
