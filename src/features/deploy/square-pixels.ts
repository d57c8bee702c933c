// Turns a picked image file (or a video frame) into the square RGBA pixels a model takes, through
// the studio's one crop-and-resize path (src/core/data/crop-resize.ts): the training copy the
// import would have stored for the same photo, then its centre square at the model's input size.
import type { PreviewImage } from '../../worker/protocol';
import type { ResizeMode } from '../../core/data/crop-resize';
import { modelInputLikeTraining } from '../../worker/model-pixels';

async function previewUrl(canvas: OffscreenCanvas): Promise<string> {
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('could not read the preview'));
    r.readAsDataURL(blob);
  });
}

export async function squarePixels(
  source: Blob | HTMLVideoElement,
  size: number,
  trainingSize: number,
  resize: ResizeMode = 'center-crop',
): Promise<PreviewImage & { preview: string }> {
  const bitmap = source instanceof Blob ? await createImageBitmap(source, { imageOrientation: 'from-image' }) : source;
  try {
    const { canvas, rgba } = await modelInputLikeTraining(bitmap, trainingSize, size, resize);
    return { width: size, height: size, data: rgba, preview: await previewUrl(canvas) };
  } finally {
    if (!(bitmap instanceof HTMLVideoElement)) bitmap.close();
  }
}
