// addImage atomicity (validation and quota failures leave nothing behind), queries, and that
// moves/deletes keep class and project counters equal to the data.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StudioDB } from './db';
import { StorageFullError } from './storage-full';
import { addClass } from './classes-repo';
import {
  addImage,
  addImages as addImageBatch,
  deleteImages,
  findByHash,
  getBlob,
  listImages,
  listImagesByClass,
  moveImages,
  projectUsage,
  replaceTrainingCopies,
} from './images-repo';
import { createProject, getProject } from './projects-repo';
import { addImages, blobBytes, bytesBlob, expectConsistent, freshDb, imageInput, storeCounts } from '../test-support/studio-db';

let db: StudioDB;
beforeEach(async () => {
  db = await freshDb();
});
afterEach(() => {
  vi.restoreAllMocks();
  db.close();
});

async function setup() {
  const project = await createProject(db, 'Pets');
  const cats = await addClass(db, project.id, 'cats');
  const dogs = await addClass(db, project.id, 'dogs');
  return { project, cats, dogs };
}

describe('addImages (one transaction for several images)', () => {
  it('writes every image whole with counters right; duplicates of stored or earlier images come back as duplicates', async () => {
    const { project, cats, dogs } = await setup();
    const [stored] = await addImages(db, project.id, cats.id, 1);
    const batch = [
      imageInput(project.id, cats.id),
      imageInput(project.id, dogs.id),
      imageInput(project.id, dogs.id, { hash: stored.hash }),
      imageInput(project.id, cats.id, { hash: 'same' }),
      imageInput(project.id, dogs.id, { hash: 'same' }),
    ];
    const out = await addImageBatch(db, batch);
    expect(out.map((o) => o.kind)).toEqual(['added', 'added', 'duplicate', 'added', 'duplicate']);
    expect(out[2]).toMatchObject({ kind: 'duplicate', of: { id: stored.id } });
    expect(out[4]).toMatchObject({ kind: 'duplicate', of: { name: batch[3].name } });
    expect((await listImagesByClass(db, cats.id)).length).toBe(3);
    expect((await listImagesByClass(db, dogs.id)).length).toBe(1);
    for (const o of out) if (o.kind === 'added') expect((await getBlob(db, 'training', o.record.id))!.size).toBe(50);
    expect((await getProject(db, project.id))!.imageCount).toBe(4);
    await expectConsistent(db, project.id);
  });

  it('a quota failure on one image leaves none of the batch behind', async () => {
    const { project, cats } = await setup();
    await addImages(db, project.id, cats.id, 1);
    const before = await storeCounts(db);
    const projectBefore = await getProject(db, project.id);
    const realPut = IDBObjectStore.prototype.put;
    let trainingPuts = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'training' && ++trainingPuts === 3) throw new DOMException('quota', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    const err = await addImageBatch(db, [1, 2, 3, 4].map(() => imageInput(project.id, cats.id))).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(err).toBeInstanceOf(StorageFullError);
    expect(await storeCounts(db)).toEqual(before);
    expect(await getProject(db, project.id)).toEqual(projectBefore);
    await expectConsistent(db, project.id);
  });

  it('refuses a batch with an image for a class of another project, writing nothing', async () => {
    const { project, cats } = await setup();
    const other = await createProject(db, 'Other');
    const otherClass = await addClass(db, other.id, 'x');
    const before = await storeCounts(db);
    await expect(addImageBatch(db, [imageInput(project.id, cats.id), imageInput(project.id, otherClass.id)])).rejects.toThrow(/does not exist/);
    expect(await storeCounts(db)).toEqual(before);
    await expectConsistent(db, project.id);
  });
});

describe('replaceTrainingCopies', () => {
  it('swaps blobs, sizes and bytes together and skips images that are gone or elsewhere', async () => {
    const { project, cats } = await setup();
    const [a, b] = await addImages(db, project.id, cats.id, 2);
    const other = await createProject(db, 'Other');
    const otherClass = await addClass(db, other.id, 'x');
    const [foreign] = await addImages(db, other.id, otherClass.id, 1);
    const n = await replaceTrainingCopies(db, project.id, [
      { id: a.id, training: bytesBlob(20, 9), width: 128, height: 96 },
      { id: 'gone', training: bytesBlob(20, 9), width: 1, height: 1 },
      { id: foreign.id, training: bytesBlob(20, 9), width: 1, height: 1 },
    ]);
    expect(n).toBe(1);
    const images = await listImages(db, project.id);
    expect(images.find((i) => i.id === a.id)).toMatchObject({ width: 128, height: 96, trainingBytes: 20 });
    expect(images.find((i) => i.id === b.id)).toMatchObject({ width: 256, height: 256, trainingBytes: 50 });
    expect((await getBlob(db, 'training', a.id))!.size).toBe(20);
    expect((await getBlob(db, 'training', foreign.id))!.size).toBe(50);
    await expectConsistent(db, project.id);
    await expectConsistent(db, other.id);
  });
});

