// Validation marks on images: set, clear, idempotent, and kept through an import-time flag.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StudioDB } from './db';
import { addClass } from './classes-repo';
import { addImage, getImage, setImageSplit } from './images-repo';
import { createProject } from './projects-repo';
import { addImages, freshDb, imageInput } from '../test-support/studio-db';

let db: StudioDB;
beforeEach(async () => {
  db = await freshDb();
});
afterEach(() => db.close());

describe('setImageSplit', () => {
  it('marks and unmarks images for validation, counting only real changes', async () => {
    const p = await createProject(db, 'P');
    const c = await addClass(db, p.id, 'a');
    const [one, two] = await addImages(db, p.id, c.id, 2);
    expect(await setImageSplit(db, [one.id, two.id, 'missing'], 'val')).toBe(2);
    expect(await setImageSplit(db, [one.id], 'val')).toBe(0);
    expect((await getImage(db, one.id))!.split).toBe('val');
    expect(await setImageSplit(db, [one.id], null)).toBe(1);
    expect((await getImage(db, one.id))!.split).toBeUndefined();
    expect((await getImage(db, two.id))!.split).toBe('val');
  });

  it('stores a mark given at import', async () => {
    const p = await createProject(db, 'P');
    const c = await addClass(db, p.id, 'a');
    const rec = await addImage(db, imageInput(p.id, c.id, { split: 'val' }));
    expect((await getImage(db, rec.id))!.split).toBe('val');
  });
});
