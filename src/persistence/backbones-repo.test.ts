// Backbone cache: full records round-trip (weights byte for byte), the list leaves out topology
// and weights, replace and delete, and a full disk surfaces as StorageFullError.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKBONES } from '../core/backbones/catalog';
import type { BackboneCacheRecord, StudioDB } from './db';
import { StorageFullError } from './storage-full';
import { cacheBackbone, deleteCachedBackbone, getCachedBackbone, listCachedBackbones } from './backbones-repo';
import { freshDb, seededBuffer } from '../test-support/studio-db';

let db: StudioDB;
beforeEach(async () => {
  db = await freshDb();
});
afterEach(() => {
  vi.restoreAllMocks();
  db.close();
});

function record(index: number, overrides: Partial<BackboneCacheRecord> = {}): BackboneCacheRecord {
  const spec = BACKBONES[index];
  const weightData = seededBuffer(64 + index, index);
  return {
    id: spec.id,
    spec,
    modelTopology: { class_name: 'Functional', config: { layers: [{ name: 'conv1' }] } },
    format: spec.format === 'graph' ? 'graph-model' : 'layers-model',
    weightSpecs: [{ name: 'conv1/kernel', shape: [4, 4], dtype: 'float32' }],
    weightData,
    bytes: weightData.byteLength + 900,
    cachedAt: 1_000 + index,
    source: 'download',
    ...overrides,
  };
}

const bytes = (buffer: ArrayBuffer | undefined) => (buffer ? [...new Uint8Array(buffer)] : undefined);

describe('backbone cache', () => {
  it('stores and returns the whole record, weights byte for byte', async () => {
    const rec = record(0);
    await cacheBackbone(db, rec);
    const got = await getCachedBackbone(db, rec.id);
    expect(got).toEqual(rec);
    expect(got!.weightData).toBeInstanceOf(ArrayBuffer);
    expect(bytes(got!.weightData)).toEqual(bytes(seededBuffer(64, 0)));
    expect(await getCachedBackbone(db, 'missing')).toBeUndefined();
  });

  it('lists summaries without topology or weights, and replaces a record with the same id', async () => {
    await cacheBackbone(db, record(1));
    await cacheBackbone(db, record(0));
    await cacheBackbone(db, record(1, { source: 'import', cachedAt: 5_000 }));
    const list = await listCachedBackbones(db);
    expect(list.map((b) => b.id)).toEqual([BACKBONES[0].id, BACKBONES[1].id].sort());
    for (const info of list) {
      expect(Object.keys(info).sort()).toEqual(['bytes', 'cachedAt', 'format', 'id', 'source', 'spec']);
    }
    expect(list.find((b) => b.id === BACKBONES[1].id)).toEqual({
      id: BACKBONES[1].id, spec: BACKBONES[1], bytes: 65 + 900, cachedAt: 5_000, source: 'import', format: 'layers-model',
    });
  });

  it('deletes one backbone; deleting a missing one is a no-op', async () => {
    await cacheBackbone(db, record(0));
    await cacheBackbone(db, record(1));
    await deleteCachedBackbone(db, BACKBONES[0].id);
    await deleteCachedBackbone(db, 'missing');
    expect((await listCachedBackbones(db)).map((b) => b.id)).toEqual([BACKBONES[1].id]);
  });

  it('a full disk throws StorageFullError and keeps the cached copy', async () => {
    await cacheBackbone(db, record(0));
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'backbones') throw new DOMException('quota', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    await expect(cacheBackbone(db, record(0, { cachedAt: 9 }))).rejects.toBeInstanceOf(StorageFullError);
    vi.restoreAllMocks();
    expect(await getCachedBackbone(db, BACKBONES[0].id)).toEqual(record(0));
  });
});
