// The tensor side of augmentation: each op applies already-drawn per-image parameters to a
// [N,H,W,3] float batch in one batched kernel where possible. Call inside tf.tidy.
import * as tf from '@tensorflow/tfjs';
import { AUGMENT_AFFINE_KERNEL } from '../backend/wasm-grad/augment';

/**
 * Affine transforms ([N,8] rows in tf.image.transform's output→input convention, last two 0),
 * bilinear, with mirrored borders. tfjs 4.22's own 'reflect' fill is wrong on wasm (coordinates
 * < 0 read the far edge), so instead the batch is mirror-padded ('symmetric', which is exactly
 * tfjs's reflect) just enough for the farthest corner, and the kernel clamps ('nearest') beyond:
 * identical results on every backend. tfjs 4.22's cpu Transform kernel also returns after the
 * first image of a batch (the rest come back as the fill value), so on 'cpu' each image goes alone.
 */
export function transformImages(x: tf.Tensor4D, rows: Float32Array): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const { padH, padW, shifted } = mirrorPadding(rows, n, h, w);
  const src = padW || padH ? tf.mirrorPad(x, [[0, 0], [padH, padH], [padW, padW], [0, 0]], 'symmetric') : x;
  const t = tf.tensor2d(shifted, [n, 8]);
  const one = (img: tf.Tensor4D, ti: tf.Tensor2D) => tf.image.transform(img, ti, 'bilinear', 'nearest', 0, [h, w]);
  if (n === 1 || tf.getBackend() !== 'cpu') return one(src, t);
  return tf.concat(tf.split(src, n, 0).map((xi, i) => one(xi as tf.Tensor4D, t.slice([i, 0], [1, 8]))), 0);
}

/**
 * The mirror padding `transformImages` needs for these rows (just enough for the farthest
 * corner, +1 for the bilinear neighbour, at most the image size) and the rows moved into the
 * padded image's coordinates.
 */
export function mirrorPadding(rows: Float32Array, n: number, h: number, w: number): { padH: number; padW: number; shifted: Float32Array } {
  let overX = 0;
  let overY = 0;
  for (let i = 0; i < n; i++) {
    const [a00, a01, bx, a10, a11, by] = rows.subarray(i * 8, i * 8 + 6);
    for (const [cx, cy] of [[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]]) {
      const ix = a00 * cx + a01 * cy + bx;
      const iy = a10 * cx + a11 * cy + by;
      overX = Math.max(overX, -ix, ix - (w - 1));
      overY = Math.max(overY, -iy, iy - (h - 1));
    }
  }
  const padW = overX > 1e-6 ? Math.min(w, Math.ceil(overX) + 1) : 0;
  const padH = overY > 1e-6 ? Math.min(h, Math.ceil(overY) + 1) : 0;
  const shifted = rows.slice();
  for (let i = 0; i < n; i++) {
    shifted[i * 8 + 2] += padW;
    shifted[i * 8 + 5] += padH;
  }
  return { padH, padW, shifted };
}

/** Per-image colour step: brightness δ, then contrast factor f, then colour matrix M (3×3). */
export interface ColourStep {
  brightness: number;
  contrast: number;
  matrix: number[][];
}

/** True where `affineAugment` runs as one fused kernel (wasm with the studio's kernels registered). */
export function fusedAffineAugmentAvailable(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(AUGMENT_AFFINE_KERNEL, 'wasm') != null;
}

/**
 * clip(colour(transform(x)), 0, 1) in one fused kernel: the same as `transformImages`, then
 * `adjustBrightness`, `adjustContrast`, `applyColorMatrices` and a clip. Only where
 * `fusedAffineAugmentAvailable()`.
 */
export function affineAugment(x: tf.Tensor4D, rows: Float32Array, colour: ColourStep[]): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const { padH, padW, shifted } = mirrorPadding(rows, n, h, w);
  const params = new Float32Array(colour.flatMap((c) => [c.brightness, c.contrast, ...c.matrix.flat()]));
  return tf.tidy(() => tf.engine().runKernel(
    AUGMENT_AFFINE_KERNEL,
    { x, transforms: tf.tensor2d(shifted, [n, 8]), colour: tf.tensor2d(params, [n, 11]) },
    { padH, padW },
  ) as tf.Tensor4D);
}

/** A per-image scalar as [N,1,1,1] for broadcasting. */
const perImage = (values: number[]) => tf.tensor4d(values, [values.length, 1, 1, 1]);

/** x + delta_i. */
export function adjustBrightness(x: tf.Tensor4D, delta: number[]): tf.Tensor4D {
  return tf.add(x, perImage(delta));
}

/** (x − mean) · f_i + mean, mean per image and channel (as tf.image.adjust_contrast). */
export function adjustContrast(x: tf.Tensor4D, factor: number[]): tf.Tensor4D {
  const mean = tf.mean(x, [1, 2], true);
  return tf.add(tf.mul(tf.sub(x, mean), perImage(factor)), mean);
}

