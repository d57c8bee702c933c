// Project lifecycle with real blobs: duplicate (batched, record last, clean failure), delete,
// and orphan cleanup after interrupted work (runs: run-cleanup.test.ts).
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StudioDB } from './db';
import { StorageFullError } from './storage-full';
import { addClass, listClasses } from './classes-repo';
import { getBlob, listImages } from './images-repo';
import {
  createProject,
  deleteProject,
  duplicateProject,
  getProject,
  listProjects,
  COPY_MARKER_PREFIX,
  removeOrphans,
  renameProject,
  setTrainingSize,
  STALE_COPY_MS,
  touchProject,
} from './projects-repo';
import { addImages, blobBytes, bytesBlob, expectConsistent, freshDb, storeCounts } from '../test-support/studio-db';

let db: StudioDB;
beforeEach(async () => {
  db = await freshDb();
});
afterEach(() => {
  vi.restoreAllMocks();
  db.close();
});

async function projectWithImages(name: string, perClass: number[]) {
  const project = await createProject(db, name);
  const classes = [];
  for (const [i, n] of perClass.entries()) {
    const cls = await addClass(db, project.id, `class-${i}`);
    classes.push(cls);
    await addImages(db, project.id, cls.id, n);
  }
  return { project: (await getProject(db, project.id))!, classes };
}

describe('projects', () => {
  it('creates with defaults, renames, validates names and lists most recent first', async () => {
    const clock = vi.spyOn(Date, 'now');
    clock.mockReturnValue(1000);
    const a = await createProject(db, '  Alpha ');
    expect(a).toMatchObject({ name: 'Alpha', trainingSize: 256, imageCount: 0, bytes: 0, createdAt: 1000, updatedAt: 1000 });
    clock.mockReturnValue(2000);
    const b = await createProject(db, 'Beta');
    expect((await listProjects(db)).map((p) => p.name)).toEqual(['Beta', 'Alpha']);
    clock.mockReturnValue(3000);
    await touchProject(db, a.id);
    expect((await listProjects(db)).map((p) => p.id)).toEqual([a.id, b.id]);
    clock.mockReturnValue(4000);
    expect(await renameProject(db, b.id, ' Gamma ')).toMatchObject({ name: 'Gamma', updatedAt: 4000 });
    await expect(createProject(db, '  ')).rejects.toThrow(/must not be empty/);
    await expect(renameProject(db, b.id, '')).rejects.toThrow(/must not be empty/);
    await expect(renameProject(db, 'missing', 'x')).rejects.toThrow(/does not exist/);
    expect((await getProject(db, b.id))!.name).toBe('Gamma');
  });

  it('duplicates classes, records and all three blobs with new ids (across several batches)', async () => {
    const { project, classes } = await projectWithImages('Pets', [130, 2, 0]);
    const before = await storeCounts(db);
    const copy = await duplicateProject(db, project.id);
    expect(copy.name).toBe('Pets (copy)');
    expect(copy.id).not.toBe(project.id);
    expect(copy).toMatchObject({ imageCount: 132, bytes: project.bytes, trainingSize: project.trainingSize });
    expect(await storeCounts(db)).toEqual({
      images: before.images * 2,
      originals: before.originals * 2,
      thumbnails: before.thumbnails * 2,
      training: before.training * 2,
      classes: before.classes * 2,
      projects: 2,
    });
    const copyClasses = await listClasses(db, copy.id);
    expect(copyClasses.map((c) => [c.name, c.imageCount])).toEqual(classes.map((c, i) => [c.name, [130, 2, 0][i]]));
    expect(copyClasses.some((c) => classes.some((o) => o.id === c.id))).toBe(false);
    const [origImages, copyImages] = [await listImages(db, project.id), await listImages(db, copy.id)];
    const byHash = new Map(origImages.map((r) => [r.hash, r]));
    for (const img of copyImages.slice(0, 10)) {
      const orig = byHash.get(img.hash)!;
      expect(img.id).not.toBe(orig.id);
      for (const store of ['originals', 'thumbnails', 'training'] as const) {
        expect(await blobBytes(await getBlob(db, store, img.id))).toEqual(await blobBytes(await getBlob(db, store, orig.id)));
      }
    }
    await expectConsistent(db, copy.id);
    expect(await db.getAllKeys('meta')).toEqual([]); // in-progress marker removed
    expect((await duplicateProject(db, project.id, '  Mine ')).name).toBe('Mine');
  });

  it('writes the new project record last, after every image and blob', async () => {
    const { project } = await projectWithImages('Pets', [120, 5]);
    const writes: string[] = [];
    for (const method of ['add', 'put'] as const) {
      const real = IDBObjectStore.prototype[method];
      vi.spyOn(IDBObjectStore.prototype, method).mockImplementation(function (this: IDBObjectStore, ...args) {
        writes.push(this.name);
        return real.apply(this, args as [unknown, IDBValidKey?]);
      });
    }
    await duplicateProject(db, project.id);
    expect(writes.filter((w) => w === 'projects')).toHaveLength(1);
    const projectWrite = writes.indexOf('projects');
    for (const store of ['images', 'originals', 'thumbnails', 'training']) {
      expect(writes.lastIndexOf(store), store).toBeLessThan(projectWrite);
    }
  });

  it('deleting the original leaves the copy intact', async () => {
    const { project } = await projectWithImages('Pets', [3, 4]);
    const copy = await duplicateProject(db, project.id, 'Copy');
    await deleteProject(db, project.id);
    expect(await getProject(db, project.id)).toBeUndefined();
    expect(await storeCounts(db)).toMatchObject({ projects: 1, classes: 2, images: 7, originals: 7, thumbnails: 7, training: 7 });
    await expectConsistent(db, copy.id);
  });

  it('deletes a project with its classes, image records and blobs (more than one batch)', async () => {
    const { project } = await projectWithImages('Big', [150, 120]);
    const keep = await projectWithImages('Keep', [2]);
    await deleteProject(db, project.id);
    expect(await listProjects(db)).toHaveLength(1);
    expect(await storeCounts(db)).toEqual({ projects: 1, classes: 1, images: 2, originals: 2, thumbnails: 2, training: 2 });
    await expectConsistent(db, keep.project.id);
    await deleteProject(db, project.id); // idempotent
  });

  it('a duplicate that runs out of storage midway throws StorageFullError and leaves no trace', async () => {
    const { project } = await projectWithImages('Pets', [150]);
    const before = await storeCounts(db);
    let blobPuts = 0;
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'originals' && ++blobPuts > 120) throw new DOMException('full', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    await expect(duplicateProject(db, project.id)).rejects.toBeInstanceOf(StorageFullError);
    vi.restoreAllMocks();
    expect(blobPuts).toBeGreaterThan(100); // the first batch had committed before the failure
    expect(await storeCounts(db)).toEqual(before);
    expect(await listProjects(db)).toHaveLength(1);
    expect(await db.getAllKeys('meta')).toEqual([]);
  });
});

