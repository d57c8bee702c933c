// Turns decoded pixels into exactly what a backbone expects: RGB, resized (centre crop or stretch)
// to its input size with bilinear sampling, and scaled to its value range.
import * as tf from '@tensorflow/tfjs';
import type { BackbonePreprocessing } from './catalog';

export interface PixelImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA); inferred from data.length when omitted. */
  channels?: 1 | 3 | 4;
}

/** Decoded pixels → [height, width, 3] int32 tensor of 0..255 (alpha dropped, grey expanded). */
export function pixelsToTensor(img: PixelImage): tf.Tensor3D {
  const { data, width, height } = img;
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`invalid image size ${width}x${height}`);
  }
  const channels = img.channels ?? data.length / n;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`cannot infer channels: ${data.length} bytes for ${width}x${height} pixels`);
  }
  if (data.length < n * channels) throw new Error(`pixel data too short: ${data.length} < ${n * channels}`);
  const rgb = new Int32Array(n * 3);
  for (let i = 0, s = 0, d = 0; i < n; i++, s += channels, d += 3) {
    rgb[d] = data[s];
    rgb[d + 1] = data[channels === 1 ? s : s + 1];
    rgb[d + 2] = data[channels === 1 ? s : s + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3], 'int32');
}

/**
 * Normalised [y1, x1, y2, x2] box of the largest centred square of an h x w image, in the
 * coordinates tf.image.cropAndResize uses (0 and 1 are the first and last pixel centres).
 */
export function centerSquareBox(h: number, w: number): [number, number, number, number] {
  const side = Math.min(h, w);
  const dy = h > 1 ? (h - side) / 2 / (h - 1) : 0;
  const dx = w > 1 ? (w - side) / 2 / (w - 1) : 0;
  return [dy, dx, 1 - dy, 1 - dx];
}

/**
 * Images [batch, h, w, 3] with values 0..255 (int32 or float) → [batch, size, size, 3] float32
 * resized per `spec.preprocessing.resize` (bilinear) and mapped through x * scale + offset.
 * `size` defaults to spec.inputSize. The input is not disposed.
 */
export function preprocess(
  images: tf.Tensor4D,
  spec: { inputSize: number; preprocessing: BackbonePreprocessing },
  size: number = spec.inputSize,
): tf.Tensor4D {
  const { scale, offset, resize } = spec.preprocessing;
  return tf.tidy(() => {
    const [batch, h, w] = images.shape;
    const x = images.toFloat();
    let resized: tf.Tensor4D = x;
    if (h !== size || w !== size) {
      // cropAndResize for both modes so they sample alike (corner pixel centres map to corners).
      const box = resize === 'center-crop' ? centerSquareBox(h, w) : [0, 0, 1, 1];
      const boxes = tf.tensor2d(Array.from({ length: batch }, () => box), [batch, 4]);
      const boxInd = tf.range(0, batch, 1, 'int32') as tf.Tensor1D;
      resized = tf.image.cropAndResize(x, boxes, boxInd, [size, size], 'bilinear');
    }
    return resized.mul(scale).add(offset) as tf.Tensor4D;
  });
}
