// Seeded data augmentation for training batches: per-image random parameters are drawn on the
// CPU from the run's seed, then applied to the whole batch with a handful of batched tf ops.
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../train/rng';
import {
  addNoise, adjustBrightness, adjustContrast, affineAugment, applyColorMatrices, cutoutRects,
  fusedAffineAugmentAvailable, gaussianBlur, hueSaturationMatrix, transformImages, type PixelRect,
} from './augment-ops';

export { AUGMENT_DEFAULTS, type AugmentConfig } from './augment-config';
import type { AugmentConfig } from './augment-config';

/** Everything drawn for one image; angles in radians, geometry as fractions of the image side. */
export interface ImageAugmentParams {
  flipH: boolean;
  flipV: boolean;
  angle: number;
  /** Fraction of the width/height the crop keeps (1 = no zoom). */
  cropW: number;
  cropH: number;
  /** Crop centre offset from the image centre, as fractions of width/height. */
  cropX: number;
  cropY: number;
  /** Content shift as fractions of width/height. */
  tx: number;
  ty: number;
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
  noiseStd: number;
  blurSigma: number;
  /** Erased square as fractions of height/width ([y0, y1) × [x0, x1)), or null. */
  cutout: { y0: number; y1: number; x0: number; x1: number } | null;
}

const on = (v: number | undefined): v is number => v != null && v > 0;

/**
 * Parameters for `n` images. Image i's parameters depend only on (seed, i) and each op draws
 * from its own stream, so enabling one op never changes another's draws.
 */
export function sampleAugmentParams(n: number, cfg: AugmentConfig, seed: number): ImageAugmentParams[] {
  const root = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const img = root.fork(`image:${i}`);
    const r = (op: string) => img.fork(op);
    const u = (op: string, lo: number, hi: number) => r(op).uniform(lo, hi);
    const p: ImageAugmentParams = {
      flipH: !!cfg.flipH && r('flipH').next() < 0.5,
      flipV: !!cfg.flipV && r('flipV').next() < 0.5,
      angle: on(cfg.rotate) ? (u('rotate', -cfg.rotate, cfg.rotate) * Math.PI) / 180 : 0,
      cropW: 1, cropH: 1, cropX: 0, cropY: 0,
      tx: 0, ty: 0,
      brightness: on(cfg.brightness) ? u('brightness', -cfg.brightness, cfg.brightness) : 0,
      contrast: on(cfg.contrast) ? Math.max(0, u('contrast', 1 - cfg.contrast, 1 + cfg.contrast)) : 1,
      saturation: on(cfg.saturation) ? Math.max(0, u('saturation', 1 - cfg.saturation, 1 + cfg.saturation)) : 1,
      hue: on(cfg.hue) ? u('hue', -cfg.hue, cfg.hue) * 2 * Math.PI : 0,
      noiseStd: on(cfg.noise) ? u('noise', 0, cfg.noise) : 0,
      blurSigma: on(cfg.blur) ? u('blur', 0, cfg.blur) : 0,
      cutout: null,
    };
    if (on(cfg.zoom)) {
      const z = r('zoom');
      const zoom = Math.min(cfg.zoom, 0.95);
      const area = z.uniform(1 - zoom, 1);
      const logRatio = z.uniform(-1, 1) * Math.log(1 + zoom);
      p.cropW = Math.min(1, Math.sqrt(area * Math.exp(logRatio)));
      p.cropH = Math.min(1, Math.sqrt(area / Math.exp(logRatio)));
      p.cropX = z.uniform(-0.5, 0.5) * (1 - p.cropW);
      p.cropY = z.uniform(-0.5, 0.5) * (1 - p.cropH);
    }
    if (on(cfg.translate)) {
      const t = r('translate');
      p.tx = t.uniform(-cfg.translate, cfg.translate);
      p.ty = t.uniform(-cfg.translate, cfg.translate);
    }
    if (on(cfg.cutout)) {
      const c = r('cutout');
      const side = c.uniform(cfg.cutout / 2, cfg.cutout);
      const cy = c.next();
      const cx = c.next();
      p.cutout = { y0: cy - side / 2, y1: cy + side / 2, x0: cx - side / 2, x1: cx + side / 2 };
    }
    return p;
  });
}

