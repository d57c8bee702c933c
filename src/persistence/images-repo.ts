// Image records and their three blobs (original, thumbnail, training copy). Every write keeps
// the class and project counters in the same transaction, so counts can never drift.
import type { IDBPTransaction } from 'idb';
import {
  BLOB_STORES,
  type BlobStoreName,
  type ClassRecord,
  type ProjectRecord,
  type ImageRecord,
  type ImageSource,
  type StudioDB,
  type StudioSchema,
} from './db';
import { chunk, handled, inTx, newId } from './repo-utils';

/** Stores a transaction needs to add or delete images with their blobs and counters. */
export const IMAGE_WRITE_STORES = [
  'images',
  'originals',
  'thumbnails',
  'training',
  'classes',
  'projects',
] as const;
export type ImageWriteTx = IDBPTransaction<StudioSchema, typeof IMAGE_WRITE_STORES, 'readwrite'>;

/** Stores a transaction needs to move images between classes. */
export const IMAGE_MOVE_STORES = ['images', 'classes', 'projects'] as const;
export type ImageMoveTx = IDBPTransaction<StudioSchema, typeof IMAGE_MOVE_STORES, 'readwrite'>;

/** Stores a transaction needs to remove image rows and blobs without touching counters. */
export const IMAGE_ROW_STORES = ['images', 'originals', 'thumbnails', 'training'] as const;

export interface AddImageInput {
  projectId: string;
  classId: string;
  name: string;
  hash: string;
  mime: string;
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  source: ImageSource;
  split?: 'val' | 'test';
  original: Blob;
  thumbnail: Blob;
  training: Blob;
}

export function imageBytes(r: ImageRecord): number {
  return r.originalBytes + r.thumbBytes + r.trainingBytes;
}

let lastStamp = 0;
/** addedAt for a new image: the clock, but strictly increasing, so images list in the order they were added. */
function addedStamp(): number {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  return lastStamp;
}

