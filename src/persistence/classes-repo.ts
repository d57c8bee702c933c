// Classes (labels) of a project: unique case-insensitive names, display order, and delete/merge
// that carry their images along while keeping class and project counters right.
import type { ClassRecord, StudioDB } from './db';
import {
  deleteImagesInTx,
  IMAGE_MOVE_STORES,
  IMAGE_WRITE_STORES,
  moveImagesInTx,
  type ImageMoveTx,
} from './images-repo';
import { BATCH_SIZE, handled, inTx, nameKey, newId, requireName } from './repo-utils';

const CLASS_STORES = ['classes', 'projects'] as const;
const CLASS_DELETE_STORES = ['classes', 'projects', 'images'] as const;

function byOrder(a: ClassRecord, b: ClassRecord): number {
  return a.order - b.order || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function duplicateNameError(name: string): Error {
  return new Error(`A class named "${name}" already exists in this project (names are case-insensitive).`);
}

/** Classes of a project in display order. */
export async function listClasses(db: StudioDB, projectId: string): Promise<ClassRecord[]> {
  return (await db.getAllFromIndex('classes', 'by-project', projectId)).sort(byOrder);
}

export async function getClass(db: StudioDB, classId: string): Promise<ClassRecord | undefined> {
  return db.get('classes', classId);
}

/**
 * Finds the class called `name` (case-insensitive) or creates it at the end, in one
 * transaction, so concurrent callers can never create the same class twice.
 */
async function findOrCreate(
  db: StudioDB,
  projectId: string,
  rawName: string,
  allowExisting: boolean,
): Promise<ClassRecord> {
  const name = requireName(rawName, 'Class');
  return inTx(db.transaction(CLASS_STORES, 'readwrite'), async (tx) => {
    const now = Date.now();
    const project = await tx.objectStore('projects').get(projectId);
    if (!project) throw new Error(`Project ${projectId} does not exist.`);
    const siblings = await tx.objectStore('classes').index('by-project').getAll(projectId);
    const existing = siblings.find((c) => nameKey(c.name) === nameKey(name));
    if (existing) {
      if (allowExisting) return existing;
      throw duplicateNameError(name);
    }
    const record: ClassRecord = {
      id: newId(),
      projectId,
      name,
      order: siblings.reduce((max, c) => Math.max(max, c.order + 1), 0),
      createdAt: now,
      imageCount: 0,
    };
    await tx.objectStore('classes').add(record);
    await tx.objectStore('projects').put({ ...project, updatedAt: Math.max(now, project.updatedAt) });
    return record;
  });
}

/** Adds a class at the end; throws if the name is empty or already used in the project. */
export async function addClass(db: StudioDB, projectId: string, name: string): Promise<ClassRecord> {
  return findOrCreate(db, projectId, name, false);
}

/** The project's class called `name` (case-insensitive), created if missing. */
export async function getOrCreateClassByName(db: StudioDB, projectId: string, name: string): Promise<ClassRecord> {
  return findOrCreate(db, projectId, name, true);
}

/** Renames a class (a change of case only is allowed); throws if the name is taken. */
export async function renameClass(db: StudioDB, classId: string, rawName: string): Promise<ClassRecord> {
  const name = requireName(rawName, 'Class');
  return inTx(db.transaction(CLASS_STORES, 'readwrite'), async (tx) => {
    const now = Date.now();
    const cls = await tx.objectStore('classes').get(classId);
    if (!cls) throw new Error(`Class ${classId} does not exist.`);
    const siblings = await tx.objectStore('classes').index('by-project').getAll(cls.projectId);
    if (siblings.some((c) => c.id !== classId && nameKey(c.name) === nameKey(name))) throw duplicateNameError(name);
    const updated = { ...cls, name };
    await tx.objectStore('classes').put(updated);
    const project = await tx.objectStore('projects').get(cls.projectId);
    if (project) await tx.objectStore('projects').put({ ...project, updatedAt: Math.max(now, project.updatedAt) });
    return updated;
  });
}

/**
 * Deletes a class with its images and their blobs. Images go in batches (each batch fixes the
 * counters in its own transaction); the class record goes last, in a transaction that checks
 * no image still points at it. Returns false if the class did not exist.
 */
export async function deleteClass(db: StudioDB, classId: string): Promise<boolean> {
  if (!(await db.get('classes', classId))) return false;
  for (;;) {
    const removed = await inTx(db.transaction(IMAGE_WRITE_STORES, 'readwrite'), async (tx) => {
      const ids = await tx.objectStore('images').index('by-class').getAllKeys(classId, BATCH_SIZE);
      return ids.length === 0 ? 0 : deleteImagesInTx(tx, ids, Date.now());
    });
    if (removed > 0) continue;
    const finished = await inTx(db.transaction(CLASS_DELETE_STORES, 'readwrite'), async (tx) => {
      if ((await tx.objectStore('images').index('by-class').count(classId)) > 0) return false; // added meanwhile
      const cls = await tx.objectStore('classes').get(classId);
      if (!cls) return true;
      await tx.objectStore('classes').delete(classId);
      const project = await tx.objectStore('projects').get(cls.projectId);
      if (project) await tx.objectStore('projects').put({ ...project, updatedAt: Math.max(Date.now(), project.updatedAt) });
      return true;
    });
    if (finished) return true;
  }
}

/** Sets the display order; `orderedIds` must list exactly the project's classes. */
export async function reorderClasses(db: StudioDB, projectId: string, orderedIds: readonly string[]): Promise<void> {
  await inTx(db.transaction(CLASS_STORES, 'readwrite'), async (tx) => {
    const classes = await tx.objectStore('classes').index('by-project').getAll(projectId);
    const known = new Set(classes.map((c) => c.id));
    const given = new Set(orderedIds);
    if (given.size !== orderedIds.length || given.size !== known.size || orderedIds.some((id) => !known.has(id))) {
      throw new Error('Cannot reorder: the list must contain each class of the project exactly once.');
    }
    const byId = new Map(classes.map((c) => [c.id, c]));
    await Promise.all(
      orderedIds.map((id, order) => {
        const cls = byId.get(id)!;
        return cls.order === order ? undefined : handled(tx.objectStore('classes').put({ ...cls, order }));
      }),
    );
    const project = await tx.objectStore('projects').get(projectId);
    if (project) await tx.objectStore('projects').put({ ...project, updatedAt: Math.max(Date.now(), project.updatedAt) });
  });
}

/**
 * Moves every image of `sourceIds` into `targetId` and deletes the source classes. All classes
 * must exist and share a project (checked before anything changes). Images move in batches, so
 * an interrupted merge leaves some images moved — with every counter still right.
 */
export async function mergeClasses(db: StudioDB, targetId: string, sourceIds: readonly string[]): Promise<ClassRecord> {
  const sources = [...new Set(sourceIds)].filter((id) => id !== targetId);
  const target = await db.get('classes', targetId);
  if (!target) throw new Error(`Cannot merge: class ${targetId} does not exist.`);
  for (const id of sources) {
    const cls = await db.get('classes', id);
    if (!cls) throw new Error(`Cannot merge: class ${id} does not exist.`);
    if (cls.projectId !== target.projectId) throw new Error(`Cannot merge: class "${cls.name}" is in another project.`);
  }
  const moveBatch = async (tx: ImageMoveTx, sourceId: string): Promise<number | null> => {
    const ids = await tx.objectStore('images').index('by-class').getAllKeys(sourceId, BATCH_SIZE);
    if (ids.length > 0) return moveImagesInTx(tx, ids, targetId, Date.now());
    // Source is empty: remove it in this same transaction (no image can slip in meanwhile).
    await tx.objectStore('classes').delete(sourceId);
    return null;
  };
  for (const sourceId of sources) {
    while ((await inTx(db.transaction(IMAGE_MOVE_STORES, 'readwrite'), (tx) => moveBatch(tx, sourceId))) !== null) {
      // keep moving batches until the source class is empty and deleted
    }
  }
  const merged = await db.get('classes', targetId);
  if (!merged) throw new Error(`Class ${targetId} was deleted during the merge.`);
  return merged;
}