/**
 * tf.image.transform row (output pixel → input pixel) for one image of size w×h:
 * p_in = A·p_out + b with A = S·R·F (crop scale, rotation, flip) and b placing the crop centre,
 * all about the pixel-grid centre, so a pure flip maps column x to exactly w−1−x.
 */
export function transformRow(p: ImageAugmentParams, w: number, h: number): number[] {
  const fx = p.flipH ? -1 : 1;
  const fy = p.flipV ? -1 : 1;
  const cos = Math.cos(p.angle);
  const sin = Math.sin(p.angle);
  const a00 = p.cropW * cos * fx;
  const a01 = -p.cropW * sin * fy;
  const a10 = p.cropH * sin * fx;
  const a11 = p.cropH * cos * fy;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const ox = cx + p.tx * w; // output point that maps to the crop centre
  const oy = cy + p.ty * h;
  const bx = cx + p.cropX * w - (a00 * ox + a01 * oy);
  const by = cy + p.cropY * h - (a10 * ox + a11 * oy);
  return [a00, a01, bx, a10, a11, by, 0, 0];
}

/** tf.image.transform's row for "no geometry change". */
const IDENTITY_ROW = [1, 0, 0, 0, 1, 0, 0, 0];
const EYE = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];

/** Applies drawn parameters; ops whose config strength is off are skipped entirely. */
export function applyAugmentParams(images: tf.Tensor4D, params: ImageAugmentParams[], cfg: AugmentConfig, seed: number): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  if (c !== 3) throw new Error(`augment expects RGB images [N,H,W,3], got [${images.shape}]`);
  if (params.length !== n) throw new Error(`${params.length} parameter sets for ${n} images`);
  return tf.tidy(() => {
    let x: tf.Tensor4D = images;
    const geometry = cfg.flipH || cfg.flipV || on(cfg.rotate) || on(cfg.zoom) || on(cfg.translate);
    const colour = on(cfg.saturation) || on(cfg.hue);
    if ((geometry || colour || on(cfg.brightness) || on(cfg.contrast)) && fusedAffineAugmentAvailable()) {
      // One pass on wasm; the same pixels as the chain below.
      x = affineAugment(x, new Float32Array(params.flatMap((p) => (geometry ? transformRow(p, w, h) : IDENTITY_ROW))), params.map((p) => ({
        brightness: on(cfg.brightness) ? p.brightness : 0,
        contrast: on(cfg.contrast) ? p.contrast : 1,
        matrix: colour ? hueSaturationMatrix(p.hue, p.saturation) : EYE,
      })));
    } else {
      if (geometry) x = transformImages(x, new Float32Array(params.flatMap((p) => transformRow(p, w, h))));
      if (on(cfg.brightness)) x = adjustBrightness(x, params.map((p) => p.brightness));
      if (on(cfg.contrast)) x = adjustContrast(x, params.map((p) => p.contrast));
      if (colour) x = applyColorMatrices(x, params.map((p) => hueSaturationMatrix(p.hue, p.saturation)));
      if (x !== images) x = tf.clipByValue(x, 0, 1);
    }
    if (on(cfg.blur)) x = gaussianBlur(x, params.map((p) => p.blurSigma));
    if (on(cfg.noise)) x = addNoise(x, params.map((p) => p.noiseStd), createRng(seed).fork('noise').int(2 ** 31));
    if (on(cfg.cutout)) {
      const rects: PixelRect[] = params.map(({ cutout: q }) =>
        q ? { y0: Math.round(q.y0 * h), y1: Math.round(q.y1 * h), x0: Math.round(q.x0 * w), x1: Math.round(q.x1 * w) } : { y0: 0, y1: 0, x0: 0, x1: 0 },
      );
      x = cutoutRects(x, rects);
    }
    return x === images ? tf.clone(images) : tf.clipByValue(x, 0, 1);
  });
}

