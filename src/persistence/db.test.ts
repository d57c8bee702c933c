// Schema checks: a fresh database gets every store/index of the current version, data and blobs
// survive reopening, and a newer version elsewhere makes this connection step aside.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { openStudioDb, STUDIO_DB_VERSION } from './db';

const uniqueName = () => `db-test-${crypto.randomUUID()}`;

describe('openStudioDb', () => {
  it('creates every store and index of the current version on a fresh database', async () => {
    const db = await openStudioDb(uniqueName());
    expect(db.version).toBe(STUDIO_DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(
      ['classes', 'images', 'meta', 'originals', 'projects', 'thumbnails', 'training'].sort(),
    );
    const tx = db.transaction(['projects', 'classes', 'images', 'originals', 'meta']);
    expect(tx.objectStore('projects').keyPath).toBe('id');
    expect([...tx.objectStore('projects').indexNames]).toEqual(['by-updated']);
    expect([...tx.objectStore('classes').indexNames]).toEqual(['by-project']);
    const images = tx.objectStore('images');
    expect([...images.indexNames].sort()).toEqual(['by-class', 'by-project', 'by-project-hash']);
    expect(images.index('by-project-hash').keyPath).toEqual(['projectId', 'hash']);
    expect(images.index('by-project-hash').unique).toBe(false);
    expect(tx.objectStore('originals').keyPath).toBeNull();
    expect(tx.objectStore('meta').keyPath).toBeNull();
    db.close();
  });

  it('reopening keeps data, and blobs survive the structured clone', async () => {
    const name = uniqueName();
    const db = await openStudioDb(name);
    await db.put('meta', { theme: 'dark' }, 'settings');
    await db.put('originals', new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), 'img-1');
    db.close();
    const again = await openStudioDb(name);
    expect(await again.get('meta', 'settings')).toEqual({ theme: 'dark' });
    const blob = await again.get('originals', 'img-1');
    expect(blob).toBeInstanceOf(Blob);
    expect(blob!.type).toBe('image/png');
    expect([...new Uint8Array(await blob!.arrayBuffer())]).toEqual([1, 2, 3]);
    again.close();
  });

  it('closes itself and reports when another connection needs a newer version', async () => {
    const name = uniqueName();
    let told = false;
    const db = await openStudioDb(name, { onVersionChange: () => (told = true) });
    const newer = await openDB(name, STUDIO_DB_VERSION + 1); // would block forever if we kept it open
    expect(told).toBe(true);
    expect(newer.version).toBe(STUDIO_DB_VERSION + 1);
    newer.close();
    expect(() => db.transaction('meta')).toThrow();
  });
});
