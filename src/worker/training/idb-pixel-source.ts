// Pixels for training, read in the worker straight from IndexedDB: each image's training copy
// is decoded, centre-cropped (or stretched) to the backbone's input size, and kept as RGB in a
// bounded cache so fine-tuning epochs do not decode again.
import type { PixelImage } from '../../core/backbones/preprocess';
import type { PixelSource } from '../../core/train/data';
import type { StudioDB } from '../../persistence/db';
import { getBlob } from '../../persistence/images-repo';

const CACHE_BYTES = 512 * 1024 * 1024;

export class IdbPixelSource implements PixelSource {
  private cache = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(
    private readonly db: StudioDB,
    private readonly resize: 'center-crop' | 'stretch',
  ) {}

  private async decode(id: string, size: number): Promise<Uint8Array> {
    const blob = await getBlob(this.db, 'training', id);
    if (!blob) throw new Error(`image ${id} is missing from storage (deleted while training?)`);
    const bitmap = await createImageBitmap(blob);
    try {
      const canvas = new OffscreenCanvas(size, size);
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.imageSmoothingQuality = 'high';
      if (this.resize === 'center-crop') {
        const side = Math.min(bitmap.width, bitmap.height);
        ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, size, size);
      } else {
        ctx.drawImage(bitmap, 0, 0, size, size);
      }
      const rgba = ctx.getImageData(0, 0, size, size).data;
      const rgb = new Uint8Array(size * size * 3);
      for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
        rgb[j] = rgba[i];
        rgb[j + 1] = rgba[i + 1];
        rgb[j + 2] = rgba[i + 2];
      }
      return rgb;
    } finally {
      bitmap.close();
    }
  }

  async load(ids: string[], size: number): Promise<PixelImage[]> {
    return Promise.all(
      ids.map(async (id) => {
        const key = `${id}@${size}`;
        let data = this.cache.get(key);
        if (!data) {
          data = await this.decode(id, size);
          if (this.bytes + data.byteLength <= CACHE_BYTES) {
            this.cache.set(key, data);
            this.bytes += data.byteLength;
          }
        }
        return { data, width: size, height: size, channels: 3 as const };
      }),
    );
  }
}