describe('setTrainingSize', () => {
  it('stores a valid size and rejects nonsense without changing the project', async () => {
    const p = await createProject(db, 'Sizes');
    expect(p.trainingSize).toBe(256);
    expect((await setTrainingSize(db, p.id, 320)).trainingSize).toBe(320);
    await expect(setTrainingSize(db, p.id, 10)).rejects.toThrow(/64 to 1024/);
    await expect(setTrainingSize(db, p.id, 300.5)).rejects.toThrow(/whole number/);
    expect((await getProject(db, p.id))!.trainingSize).toBe(320);
  });
});

describe('removeOrphans', () => {
  it('removes content of a project whose record is gone (interrupted delete) and stray blobs', async () => {
    const { project } = await projectWithImages('Gone', [3, 2]);
    const keep = await projectWithImages('Keep', [4]);
    await db.delete('projects', project.id); // as if deleteProject stopped right after step one
    await db.put('thumbnails', bytesBlob(10, 1), 'stray-blob-without-record');
    const report = await removeOrphans(db);
    expect(report).toEqual({ classes: 2, images: 5, blobs: 1, runs: 0, checkpoints: 0 });
    expect(await storeCounts(db)).toEqual({ projects: 1, classes: 1, images: 4, originals: 4, thumbnails: 4, training: 4 });
    await expectConsistent(db, keep.project.id);
    expect(await removeOrphans(db)).toEqual({ classes: 0, images: 0, blobs: 0, runs: 0, checkpoints: 0 });
  });

  it('spares a duplicate still in progress and removes one whose marker went stale', async () => {
    const src = await projectWithImages('Src', [2]);
    // Crash state of a duplicate: content written, project record not yet, marker present.
    const { project: copy } = await projectWithImages('Copy', [3, 1]);
    await db.delete('projects', copy.id);
    const heartbeatAt = 50_000;
    await db.put('meta', { sourceId: src.project.id, startedAt: heartbeatAt, heartbeatAt }, COPY_MARKER_PREFIX + copy.id);
    await db.put('meta', 'dark', 'theme');

    expect(await removeOrphans(db, heartbeatAt + STALE_COPY_MS - 1)).toEqual({ classes: 0, images: 0, blobs: 0, runs: 0, checkpoints: 0 });
    expect(await storeCounts(db)).toMatchObject({ classes: 3, images: 6, originals: 6 });

    expect(await removeOrphans(db, heartbeatAt + STALE_COPY_MS + 1)).toEqual({ classes: 2, images: 4, blobs: 0, runs: 0, checkpoints: 0 });
    expect(await storeCounts(db)).toEqual({ projects: 1, classes: 1, images: 2, originals: 2, thumbnails: 2, training: 2 });
    expect(await db.getAllKeys('meta')).toEqual(['theme']); // stale marker gone, settings kept
    await expectConsistent(db, src.project.id);
  });
});
