// Gets pixels to the model: decodes a picked file and draws it (or a video frame) into a square
// canvas of the model's input size through the studio's one crop-and-resize path
// (src/core/data/crop-resize.ts). Drawing straight to the small canvas bounds memory.
import type { BackbonePreprocessing } from '../core/backbones/catalog';
import { CONTEXT_OPTIONS, drawModelInput, type Context2D } from '../core/data/crop-resize';
import { modelInputLikeTraining } from '../worker/model-pixels';

/** Larger files are refused before decoding. */
export const MAX_IMAGE_FILE_BYTES = 50 * 1024 * 1024;

type Source = ImageBitmap | HTMLVideoElement;

function sourceSize(src: Source): [number, number] {
  return src instanceof HTMLVideoElement ? [src.videoWidth, src.videoHeight] : [src.width, src.height];
}

/** Draws `src` into `canvas` (resized to size×size); returns false when the source has no pixels yet. */
export function drawSquare(src: Source, size: number, resize: BackbonePreprocessing['resize'], canvas: HTMLCanvasElement, mirror = false): boolean {
  const [w, h] = sourceSize(src);
  if (!(w > 0 && h > 0)) return false;
  if (canvas.width !== size) canvas.width = size;
  if (canvas.height !== size) canvas.height = size;
  const ctx = canvas.getContext('2d', CONTEXT_OPTIONS) as CanvasRenderingContext2D | null;
  if (!ctx) throw new Error('this browser cannot draw images (no 2D canvas)');
  drawModelInput(ctx as Context2D<CanvasImageSource>, src, w, h, size, resize, mirror);
  return true;
}

/**
 * A photo (or a video frame) → the model input the studio would have trained on for it: through a training copy
 * whose shortest side is `trainingSize` (the export's metadata says which), then the centre
 * square; drawn into `canvas`. Without a training size (a model made elsewhere) the centre
 * square of the photo itself.
 */
export async function drawPhoto(src: Source, size: number, resize: BackbonePreprocessing['resize'], trainingSize: number | undefined, canvas: HTMLCanvasElement): Promise<boolean> {
  const [w, h] = sourceSize(src);
  if (!(w > 0 && h > 0)) return false;
  if (trainingSize === undefined) return drawSquare(src, size, resize, canvas);
  const { rgba } = await modelInputLikeTraining(src, trainingSize, size, resize);
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d', CONTEXT_OPTIONS) as CanvasRenderingContext2D | null;
  if (!ctx) throw new Error('this browser cannot draw images (no 2D canvas)');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), size, size), 0, 0);
  return true;
}

/** Decodes an image file (EXIF orientation applied), or throws a readable reason. */
export async function decodeImageFile(file: File): Promise<ImageBitmap> {
  if (file.size > MAX_IMAGE_FILE_BYTES) throw new Error(`the file is larger than ${MAX_IMAGE_FILE_BYTES / 1024 / 1024} MB`);
  if (file.size === 0) throw new Error('the file is empty');
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new Error(file.type.startsWith('image/') ? 'the image could not be decoded' : 'not an image this browser can read');
  }
}
