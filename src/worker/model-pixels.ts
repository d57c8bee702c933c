// Browser side of src/core/data/crop-resize.ts: the canvases that turn a photo (or a video frame)
// into a training copy and into a model's input. Import, training, Try it and the demo page all
// call these, so one file gives the same pixels everywhere. Works in a worker and in the page
// (OffscreenCanvas).
import {
  CONTEXT_OPTIONS,
  drawModelInput,
  drawTrainingCopy,
  scaleToShortest,
  TRAINING_COPY_QUALITY,
  TRAINING_COPY_TYPE,
  type Context2D,
  type ResizeMode,
} from '../core/data/crop-resize';

type Source = ImageBitmap | HTMLVideoElement | OffscreenCanvas | HTMLCanvasElement;

function sizeOf(src: Source): [number, number] {
  if (typeof HTMLVideoElement !== 'undefined' && src instanceof HTMLVideoElement) return [src.videoWidth, src.videoHeight];
  return [src.width, src.height];
}

function context(canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D {
  const ctx = canvas.getContext('2d', CONTEXT_OPTIONS);
  if (!ctx) throw new Error('this browser cannot draw images (no 2D canvas)');
  return ctx;
}

/** Encodes `src` (w×h) as a training copy of width×height; `quality` differs only for thumbnails. */
export async function renderCopy(src: Source, width: number, height: number, quality = TRAINING_COPY_QUALITY): Promise<Blob> {
  const [w, h] = sizeOf(src);
  const canvas = new OffscreenCanvas(width, height);
  drawTrainingCopy(context(canvas) as Context2D<CanvasImageSource>, src, w, h, width, height);
  return canvas.convertToBlob({ type: TRAINING_COPY_TYPE, quality });
}

/** The size×size model input (RGBA) drawn from `src`, and the canvas holding it. */
export function modelInputFrom(src: Source, size: number, resize: ResizeMode = 'center-crop', mirror = false): { canvas: OffscreenCanvas; rgba: Uint8ClampedArray } {
  const [w, h] = sizeOf(src);
  const canvas = new OffscreenCanvas(size, size);
  const ctx = context(canvas);
  drawModelInput(ctx as Context2D<CanvasImageSource>, src, w, h, size, resize, mirror);
  return { canvas, rgba: ctx.getImageData(0, 0, size, size).data };
}

/** Decodes a stored training copy into the model input, as training does. */
export async function modelInputFromCopy(copy: Blob, size: number, resize: ResizeMode = 'center-crop'): Promise<{ canvas: OffscreenCanvas; rgba: Uint8ClampedArray }> {
  const bitmap = await createImageBitmap(copy);
  try {
    return modelInputFrom(bitmap, size, resize);
  } finally {
    bitmap.close();
  }
}

/**
 * A photo or frame → the pixels the model trained on for the same photo: the training copy at
 * `trainingSize` (JPEG, as import stores it), then its centre square at `size`.
 * `src` must already have EXIF orientation applied (createImageBitmap imageOrientation 'from-image').
 */
export async function modelInputLikeTraining(src: Source, trainingSize: number, size: number, resize: ResizeMode = 'center-crop'): Promise<{ canvas: OffscreenCanvas; rgba: Uint8ClampedArray }> {
  const [w, h] = sizeOf(src);
  if (!(w > 0 && h > 0)) throw new Error('the image has no pixels yet');
  const t = scaleToShortest(w, h, trainingSize);
  return modelInputFromCopy(await renderCopy(src, t.width, t.height), size, resize);
}