function byAddedAt(a: ImageRecord, b: ImageRecord): number {
  return a.addedAt - b.addedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A new image's record (fresh id, byte counts, insertion stamp) and its three blobs. */
function newImage(input: AddImageInput): { record: ImageRecord; original: Blob; thumbnail: Blob; training: Blob } {
  const { original, thumbnail, training, ...fields } = input;
  const record: ImageRecord = {
    ...fields,
    id: newId(),
    originalBytes: original.size,
    thumbBytes: thumbnail.size,
    trainingBytes: training.size,
    addedAt: addedStamp(),
  };
  return { record, original, thumbnail, training };
}

/**
 * Writes one image (record, three blobs, class and project counters) in ONE transaction, as
 * addImages does. Throws (leaving nothing behind) if the class or project does not exist, the
 * class belongs to another project, or the same content is already in the project; throws
 * StorageFullError on quota failures.
 */
export async function addImage(db: StudioDB, input: AddImageInput): Promise<ImageRecord> {
  const [outcome] = await addImages(db, [input]);
  if (outcome.kind === 'duplicate') throw new Error(`Cannot add image: the same content is already in the project as "${outcome.of.name}".`);
  return outcome.record;
}

export type AddImagesOutcome = { kind: 'added'; record: ImageRecord } | { kind: 'duplicate'; of: ImageRecord };

/**
 * Adds several images in ONE transaction: each image's record, its three blobs and the counters
 * go in together, so every image is whole or absent, and a failure (quota) leaves none of the
 * batch behind. An image whose content hash is already in the project is not written and comes
 * back as a duplicate of that image. Outcomes are in input order.
 */
export async function addImages(db: StudioDB, inputs: AddImageInput[]): Promise<AddImagesOutcome[]> {
  if (inputs.length === 0) return [];
  const now = Date.now();
  return inTx(db.transaction(IMAGE_WRITE_STORES, 'readwrite'), async (tx) => {
    const projects = new Map<string, ProjectRecord>();
    const classes = new Map<string, ClassRecord>();
    const byHash = tx.objectStore('images').index('by-project-hash');
    const outcomes: AddImagesOutcome[] = [];
    const writes: Promise<unknown>[] = [];
    for (const input of inputs) {
      let project = projects.get(input.projectId);
      if (!project) {
        const p = await tx.objectStore('projects').get(input.projectId);
        if (!p) throw new Error(`Cannot add image: project ${input.projectId} does not exist.`);
        projects.set(input.projectId, (project = p));
      }
      let cls = classes.get(input.classId);
      if (!cls) {
        const c = await tx.objectStore('classes').get(input.classId);
        if (!c || c.projectId !== input.projectId) throw new Error(`Cannot add image: class ${input.classId} does not exist in this project.`);
        classes.set(input.classId, (cls = c));
      }
      const existing = await byHash.get([input.projectId, input.hash]);
      if (existing) {
        outcomes.push({ kind: 'duplicate', of: existing });
        continue;
      }
      const { record, original, thumbnail, training } = newImage(input);
      writes.push(
        handled(tx.objectStore('images').add(record)),
        handled(tx.objectStore('originals').put(original, record.id)),
        handled(tx.objectStore('thumbnails').put(thumbnail, record.id)),
        handled(tx.objectStore('training').put(training, record.id)),
      );
      classes.set(cls.id, { ...cls, imageCount: cls.imageCount + 1 });
      projects.set(project.id, { ...project, imageCount: project.imageCount + 1, bytes: project.bytes + imageBytes(record), updatedAt: Math.max(now, project.updatedAt) });
      outcomes.push({ kind: 'added', record });
    }
    for (const c of classes.values()) writes.push(handled(tx.objectStore('classes').put(c)));
    for (const p of projects.values()) writes.push(handled(tx.objectStore('projects').put(p)));
    await Promise.all(writes);
    return outcomes;
  });
}

export interface TrainingCopyUpdate {
  id: string;
  training: Blob;
  width: number;
  height: number;
}

/**
 * Replaces the training copies of some images of one project (after its training size changed):
 * each image's blob, its record (size, bytes) and the project's byte count change together, in
 * one transaction. Images no longer there (deleted meanwhile) are skipped. Returns how many
 * were replaced.
 */
export async function replaceTrainingCopies(db: StudioDB, projectId: string, updates: TrainingCopyUpdate[]): Promise<number> {
  if (updates.length === 0) return 0;
  return inTx(db.transaction(IMAGE_WRITE_STORES, 'readwrite'), async (tx) => {
    const project = await tx.objectStore('projects').get(projectId);
    if (!project) throw new Error(`Cannot update images: project ${projectId} does not exist.`);
    let delta = 0;
    let n = 0;
    const writes: Promise<unknown>[] = [];
    for (const u of updates) {
      const rec = await tx.objectStore('images').get(u.id);
      if (!rec || rec.projectId !== projectId) continue;
      delta += u.training.size - rec.trainingBytes;
      writes.push(
        handled(tx.objectStore('training').put(u.training, u.id)),
        handled(tx.objectStore('images').put({ ...rec, width: u.width, height: u.height, trainingBytes: u.training.size })),
      );
      n++;
    }
    writes.push(handled(tx.objectStore('projects').put({ ...project, bytes: project.bytes + delta, updatedAt: Math.max(Date.now(), project.updatedAt) })));
    await Promise.all(writes);
    return n;
  });
}

export async function findByHash(db: StudioDB, projectId: string, hash: string): Promise<ImageRecord | undefined> {
  return db.getFromIndex('images', 'by-project-hash', [projectId, hash]);
}

export async function getImage(db: StudioDB, id: string): Promise<ImageRecord | undefined> {
  return db.get('images', id);
}

/** Image records of a project (no blobs), oldest first. */
export async function listImages(db: StudioDB, projectId: string): Promise<ImageRecord[]> {
  return (await db.getAllFromIndex('images', 'by-project', projectId)).sort(byAddedAt);
}

/** Image records of a class (no blobs), oldest first. */
export async function listImagesByClass(db: StudioDB, classId: string): Promise<ImageRecord[]> {
  return (await db.getAllFromIndex('images', 'by-class', classId)).sort(byAddedAt);
}

export async function getBlob(db: StudioDB, store: BlobStoreName, id: string): Promise<Blob | undefined> {
  return db.get(store, id);
}

/** Several blobs of one store in one read transaction (undefined where missing), in the order asked. */
export async function getBlobs(db: StudioDB, store: BlobStoreName, ids: string[]): Promise<(Blob | undefined)[]> {
  if (ids.length === 0) return [];
  const tx = db.transaction(store, 'readonly');
  const out = await Promise.all(ids.map((id) => tx.store.get(id)));
  await tx.done;
  return out;
}

/** Deletes records and blobs only (no counters): for content of projects that no longer exist. */
export async function deleteImageRowsInTx(
  tx: IDBPTransaction<StudioSchema, typeof IMAGE_ROW_STORES | typeof IMAGE_WRITE_STORES, 'readwrite'>,
  ids: readonly string[],
): Promise<void> {
  const ops: Promise<unknown>[] = [];
  for (const id of ids) {
    ops.push(handled(tx.objectStore('images').delete(id)));
    for (const store of BLOB_STORES) ops.push(handled(tx.objectStore(store).delete(id)));
  }
  await Promise.all(ops);
}

/** Deletes images with their blobs and decrements class/project counters, inside `tx`. */
export async function deleteImagesInTx(tx: ImageWriteTx, ids: readonly string[], now: number): Promise<number> {
  const images = tx.objectStore('images');
  const found = (await Promise.all([...new Set(ids)].map((id) => handled(images.get(id))))).filter(
    (r): r is ImageRecord => r !== undefined,
  );
  const perClass = new Map<string, number>();
  const perProject = new Map<string, { count: number; bytes: number }>();
  for (const r of found) {
    perClass.set(r.classId, (perClass.get(r.classId) ?? 0) + 1);
    const p = perProject.get(r.projectId) ?? { count: 0, bytes: 0 };
    perProject.set(r.projectId, { count: p.count + 1, bytes: p.bytes + imageBytes(r) });
  }
  await deleteImageRowsInTx(tx, found.map((r) => r.id));
  for (const [classId, n] of perClass) {
    const cls = await tx.objectStore('classes').get(classId);
    if (cls) await tx.objectStore('classes').put({ ...cls, imageCount: Math.max(0, cls.imageCount - n) });
  }
  for (const [projectId, d] of perProject) {
    const p = await tx.objectStore('projects').get(projectId);
    if (!p) continue;
    await tx.objectStore('projects').put({
      ...p,
      imageCount: Math.max(0, p.imageCount - d.count),
      bytes: Math.max(0, p.bytes - d.bytes),
      updatedAt: Math.max(now, p.updatedAt),
    });
  }
  return found.length;
}

/**
 * Moves images into class `toClassId` inside `tx`, fixing both classes' counters. Images that
 * no longer exist or are already there are skipped; an image of another project throws.
 */
export async function moveImagesInTx(
  tx: ImageMoveTx,
  ids: readonly string[],
  toClassId: string,
  now: number,
): Promise<number> {
  const classes = tx.objectStore('classes');
  const target = await classes.get(toClassId);
  if (!target) throw new Error(`Cannot move images: class ${toClassId} does not exist.`);
  const images = tx.objectStore('images');
  const records = await Promise.all([...new Set(ids)].map((id) => handled(images.get(id))));
  const perSource = new Map<string, number>();
  const puts: Promise<unknown>[] = [];
  for (const r of records) {
    if (!r || r.classId === toClassId) continue;
    if (r.projectId !== target.projectId) {
      throw new Error(`Cannot move image "${r.name}": it belongs to another project.`);
    }
    perSource.set(r.classId, (perSource.get(r.classId) ?? 0) + 1);
    puts.push(handled(images.put({ ...r, classId: toClassId })));
  }
  const moved = puts.length;
  if (moved === 0) return 0;
  await Promise.all(puts);
  for (const [classId, n] of perSource) {
    const cls = await classes.get(classId);
    if (cls) await classes.put({ ...cls, imageCount: Math.max(0, cls.imageCount - n) });
  }
  await classes.put({ ...target, imageCount: target.imageCount + moved });
  const project = await tx.objectStore('projects').get(target.projectId);
  if (project) await tx.objectStore('projects').put({ ...project, updatedAt: Math.max(now, project.updatedAt) });
  return moved;
}

/** Marks images for the validation (`'val'`) or test (`'test'`) set, or hands them back to the split (`null`); one transaction. */
export async function setImageSplit(db: StudioDB, ids: readonly string[], split: 'val' | 'test' | null): Promise<number> {
  return inTx(db.transaction('images', 'readwrite'), async (tx) => {
    let changed = 0;
    for (const id of new Set(ids)) {
      const rec = await tx.store.get(id);
      if (!rec || (rec.split ?? null) === split) continue;
      const next = { ...rec };
      if (split) next.split = split;
      else delete next.split;
      await tx.store.put(next);
      changed++;
    }
    return changed;
  });
}

/** Moves images to another class of the same project in one transaction; returns how many moved. */
export async function moveImages(db: StudioDB, ids: readonly string[], toClassId: string): Promise<number> {
  return inTx(db.transaction(IMAGE_MOVE_STORES, 'readwrite'), (tx) =>
    moveImagesInTx(tx, ids, toClassId, Date.now()),
  );
}

/**
 * Deletes images (records + blobs), one transaction per batch of BATCH_SIZE so counters stay
 * right even if a later batch fails. Returns how many were deleted.
 */
export async function deleteImages(db: StudioDB, ids: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const batch of chunk([...new Set(ids)])) {
    deleted += await inTx(db.transaction(IMAGE_WRITE_STORES, 'readwrite'), (tx) =>
      deleteImagesInTx(tx, batch, Date.now()),
    );
  }
  return deleted;
}

/** Image count and bytes recomputed from the image records (to verify the stored counters). */
export async function projectUsage(db: StudioDB, projectId: string): Promise<{ images: number; bytes: number }> {
  const records = await db.getAllFromIndex('images', 'by-project', projectId);
  return { images: records.length, bytes: records.reduce((sum, r) => sum + imageBytes(r), 0) };
}
