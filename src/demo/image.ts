// Gets pixels to the model: decodes a picked file and draws it (or a video frame) into a square
// canvas of the model's input size — centre crop or stretch — as @teachablemachine/image's cropTo
// does. Drawing straight to the small canvas bounds memory whatever the photo's size.
import type { BackbonePreprocessing } from '../core/backbones/catalog';

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
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot draw images (no 2D canvas)');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.setTransform(mirror ? -1 : 1, 0, 0, 1, mirror ? size : 0, 0);
  if (resize === 'stretch') {
    ctx.drawImage(src, 0, 0, w, h, 0, 0, size, size);
  } else {
    const side = Math.min(w, h);
    ctx.drawImage(src, (w - side) / 2, (h - side) / 2, side, side, 0, 0, size, size);
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
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
