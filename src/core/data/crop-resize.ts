// The one definition of how a photo becomes a model's input, shared by import (training copies),
// training, Try it, the webcam and the demo page, so the same file gives the same pixels in all:
//   1. EXIF orientation applied; transparent pixels drawn over white.
//   2. Training copy: the whole photo resized so its shortest side is the project's training size
//      (256 px by default; never enlarged), canvas resampling below, stored as JPEG at quality 0.92.
//   3. Model input: the centre square of the training copy (side = its shorter side, offset
//      (w − side) / 2), resized to the backbone's input size with the same canvas resampling.
//      ('stretch' backbones take the whole copy instead of its centre square.)
// Canvas resampling everywhere: imageSmoothingEnabled = true, imageSmoothingQuality = 'high'
// (Chromium: area-averaging / mipmapped downsampling), on a CPU-backed context
// (willReadFrequently), so a worker and the page rasterise alike.
// Teachable Machine's library (utils/canvas.js cropTo) instead scales the whole photo so its
// shorter side is the input size in one step with the canvas default (quality 'low', bilinear),
// offsetting by ⌊(scaled − size) / 2⌋. The studio keeps area-averaging: a one-step bilinear
// shrink of a 12-megapixel photo aliases. The centre-square geometry is the same.
// Pure: the caller hands in a 2D context (a canvas in the page, an OffscreenCanvas in a worker).

export type ResizeMode = 'center-crop' | 'stretch';

export const CANVAS_RESAMPLING = { imageSmoothingEnabled: true, imageSmoothingQuality: 'high' } as const;
/** Options for getContext('2d') on every canvas that produces model pixels. */
export const CONTEXT_OPTIONS = { alpha: false, willReadFrequently: true } as const;
export const TRAINING_COPY_TYPE = 'image/jpeg';
export const TRAINING_COPY_QUALITY = 0.92;
export const BACKGROUND = '#fff';
/** Shortest side of a project's training copies unless the project sets another. */
export const DEFAULT_TRAINING_SIZE = 256;

export interface Rect {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
}

/** The largest centred square of a w×h image (or the whole image for 'stretch'). */
export function sourceRect(w: number, h: number, resize: ResizeMode = 'center-crop'): Rect {
  if (!(w > 0 && h > 0)) throw new Error(`invalid image size ${w}x${h}`);
  if (resize === 'stretch') return { sx: 0, sy: 0, sw: w, sh: h };
  const side = Math.min(w, h);
  return { sx: (w - side) / 2, sy: (h - side) / 2, sw: side, sh: side };
}

/** Size of the training copy: shortest side `shortest`, aspect kept, never enlarged. */
export function scaleToShortest(w: number, h: number, shortest: number): { width: number; height: number } {
  const s = Math.min(1, shortest / Math.min(w, h));
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

/**
 * Whether a training copy of this size also serves as the thumbnail (its shorter side at most
 * twice the thumbnail's): import then stores one JPEG in both places instead of encoding two.
 */
export function thumbnailIsTrainingCopy(copy: { width: number; height: number }, thumbSize: number): boolean {
  return Math.min(copy.width, copy.height) <= 2 * thumbSize;
}

/** The subset of CanvasRenderingContext2D / OffscreenCanvasRenderingContext2D used here. */
export interface Context2D<S> {
  fillStyle: unknown;
  imageSmoothingEnabled: boolean;
  imageSmoothingQuality: 'low' | 'medium' | 'high';
  fillRect(x: number, y: number, w: number, h: number): void;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  drawImage(src: S, sx: number, sy: number, sw: number, sh: number, dx: number, dy: number, dw: number, dh: number): void;
}

/** Draws `rect` of `src` over white into a dw×dh context with the studio's resampling. */
export function drawResampled<S>(ctx: Context2D<S>, src: S, rect: Rect, dw: number, dh: number, mirror = false): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, dw, dh);
  ctx.imageSmoothingEnabled = CANVAS_RESAMPLING.imageSmoothingEnabled;
  ctx.imageSmoothingQuality = CANVAS_RESAMPLING.imageSmoothingQuality;
  if (mirror) ctx.setTransform(-1, 0, 0, 1, dw, 0);
  ctx.drawImage(src, rect.sx, rect.sy, rect.sw, rect.sh, 0, 0, dw, dh);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
}

/** Step 2: the whole w×h source into a training-copy-sized context. */
export function drawTrainingCopy<S>(ctx: Context2D<S>, src: S, w: number, h: number, width: number, height: number): void {
  drawResampled(ctx, src, { sx: 0, sy: 0, sw: w, sh: h }, width, height);
}

/** Step 3: the centre square (or whole image) of a w×h source into a size×size context. */
export function drawModelInput<S>(ctx: Context2D<S>, src: S, w: number, h: number, size: number, resize: ResizeMode = 'center-crop', mirror = false): void {
  drawResampled(ctx, src, sourceRect(w, h, resize), size, size, mirror);
}

/** RGBA bytes (canvas getImageData) → RGB bytes. */
export function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return rgb;
}

/**
 * What a consumer of an export must do to get the studio's numbers on a photo, in words; the
 * export's metadata.json and the export guide carry it.
 */
export function matchStudioText(inputSize: number, trainingSize: number, resize: ResizeMode = 'center-crop'): string {
  const crop = resize === 'stretch' ? `the whole copy (stretched, not cropped)` : `its centre square (side = the shorter side, offset (w − side) / 2, (h − side) / 2)`;
  return [
    '1. Decode the photo with its EXIF orientation applied, RGB, transparent pixels over white.',
    `2. Resize the whole photo so its shorter side is ${trainingSize} px (aspect kept, never enlarged), with high-quality (area-averaging) downsampling, e.g. a canvas with imageSmoothingQuality = 'high'; the studio stores this copy as JPEG at quality 0.92.`,
    `3. Take ${crop} and resize it to ${inputSize}×${inputSize} px the same way.`,
    `4. Feed pixels in RGB order (not BGR), channels last, values 0–255 mapped to x / 127 − 1 (Teachable Machine's convention; model.json converts to the backbone's range itself), shape [1, ${inputSize}, ${inputSize}, 3].`,
    "Teachable Machine's library (tmImage.load, model.predict(img)) does steps 2–3 in one low-quality bilinear resize of the whole photo; on the ants/bees validation photos its class probabilities then differ from the studio's by 0.03 on average and up to 0.35 on a photo near the decision boundary. Pass it the step-3 square (224×224) to get the studio's numbers to within 1e-5.",
  ].join(' ');
}