const RGB_TO_YIQ = [
  [0.299, 0.587, 0.114],
  [0.595716, -0.274453, -0.321263],
  [0.211456, -0.522591, 0.311135],
];

function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}
const YIQ_TO_RGB = invert3(RGB_TO_YIQ);

const mul3 = (p: number[][], q: number[][]) =>
  p.map((row) => q[0].map((_, j) => row[0] * q[0][j] + row[1] * q[1][j] + row[2] * q[2][j]));

/**
 * The RGB→RGB matrix that keeps luma (Y of YIQ) and scales chroma by `saturation` while
 * rotating it by `hue` radians around the colour wheel.
 */
export function hueSaturationMatrix(hue: number, saturation: number): number[][] {
  const cs = Math.cos(hue) * saturation;
  const sn = Math.sin(hue) * saturation;
  const rot = [
    [1, 0, 0],
    [0, cs, -sn],
    [0, sn, cs],
  ];
  return mul3(YIQ_TO_RGB, mul3(rot, RGB_TO_YIQ));
}

/** Per-image colour matrices M_i applied as one batched matmul: pixel' = M_i · pixel. */
export function applyColorMatrices(x: tf.Tensor4D, matrices: number[][][]): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const transposed = matrices.flatMap((m) => [0, 1, 2].flatMap((j) => [m[0][j], m[1][j], m[2][j]]));
  const mt = tf.tensor3d(transposed, [n, 3, 3]); // row-vector pixels: x · Mᵀ
  return tf.reshape(tf.matMul(tf.reshape(x, [n, h * w, 3]), mt), [n, h, w, 3]);
}

/** x + N(0,1)·std_i, with the noise field seeded. */
export function addNoise(x: tf.Tensor4D, std: number[], seed: number): tf.Tensor4D {
  return tf.add(x, tf.mul(tf.randomNormal(x.shape, 0, 1, 'float32', seed), perImage(std)));
}

/** Normalised 1-D gaussian taps (length 2r+1); sigma ≈ 0 gives a delta. */
export function gaussianTaps(sigma: number, r: number): number[] {
  const taps = Array.from({ length: 2 * r + 1 }, (_, k) =>
    sigma < 1e-3 ? (k === r ? 1 : 0) : Math.exp(-((k - r) ** 2) / (2 * sigma * sigma)),
  );
  const sum = taps.reduce((a, b) => a + b, 0);
  return taps.map((v) => v / sum);
}

/**
 * Separable gaussian blur with a different sigma per image, in two depthwise convolutions:
 * the batch is laid out as one image with N·3 channels so each channel gets its own taps.
 * Borders are reflected. The radius is ceil(3·max sigma), capped by the image size.
 */
export function gaussianBlur(x: tf.Tensor4D, sigmas: number[]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const r = Math.min(Math.ceil(3 * Math.max(...sigmas)), h - 1, w - 1);
  if (r < 1) return x;
  const k = 2 * r + 1;
  const taps = sigmas.map((s) => gaussianTaps(s, r));
  const filt = new Float32Array(k * n * c); // [k, n·c] for shapes [1,k,nc,1] and [k,1,nc,1]
  for (let t = 0; t < k; t++) for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) filt[t * n * c + i * c + ch] = taps[i][t];
  const wide = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]);
  const padded = tf.mirrorPad(wide, [[0, 0], [r, r], [r, r], [0, 0]], 'reflect');
  const across = tf.depthwiseConv2d(padded as tf.Tensor4D, tf.tensor4d(filt, [1, k, n * c, 1]), 1, 'valid');
  const down = tf.depthwiseConv2d(across as tf.Tensor4D, tf.tensor4d(filt, [k, 1, n * c, 1]), 1, 'valid');
  return tf.transpose(tf.reshape(down, [h, w, n, c]), [2, 0, 1, 3]) as tf.Tensor4D;
}

/** Pixel rectangle [y0, y1) × [x0, x1) per image; empty rectangles (y0 ≥ y1) erase nothing. */
export interface PixelRect {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/** Fills each image's rectangle with `fill` (mask from broadcast comparisons, no per-pixel upload). */
export function cutoutRects(x: tf.Tensor4D, rects: PixelRect[], fill = 0.5): tf.Tensor4D {
  const [, h, w] = x.shape;
  const rows = tf.reshape(tf.range(0, h, 1, 'float32'), [1, h, 1, 1]);
  const cols = tf.reshape(tf.range(0, w, 1, 'float32'), [1, 1, w, 1]);
  const inside = (idx: tf.Tensor, lo: number[], hi: number[]) =>
    tf.logicalAnd(tf.greaterEqual(idx, perImage(lo)), tf.less(idx, perImage(hi)));
  const mask = tf.cast(
    tf.logicalAnd(
      inside(rows, rects.map((r) => r.y0), rects.map((r) => r.y1)),
      inside(cols, rects.map((r) => r.x0), rects.map((r) => r.x1)),
    ),
    'float32',
  ); // [N,H,W,1]
  return tf.add(tf.mul(x, tf.sub(1, mask)), tf.mul(mask, fill));
}
