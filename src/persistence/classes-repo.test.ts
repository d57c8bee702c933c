// Class names (unique, case-insensitive), order, and delete/merge keeping all counters consistent.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StudioDB } from './db';
import {
  addClass,
  deleteClass,
  getClass,
  getOrCreateClassByName,
  listClasses,
  mergeClasses,
  renameClass,
  reorderClasses,
} from './classes-repo';
import { getBlob, listImagesByClass } from './images-repo';
import { createProject, getProject } from './projects-repo';
import { addImages, expectConsistent, freshDb, storeCounts } from '../test-support/studio-db';

let db: StudioDB;
beforeEach(async () => {
  db = await freshDb();
});
afterEach(() => db.close());

const names = async (projectId: string) => (await listClasses(db, projectId)).map((c) => c.name);

describe('classes', () => {
  it('adds classes in order, trims names, and keeps names unique case-insensitively per project', async () => {
    const p = await createProject(db, 'P');
    const other = await createProject(db, 'Other');
    await addClass(db, p.id, '  Cats ');
    await addClass(db, p.id, 'Dogs');
    await expect(addClass(db, p.id, 'cats')).rejects.toThrow(/already exists/);
    await expect(addClass(db, p.id, 'DOGS ')).rejects.toThrow(/already exists/);
    await expect(addClass(db, p.id, '   ')).rejects.toThrow(/must not be empty/);
    await expect(addClass(db, 'no-such-project', 'x')).rejects.toThrow(/does not exist/);
    await addClass(db, other.id, 'cats'); // same name in another project is fine
    expect(await names(p.id)).toEqual(['Cats', 'Dogs']);
    expect((await listClasses(db, p.id)).map((c) => c.order)).toEqual([0, 1]);
  });

  it('renames, allowing a change of case but not a clash', async () => {
    const p = await createProject(db, 'P');
    const cats = await addClass(db, p.id, 'cats');
    await addClass(db, p.id, 'dogs');
    expect((await renameClass(db, cats.id, 'Cats')).name).toBe('Cats');
    await expect(renameClass(db, cats.id, 'Dogs')).rejects.toThrow(/already exists/);
    await expect(renameClass(db, cats.id, '')).rejects.toThrow(/must not be empty/);
    await expect(renameClass(db, 'missing', 'x')).rejects.toThrow(/does not exist/);
    expect(await names(p.id)).toEqual(['Cats', 'dogs']);
  });

  it('getOrCreateClassByName returns the existing class and never creates duplicates concurrently', async () => {
    const p = await createProject(db, 'P');
    const cats = await addClass(db, p.id, 'Cats');
    expect((await getOrCreateClassByName(db, p.id, 'cats')).id).toBe(cats.id);
    const results = await Promise.all(['birds', 'Birds', 'BIRDS ', 'birds'].map((n) => getOrCreateClassByName(db, p.id, n)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await names(p.id)).toEqual(['Cats', 'birds']);
  });

  it('reorders; rejects a list that is not exactly the project classes', async () => {
    const p = await createProject(db, 'P');
    const [a, b, c] = [await addClass(db, p.id, 'a'), await addClass(db, p.id, 'b'), await addClass(db, p.id, 'c')];
    await reorderClasses(db, p.id, [c.id, a.id, b.id]);
    expect(await names(p.id)).toEqual(['c', 'a', 'b']);
    await expect(reorderClasses(db, p.id, [c.id, a.id])).rejects.toThrow(/exactly once/);
    await expect(reorderClasses(db, p.id, [c.id, a.id, a.id])).rejects.toThrow(/exactly once/);
    await expect(reorderClasses(db, p.id, [c.id, a.id, 'zzz'])).rejects.toThrow(/exactly once/);
    expect(await names(p.id)).toEqual(['c', 'a', 'b']);
    const d = await addClass(db, p.id, 'd');
    expect(d.order).toBe(3);
  });

  it('deletes a class with its images and blobs, keeping project counts right', async () => {
    const p = await createProject(db, 'P');
    const cats = await addClass(db, p.id, 'cats');
    const dogs = await addClass(db, p.id, 'dogs');
    const catImgs = await addImages(db, p.id, cats.id, 210); // more than one batch
    await addImages(db, p.id, dogs.id, 3);
    expect(await deleteClass(db, cats.id)).toBe(true);
    expect(await getClass(db, cats.id)).toBeUndefined();
    expect(await listImagesByClass(db, cats.id)).toEqual([]);
    expect(await getBlob(db, 'training', catImgs[0].id)).toBeUndefined();
    expect(await storeCounts(db)).toMatchObject({ images: 3, originals: 3, thumbnails: 3, training: 3, classes: 1 });
    expect((await getProject(db, p.id))!.imageCount).toBe(3);
    await expectConsistent(db, p.id);
    expect(await deleteClass(db, cats.id)).toBe(false);
  });

  it('merges classes into a target, moving all images and deleting the sources', async () => {
    const p = await createProject(db, 'P');
    const [a, b, c, d] = [
      await addClass(db, p.id, 'a'),
      await addClass(db, p.id, 'b'),
      await addClass(db, p.id, 'c'),
      await addClass(db, p.id, 'd'),
    ];
    await addImages(db, p.id, a.id, 2);
    await addImages(db, p.id, b.id, 205);
    await addImages(db, p.id, c.id, 3);
    await addImages(db, p.id, d.id, 4);
    const bytesBefore = (await getProject(db, p.id))!.bytes;
    const merged = await mergeClasses(db, a.id, [b.id, c.id, a.id]);
    expect(merged.imageCount).toBe(210);
    expect(await names(p.id)).toEqual(['a', 'd']);
    expect((await getProject(db, p.id))!).toMatchObject({ imageCount: 214, bytes: bytesBefore });
    await expectConsistent(db, p.id);
  });

  it('refuses to merge across projects or with missing classes, changing nothing', async () => {
    const p = await createProject(db, 'P');
    const q = await createProject(db, 'Q');
    const a = await addClass(db, p.id, 'a');
    const b = await addClass(db, p.id, 'b');
    const x = await addClass(db, q.id, 'x');
    await addImages(db, p.id, b.id, 2);
    await addImages(db, q.id, x.id, 2);
    await expect(mergeClasses(db, a.id, [b.id, x.id])).rejects.toThrow(/another project/);
    await expect(mergeClasses(db, a.id, [b.id, 'missing'])).rejects.toThrow(/does not exist/);
    await expect(mergeClasses(db, 'missing', [b.id])).rejects.toThrow(/does not exist/);
    expect(await names(p.id)).toEqual(['a', 'b']);
    expect((await getClass(db, b.id))!.imageCount).toBe(2);
    await expectConsistent(db, p.id);
    await expectConsistent(db, q.id);
  });
});
