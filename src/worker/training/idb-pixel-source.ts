// Pixels for training, read in the worker straight from IndexedDB: each image's training copy
// is decoded, centre-cropped (or stretched) to the backbone's input size, and kept as RGB in a
// bounded cache so fine-tuning epochs do not decode again.
import type { PixelImage } from '../../core/backbones/preprocess';
import type { PixelSource } from '../../core/train/data';
import type { StudioDB } from '../../persistence/db';
import { getBlob } from '../../persistence/images-repo';
import { rgbaToRgb } from '../../core/data/crop-resize';
import { modelInputFromCopy } from '../model-pixels';

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
    // The studio's one crop-and-resize path (src/core/data/crop-resize.ts), as Try it uses.
    return rgbaToRgb((await modelInputFromCopy(blob, size, this.resize)).rgba);
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