describe('addImage', () => {
  it('writes the record and three blobs and bumps counts, bytes and updatedAt', async () => {
    const { project, cats } = await setup();
    const now = vi.spyOn(Date, 'now').mockReturnValue(project.updatedAt + 5000);
    const original = bytesBlob(300, 1, 'image/jpeg');
    const rec = await addImage(db, imageInput(project.id, cats.id, { original, thumbnail: bytesBlob(40, 2), training: bytesBlob(90, 3) }));
    now.mockRestore();
    expect(rec).toMatchObject({ projectId: project.id, classId: cats.id, originalBytes: 300, thumbBytes: 40, trainingBytes: 90 });
    expect(await blobBytes(await getBlob(db, 'originals', rec.id))).toEqual(await blobBytes(original));
    expect((await getBlob(db, 'originals', rec.id))!.type).toBe('image/jpeg');
    expect((await getBlob(db, 'thumbnails', rec.id))!.size).toBe(40);
    expect((await getBlob(db, 'training', rec.id))!.size).toBe(90);
    const p = await getProject(db, project.id);
    expect(p).toMatchObject({ imageCount: 1, bytes: 430, updatedAt: project.updatedAt + 5000 });
    await expectConsistent(db, project.id);
  });

  it.each([
    ['the class does not exist', (ids: { project: string; other: string }) => ({ projectId: ids.project, classId: 'nope' })],
    ['the project does not exist', (ids: { project: string; other: string }) => ({ projectId: 'nope', classId: ids.other })],
    ['the class is in another project', (ids: { project: string; other: string }) => ({ projectId: ids.project, classId: ids.other })],
  ])('throws and leaves nothing behind when %s', async (_label, target) => {
    const { project, cats } = await setup();
    await addImages(db, project.id, cats.id, 2);
    const other = await createProject(db, 'Other');
    const otherClass = await addClass(db, other.id, 'x');
    const before = await storeCounts(db);
    const t = target({ project: project.id, other: otherClass.id });
    await expect(addImage(db, imageInput(t.projectId, t.classId))).rejects.toThrow(/does not exist/);
    expect(await storeCounts(db)).toEqual(before);
    await expectConsistent(db, project.id);
    await expectConsistent(db, other.id);
  });

  it('maps a quota error thrown by a blob write to StorageFullError and rolls back the earlier writes', async () => {
    const { project, cats } = await setup();
    await addImages(db, project.id, cats.id, 1);
    const before = await storeCounts(db);
    const projectBefore = await getProject(db, project.id);
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'training') throw new DOMException('quota', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    const err = await addImage(db, imageInput(project.id, cats.id)).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(/^Storage is full/);
    expect(await storeCounts(db)).toEqual(before); // record + original written before the failure are gone
    expect(await getProject(db, project.id)).toEqual(projectBefore);
    await expectConsistent(db, project.id);
  });

  it('maps a transaction aborted by the browser with QuotaExceededError (commit-time failure)', async () => {
    const { project, cats } = await setup();
    const before = await storeCounts(db);
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      const request = realPut.apply(this, args);
      // What a browser does when the disk quota is hit: abort the whole transaction with tx.error set.
      if (this.name === 'projects') (this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
      return request;
    });
    const err = await addImage(db, imageInput(project.id, cats.id)).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as StorageFullError).cause).toMatchObject({ name: 'QuotaExceededError' });
    expect(await storeCounts(db)).toEqual(before);
    await expectConsistent(db, project.id);
  });

  it('passes other failures through unchanged (duplicate id constraint is not a quota error)', async () => {
    const { project, cats } = await setup();
    const [first] = await addImages(db, project.id, cats.id, 1);
    vi.spyOn(crypto, 'randomUUID').mockReturnValue(first.id as ReturnType<typeof crypto.randomUUID>);
    const err = await addImage(db, imageInput(project.id, cats.id)).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(err).not.toBeInstanceOf(StorageFullError);
    expect(err).toMatchObject({ name: 'ConstraintError' });
    await expectConsistent(db, project.id);
  });
});

