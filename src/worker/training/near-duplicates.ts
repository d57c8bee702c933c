// The leakage check's heavy part, in the training worker: each image's training copy is drawn at
// 64×64 and hashed (pHash), hashes are kept per image id for the next check, and all pairs
// within the threshold are returned.
import { findNearDuplicates, perceptualHash, type NearDuplicatePair, type PerceptualHash } from '../../core/data/near-duplicates';
import type { StudioDB } from '../../persistence/db';
import { IdbPixelSource } from './idb-pixel-source';

const SIZE = 64;
const CHUNK = 32;
const known = new Map<string, PerceptualHash>();

export async function nearDuplicatesIn(db: StudioDB, imageIds: string[], onProgress: (done: number, total: number) => void): Promise<NearDuplicatePair[]> {
  const todo = imageIds.filter((id) => !known.has(id));
  const source = new IdbPixelSource(db, 'stretch');
  for (let s = 0; s < todo.length; s += CHUNK) {
    const ids = todo.slice(s, s + CHUNK);
    const pixels = await source.load(ids, SIZE);
    pixels.forEach((p, i) => known.set(ids[i], perceptualHash(p.data, p.width, p.height, 3)));
    onProgress(Math.min(s + CHUNK, todo.length), todo.length);
  }
  return findNearDuplicates(imageIds.map((id) => ({ id, hash: known.get(id)! })));
}
