// Backbones kept on this device after the first download or an import, so training works offline
// and skips the fetch: topology, weight specs and the concatenated weight shards.
import type { BackboneCacheRecord, StudioDB } from './db';
import { inTx } from './repo-utils';

/** What the backbone list shows: a cache record without its topology and weights. */
export type CachedBackboneInfo = Pick<BackboneCacheRecord, 'id' | 'spec' | 'bytes' | 'cachedAt' | 'source' | 'format'>;

/** Stores (or replaces) a backbone; StorageFullError when the quota is used up. */
export async function cacheBackbone(db: StudioDB, rec: BackboneCacheRecord): Promise<void> {
  await inTx(db.transaction('backbones', 'readwrite'), (tx) => tx.store.put(rec));
}

export async function getCachedBackbone(db: StudioDB, id: string): Promise<BackboneCacheRecord | undefined> {
  return db.get('backbones', id);
}

/**
 * Summaries of all cached backbones, by id. A cursor walks the store so only one record's
 * weights are referenced at a time and none is kept; IndexedDB still reads each whole value
 * (it cannot load part of one), so this costs a read of every cached model. Fine for the handful
 * of backbones a user caches; keep a separate summary store if that ever grows.
 */
export async function listCachedBackbones(db: StudioDB): Promise<CachedBackboneInfo[]> {
  const out: CachedBackboneInfo[] = [];
  for (let c = await db.transaction('backbones').store.openCursor(); c; c = await c.continue()) {
    const { id, spec, bytes, cachedAt, source, format } = c.value;
    out.push({ id, spec, bytes, cachedAt, source, format });
  }
  return out;
}

/** Removes a cached backbone; a missing one is a no-op. */
export async function deleteCachedBackbone(db: StudioDB, id: string): Promise<void> {
  await inTx(db.transaction('backbones', 'readwrite'), (tx) => tx.store.delete(id));
}
