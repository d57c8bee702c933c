// Plain (unaugmented) boundary activations kept in the training worker's memory across runs:
// the prefix of the backbone up to a freeze boundary, per image. Features prepared during an
// import run the whole backbone anyway; keeping its activations at the likely boundaries lets a
// fine-tune run afterwards skip the prefix for every plain view (its training images' view 0,
// its validation and test images): 244 of 868 views in a traced ants/bees run with the default
// 4 views, whose warm-up had not reached the test photos.
// Within a byte budget; the first entries stay (a full memory only stops adding).

/** Entry key: the feature scope (backbone, weights, preprocessing), the image's content, the layer. */
export const boundaryKey = (scope: string, contentKey: string, layer: string) => `${scope}|${contentKey}|${layer}`;

export const DEFAULT_BOUNDARY_MEMORY_BYTES = 128 * 1024 * 1024;

export class BoundaryMemory {
  private entries = new Map<string, Float32Array>();
  private used = 0;

  constructor(readonly budget = DEFAULT_BOUNDARY_MEMORY_BYTES) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Float32Array | undefined {
    return this.entries.get(key);
  }

  /** Keeps `data` (not copied) unless that would go over the budget; true when kept. */
  put(key: string, data: Float32Array): boolean {
    const old = this.entries.get(key);
    const grow = data.byteLength - (old?.byteLength ?? 0);
    if (this.used + grow > this.budget) return false;
    this.entries.set(key, data);
    this.used += grow;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }
}
