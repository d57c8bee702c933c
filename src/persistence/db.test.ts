// Schema checks: a fresh database gets every store/index of the current version, a v1 database
// with data upgrades in place, data and blobs survive reopening, and a newer version elsewhere
// makes this connection step aside.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB, type IDBPDatabase } from 'idb';
import { openStudioDb, STUDIO_DB_VERSION } from './db';
import { listClasses } from './classes-repo';
import { getBlob, listImages } from './images-repo';
import { getProject } from './projects-repo';
import { createRun, listRuns } from './runs-repo';
import { blobBytes, bytesBlob, expectConsistent, runInput } from '../test-support/studio-db';

const uniqueName = () => `db-test-${crypto.randomUUID()}`;

describe('openStudioDb', () => {
  it('creates every store and index of the current version on a fresh database', async () => {
    const db = await openStudioDb(uniqueName());
    expect(db.version).toBe(STUDIO_DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(
      ['backbones', 'checkpoints', 'classes', 'features', 'images', 'meta', 'originals', 'projects', 'runs', 'thumbnails', 'training'].sort(),
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

  it('v2 stores: runs by project, checkpoints keyed by [runId, kind] with a by-run index, backbones by id', async () => {
    const db = await openStudioDb(uniqueName());
    const tx = db.transaction(['runs', 'checkpoints', 'backbones']);
    expect(tx.objectStore('runs').keyPath).toBe('id');
    expect([...tx.objectStore('runs').indexNames]).toEqual(['by-project']);
    expect(tx.objectStore('runs').index('by-project').keyPath).toBe('projectId');
    expect(tx.objectStore('checkpoints').keyPath).toEqual(['runId', 'kind']);
    expect([...tx.objectStore('checkpoints').indexNames]).toEqual(['by-run']);
    expect(tx.objectStore('checkpoints').index('by-run').keyPath).toBe('runId');
    expect(tx.objectStore('backbones').keyPath).toBe('id');
    expect([...tx.objectStore('backbones').indexNames]).toEqual([]);
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

/** Verbatim copy of the v1 schema step, as shipped with STUDIO_DB_VERSION = 1. */
function upgradeToV1(db: IDBPDatabase): void {
  const projects = db.createObjectStore('projects', { keyPath: 'id' });
  projects.createIndex('by-updated', 'updatedAt');
  const classes = db.createObjectStore('classes', { keyPath: 'id' });
  classes.createIndex('by-project', 'projectId');
  const images = db.createObjectStore('images', { keyPath: 'id' });
  images.createIndex('by-project', 'projectId');
  images.createIndex('by-class', 'classId');
  images.createIndex('by-project-hash', ['projectId', 'hash'], { unique: false });
  db.createObjectStore('originals');
  db.createObjectStore('thumbnails');
  db.createObjectStore('training');
  db.createObjectStore('meta');
}

describe('upgrade from v1', () => {
  it('keeps every v1 record, blob and index, and adds the v2 stores', async () => {
    const name = uniqueName();
    const v1 = await openDB(name, 1, { upgrade: (db) => upgradeToV1(db) });
    const project = { id: 'p1', name: 'Pets', createdAt: 10, updatedAt: 20, trainingSize: 224, imageCount: 1, bytes: 135 };
    const cls = { id: 'c1', projectId: 'p1', name: 'cat', order: 0, createdAt: 11, imageCount: 1 };
    const image = {
      id: 'i1', projectId: 'p1', classId: 'c1', name: 'cats/1.png', hash: 'abc', mime: 'image/png',
      width: 224, height: 224, originalWidth: 800, originalHeight: 600,
      originalBytes: 100, thumbBytes: 15, trainingBytes: 20, addedAt: 12, source: 'folder',
    };
    await v1.put('projects', project);
    await v1.put('classes', cls);
    await v1.put('images', image);
    await v1.put('originals', bytesBlob(100, 1), 'i1');
    await v1.put('thumbnails', bytesBlob(15, 2), 'i1');
    await v1.put('training', bytesBlob(20, 3), 'i1');
    await v1.put('meta', { theme: 'dark' }, 'settings');
    v1.close();

    const db = await openStudioDb(name);
    expect(db.version).toBe(STUDIO_DB_VERSION);
    expect([...db.objectStoreNames]).toEqual(expect.arrayContaining(['runs', 'checkpoints', 'backbones', 'features']));
    expect(await getProject(db, 'p1')).toEqual(project);
    expect(await listClasses(db, 'p1')).toEqual([cls]);
    expect(await listImages(db, 'p1')).toEqual([image]);
    expect(await db.getFromIndex('images', 'by-project-hash', ['p1', 'abc'])).toEqual(image);
    expect(await blobBytes(await getBlob(db, 'originals', 'i1'))).toEqual(await blobBytes(bytesBlob(100, 1)));
    expect(await blobBytes(await getBlob(db, 'training', 'i1'))).toEqual(await blobBytes(bytesBlob(20, 3)));
    expect(await db.get('meta', 'settings')).toEqual({ theme: 'dark' });
    await expectConsistent(db, 'p1');
    expect(await db.count('runs')).toBe(0);

    // The new stores work on the upgraded database, and v1 projects start at 'Run 1'.
    const run = await createRun(db, runInput('p1'));
    expect(run.name).toBe('Run 1');
    expect(await listRuns(db, 'p1')).toEqual([run]);
    db.close();

    const again = await openStudioDb(name); // same version: no upgrade step runs again
    expect(await again.count('runs')).toBe(1);
    expect(await getProject(again, 'p1')).toEqual(project);
    again.close();
  });
});
