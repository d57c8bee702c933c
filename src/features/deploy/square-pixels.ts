// Turns a picked image file (or a video frame) into the square RGBA pixels a model takes:
// centre crop, resized to the model's input size.
import type { PreviewImage } from '../../worker/protocol';

export async function squarePixels(source: Blob | HTMLVideoElement, size: number): Promise<PreviewImage & { preview: string }> {
  const bitmap = source instanceof Blob ? await createImageBitmap(source, { imageOrientation: 'from-image' }) : source;
  const w = bitmap instanceof HTMLVideoElement ? bitmap.videoWidth : bitmap.width;
  const h = bitmap instanceof HTMLVideoElement ? bitmap.videoHeight : bitmap.height;
  const side = Math.min(w, h);
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, (w - side) / 2, (h - side) / 2, side, side, 0, 0, size, size);
  if (!(bitmap instanceof HTMLVideoElement)) bitmap.close();
  const data = ctx.getImageData(0, 0, size, size).data;
  return { width: size, height: size, data, preview: canvas.toDataURL('image/jpeg', 0.8) };
}