/**
 * Augments a batch [N,H,W,3] of floats in [0, 1]: same seed → same output. Returns a new tensor
 * of the same shape, clipped to [0, 1] (the input is not disposed). Order: geometry (one
 * transform), brightness, contrast, hue/saturation (one matmul), blur, noise, cutout. Every
 * image's parameters depend on (seed, index) only; the noise field is drawn for the whole batch.
 */
export function augmentBatch(images: tf.Tensor4D, cfg: AugmentConfig, seed: number): tf.Tensor4D {
  return applyAugmentParams(images, sampleAugmentParams(images.shape[0], cfg, seed), cfg, seed);
}

/**
 * Augments image j as `augmentBatch` would on that image alone with seed `seeds[j]` (null: the
 * image as is), in one batched pass over the images that have a seed: per-image calls made many
 * small ops, most of a fine-tune run's time spent preparing augmented views. With noise on, each
 * image keeps its own noise draw (one call per image).
 */
export function augmentEach(images: tf.Tensor4D, cfg: AugmentConfig, seeds: (number | null)[]): tf.Tensor4D {
  const n = images.shape[0];
  if (seeds.length !== n) throw new Error(`${seeds.length} seeds for ${n} images`);
  return tf.tidy(() => {
    const idx = seeds.flatMap((s, j) => (s == null ? [] : [j]));
    if (idx.length === 0) return tf.clone(images);
    if (on(cfg.noise)) {
      const [, h, w] = images.shape;
      return tf.concat(seeds.map((s, j) => {
        const one = images.slice([j, 0, 0, 0], [1, h, w, 3]);
        return s == null ? one : augmentBatch(one, cfg, s);
      }), 0);
    }
    const sub = idx.length === n ? images : tf.gather(images, idx);
    const out = applyAugmentParams(sub, idx.map((j) => sampleAugmentParams(1, cfg, seeds[j]!)[0]), cfg, seeds[idx[0]]!);
    if (idx.length === n) return out;
    // Rows of [augmented; originals] back in the input's order.
    const row = new Map(idx.map((j, r) => [j, r]));
    return tf.gather(tf.concat([out, images], 0), seeds.map((s, j) => (s == null ? idx.length + j : row.get(j)!)));
  });
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** One-line human summary, e.g. "flip horizontally, rotate ±10°, zoom up to 15%". */
export function describeAugment(cfg: AugmentConfig): string {
  const parts: string[] = [];
  if (cfg.flipH && cfg.flipV) parts.push('flip horizontally and vertically');
  else if (cfg.flipH) parts.push('flip horizontally');
  else if (cfg.flipV) parts.push('flip vertically');
  if (on(cfg.rotate)) parts.push(`rotate ±${+cfg.rotate.toFixed(1)}°`);
  if (on(cfg.zoom)) parts.push(`zoom up to ${pct(cfg.zoom)}`);
  if (on(cfg.translate)) parts.push(`shift ±${pct(cfg.translate)}`);
  if (on(cfg.brightness)) parts.push(`brightness ±${pct(cfg.brightness)}`);
  if (on(cfg.contrast)) parts.push(`contrast ±${pct(cfg.contrast)}`);
  if (on(cfg.saturation)) parts.push(`saturation ±${pct(cfg.saturation)}`);
  if (on(cfg.hue)) parts.push(`hue ±${Math.round(cfg.hue * 360)}°`);
  if (on(cfg.noise)) parts.push(`noise up to σ ${+cfg.noise.toFixed(3)}`);
  if (on(cfg.blur)) parts.push(`blur up to ${+cfg.blur.toFixed(1)} px`);
  if (on(cfg.cutout)) parts.push(`cutout up to ${pct(cfg.cutout)} of a side`);
  return parts.length ? parts.join(', ') : 'no augmentation';
}