describe('queries', () => {
  it('findByHash finds only within the project', async () => {
    const { project, cats } = await setup();
    const other = await createProject(db, 'Other');
    const otherClass = await addClass(db, other.id, 'x');
    const rec = await addImage(db, imageInput(project.id, cats.id, { hash: 'abc123' }));
    await addImage(db, imageInput(other.id, otherClass.id, { hash: 'zzz' }));
    expect((await findByHash(db, project.id, 'abc123'))?.id).toBe(rec.id);
    expect(await findByHash(db, project.id, 'zzz')).toBeUndefined();
    expect(await findByHash(db, other.id, 'abc123')).toBeUndefined();
  });

  it('lists by project and by class in the order added, even when the clock steps back or stands still', async () => {
    const { project, cats, dogs } = await setup();
    const clock = vi.spyOn(Date, 'now');
    clock.mockReturnValue(Date.now() + 60_000);
    const c = await addImage(db, imageInput(project.id, cats.id));
    clock.mockReturnValue(1000);
    const a = await addImage(db, imageInput(project.id, dogs.id));
    const b = await addImage(db, imageInput(project.id, cats.id));
    const batch = await addImageBatch(db, [imageInput(project.id, dogs.id), imageInput(project.id, cats.id), imageInput(project.id, dogs.id)]);
    clock.mockRestore();
    const ids = batch.map((o) => (o.kind === 'added' ? o.record.id : ''));
    expect(c.addedAt < a.addedAt && a.addedAt < b.addedAt).toBe(true);
    expect((await listImages(db, project.id)).map((r) => r.id)).toEqual([c.id, a.id, b.id, ...ids]);
    expect((await listImagesByClass(db, cats.id)).map((r) => r.id)).toEqual([c.id, b.id, ids[1]]);
    expect((await listImagesByClass(db, dogs.id)).map((r) => r.id)).toEqual([a.id, ids[0], ids[2]]);
  });
});

describe('moveImages / deleteImages', () => {
  it('moves images and fixes both class counts; skips unknown ids and images already there', async () => {
    const { project, cats, dogs } = await setup();
    const imgs = await addImages(db, project.id, cats.id, 5);
    const moved = await moveImages(db, [imgs[0].id, imgs[1].id, imgs[1].id, 'missing'], dogs.id);
    expect(moved).toBe(2);
    expect(await moveImages(db, [imgs[0].id], dogs.id)).toBe(0);
    expect((await listImagesByClass(db, dogs.id)).map((r) => r.id).sort()).toEqual([imgs[0].id, imgs[1].id].sort());
    await expectConsistent(db, project.id);
    expect((await getProject(db, project.id))!.imageCount).toBe(5);
  });

  it('refuses to move into another project or a missing class, changing nothing', async () => {
    const { project, cats } = await setup();
    const imgs = await addImages(db, project.id, cats.id, 2);
    const other = await createProject(db, 'Other');
    const otherClass = await addClass(db, other.id, 'x');
    await expect(moveImages(db, imgs.map((i) => i.id), otherClass.id)).rejects.toThrow(/another project/);
    await expect(moveImages(db, imgs.map((i) => i.id), 'nope')).rejects.toThrow(/does not exist/);
    expect((await listImagesByClass(db, cats.id)).length).toBe(2);
    await expectConsistent(db, project.id);
    await expectConsistent(db, other.id);
  });

  it('deletes records and blobs and updates counts and bytes', async () => {
    const { project, cats, dogs } = await setup();
    const catImgs = await addImages(db, project.id, cats.id, 3);
    const dogImgs = await addImages(db, project.id, dogs.id, 2);
    const deleted = await deleteImages(db, [catImgs[0].id, dogImgs[1].id, 'missing']);
    expect(deleted).toBe(2);
    const counts = await storeCounts(db);
    expect(counts).toMatchObject({ images: 3, originals: 3, thumbnails: 3, training: 3 });
    expect(await getBlob(db, 'originals', catImgs[0].id)).toBeUndefined();
    await expectConsistent(db, project.id);
    const usage = await projectUsage(db, project.id);
    expect(usage.images).toBe(3);
  });

  it('deletes more than one batch worth of images', async () => {
    const { project, cats, dogs } = await setup();
    const imgs = [...(await addImages(db, project.id, cats.id, 230)), ...(await addImages(db, project.id, dogs.id, 20))];
    const keep = imgs.filter((_, i) => i % 10 === 0);
    const gone = imgs.filter((_, i) => i % 10 !== 0);
    expect(await deleteImages(db, gone.map((i) => i.id))).toBe(gone.length);
    expect(await storeCounts(db)).toMatchObject({ images: keep.length, originals: keep.length, training: keep.length });
    await expectConsistent(db, project.id);
  });
});
