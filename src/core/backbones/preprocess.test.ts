// Checks pixel conversion (alpha dropped, grey expanded) and backbone preprocessing: output shape,
// value range, centre crop versus stretch, and that no tensors leak.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getBackbone } from './catalog';
import { centerSquareBox, pixelsToTensor, preprocess } from './preprocess';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
let before = 0;
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

const v2 = getBackbone('mobilenet-v2-0.35')!;
const v3 = getBackbone('mobilenet-v3-small-100')!;
const stretch = { ...v2, preprocessing: { ...v2.preprocessing, resize: 'stretch' as const } };

/** [1, h, w, 3] int32 image: left third red, middle third grey 128, right third blue. */
function bands(h: number, w: number): tf.Tensor4D {
  const data = new Int32Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = x < w / 3 ? [255, 0, 0] : x < (2 * w) / 3 ? [128, 128, 128] : [0, 0, 255];
      data.set(px, (y * w + x) * 3);
    }
  }
  return tf.tensor4d(data, [1, h, w, 3], 'int32');
}

describe('pixelsToTensor', () => {
  it('drops alpha from RGBA', () => {
    const t = pixelsToTensor({ data: new Uint8Array([1, 2, 3, 255, 4, 5, 6, 0]), width: 2, height: 1 });
    expect(t.shape).toEqual([1, 2, 3]);
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    t.dispose();
  });

  it('expands grey and keeps RGB, with explicit or inferred channels', () => {
    const g = pixelsToTensor({ data: new Uint8ClampedArray([7, 9]), width: 1, height: 2, channels: 1 });
    expect(g.shape).toEqual([2, 1, 3]);
    expect(Array.from(g.dataSync())).toEqual([7, 7, 7, 9, 9, 9]);
    const rgb = pixelsToTensor({ data: new Uint8Array([10, 20, 30]), width: 1, height: 1 });
    expect(Array.from(rgb.dataSync())).toEqual([10, 20, 30]);
    tf.dispose([g, rgb]);
  });

  it('rejects inconsistent sizes', () => {
    expect(() => pixelsToTensor({ data: new Uint8Array(10), width: 2, height: 2 })).toThrow(/cannot infer channels/);
    expect(() => pixelsToTensor({ data: new Uint8Array(4), width: 2, height: 2, channels: 3 })).toThrow(/too short/);
    expect(() => pixelsToTensor({ data: new Uint8Array(0), width: 0, height: 2 })).toThrow(/invalid image size/);
  });
});

describe('preprocess', () => {
  /** Runs f in a tidy scope and returns its value as plain JS. */
  const val = (f: () => tf.Tensor) => tf.tidy(() => f().arraySync());

  it('resizes to the spec input size and maps 0..255 to [-1, 1] (v1/v2) or [0, 1] (v3)', () => {
    const img = tf.tidy(() => tf.concat([tf.zeros([1, 40, 30, 3], 'int32'), tf.fill([1, 40, 30, 3], 255, 'int32')]) as tf.Tensor4D);
    const a = preprocess(img, v2);
    const b = preprocess(img, v3);
    expect(a.shape).toEqual([2, 224, 224, 3]);
    expect(a.dtype).toBe('float32');
    expect(val(() => a.min([1, 2, 3]))).toEqual([-1, 1]);
    expect(val(() => a.max([1, 2, 3]))).toEqual([-1, 1]);
    expect(val(() => b.min([1, 2, 3]))).toEqual([0, 1]);
    expect(val(() => b.max([1, 2, 3]))).toEqual([0, 1]);
    tf.dispose([img, a, b]);
  });

  it('centre-crops wide and tall images to their middle square; stretch keeps everything', () => {
    const grey = 128 / 127.5 - 1;
    const wide = bands(50, 150);
    const crop = preprocess(wide, v2, 32);
    expect(crop.shape).toEqual([1, 32, 32, 3]);
    expect(val(() => crop.sub(grey).abs().max())).toBeLessThan(1e-5);
    const full = preprocess(wide, stretch, 32);
    expect(val(() => full.slice([0, 0, 0, 0], [1, 32, 1, 3]).mean([0, 1, 2]))).toEqual([1, -1, -1]);
    expect(val(() => full.slice([0, 0, 31, 0], [1, 32, 1, 3]).mean([0, 1, 2]))).toEqual([-1, -1, 1]);
    const tall = tf.tidy(() => tf.transpose(wide, [0, 2, 1, 3]) as tf.Tensor4D); // 150x50: bands run top to bottom
    const tallCrop = preprocess(tall, v2, 16);
    expect(tallCrop.shape).toEqual([1, 16, 16, 3]);
    expect(val(() => tallCrop.sub(grey).abs().max())).toBeLessThan(1e-5);
    tf.dispose([wide, crop, full, tall, tallCrop]);
  });

  it('handles batches, leaves already-sized images unresampled and does not dispose its input', () => {
    const img = tf.tidy(() => tf.concat([bands(224, 224), tf.fill([1, 224, 224, 3], 255, 'int32')]) as tf.Tensor4D);
    const out = preprocess(img, v2);
    expect(out.shape).toEqual([2, 224, 224, 3]);
    expect(val(() => out.sub(img.toFloat().div(127.5).sub(1)).abs().max())).toBeLessThan(1e-6);
    expect(img.isDisposed).toBe(false);
    tf.dispose([img, out]);
  });

  it('centerSquareBox uses cropAndResize coordinates', () => {
    expect(centerSquareBox(100, 100)).toEqual([0, 0, 1, 1]);
    const [y1, x1, y2, x2] = centerSquareBox(51, 101);
    expect([y1, y2]).toEqual([0, 1]);
    expect([x1 * 100, x2 * 100]).toEqual([25, 75]);
  });
});
