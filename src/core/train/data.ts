// How the training loop gets pixels: a PixelSource hands back square RGBA/RGB images at the
// backbone's input size (the worker decodes them from IndexedDB; Node tests draw them). Also
// turns a batch of them into a [0,1] float tensor.
import * as tf from '@tensorflow/tfjs';
import type { PixelImage } from '../backbones/preprocess';
import { tensorStaging } from './scratch';

export interface TrainImage {
  id: string;
  label: number;
}

export interface PixelSource {
  /** Square images of side `size`, in the order of `ids`. */
  load(ids: string[], size: number): Promise<PixelImage[]>;
}

/** Images (all `size`×`size`) → [N, size, size, 3] float32 in [0, 1]. */
export function toUnitBatch(images: PixelImage[], size: number): tf.Tensor4D {
  const n = images.length;
  const plane = size * size;
  const out = tensorStaging(n * plane * 3);
  const k = 1 / 255;
  images.forEach((img, b) => {
    if (img.width !== size || img.height !== size) throw new Error(`expected ${size}x${size} pixels, got ${img.width}x${img.height}`);
    const c = img.channels ?? img.data.length / plane;
    const src = img.data;
    let d = b * plane * 3;
    if (c === 3) {
      // RGB bytes (what the worker's pixel source holds): a native copy, then one scaling pass.
      out.set(src, d);
      for (let i = d, end = d + plane * 3; i < end; i++) out[i] *= k;
      return;
    }
    for (let i = 0, s = 0; i < plane; i++, s += c, d += 3) {
      out[d] = src[s] * k;
      out[d + 1] = src[c === 1 ? s : s + 1] * k;
      out[d + 2] = src[c === 1 ? s : s + 2] * k;
    }
  });
  return tf.tensor4d(out, [n, size, size, 3]);
}

/** [0,1] images → the backbone's input range (x·255·scale + offset). */
export function toModelRange(x01: tf.Tensor4D, pre: { scale: number; offset: number }): tf.Tensor4D {
  return tf.tidy(() => x01.mul(255 * pre.scale).add(pre.offset));
}
