// Whole projects: list, create, rename, duplicate (batched copy, project record written last),
// delete (record first, content and runs in batches) and cleanup of content left by interrupted work.
import { BLOB_STORES, DEFAULT_TRAINING_SIZE, type ClassRecord, type ProjectRecord, type StudioDB } from './db';
import { deleteImageRowsInTx, imageBytes, IMAGE_ROW_STORES } from './images-repo';
import { BATCH_SIZE, chunk, handled, inTx, newId, requireName } from './repo-utils';
import { deleteProjectRuns, removeOrphanRuns } from './run-cleanup';

/** Images copied per transaction by duplicateProject (each carries three blobs). */
const COPY_BATCH_SIZE = 100;
/** meta key marking a duplicate in progress, so removeOrphans (e.g. in another tab) spares it. */
export const COPY_MARKER_PREFIX = 'copy-in-progress:';
/** A copy whose marker has not been refreshed for this long is considered dead. */
export const STALE_COPY_MS = 5 * 60_000;

interface CopyMarker {
  sourceId: string;
  startedAt: number;
  heartbeatAt: number;
}

/** Projects, most recently updated first. */
export async function listProjects(db: StudioDB): Promise<ProjectRecord[]> {
  const all = await db.getAll('projects');
  return all.sort((a, b) => b.updatedAt - a.updatedAt || a.name.localeCompare(b.name));
}

export async function getProject(db: StudioDB, id: string): Promise<ProjectRecord | undefined> {
  return db.get('projects', id);
}

export async function createProject(db: StudioDB, rawName: string): Promise<ProjectRecord> {
  const name = requireName(rawName, 'Project');
  const now = Date.now();
  const record: ProjectRecord = {
    id: newId(),
    name,
    createdAt: now,
    updatedAt: now,
    trainingSize: DEFAULT_TRAINING_SIZE,
    imageCount: 0,
    bytes: 0,
  };
  await inTx(db.transaction('projects', 'readwrite'), (tx) => tx.store.add(record));
  return record;
}

async function updateProject(
  db: StudioDB,
  id: string,
  change: (p: ProjectRecord, now: number) => ProjectRecord,
): Promise<ProjectRecord> {
  return inTx(db.transaction('projects', 'readwrite'), async (tx) => {
    const project = await tx.store.get(id);
    if (!project) throw new Error(`Project ${id} does not exist.`);
    const updated = change(project, Date.now());
    await tx.store.put(updated);
    return updated;
  });
}

export async function renameProject(db: StudioDB, id: string, rawName: string): Promise<ProjectRecord> {
  const name = requireName(rawName, 'Project');
  return updateProject(db, id, (p, now) => ({ ...p, name, updatedAt: Math.max(now, p.updatedAt) }));
}

/** Marks the project as just used (moves it to the top of the list). */
/** Sizes offered for training copies (shortest side, px). */
export const TRAINING_SIZES = [128, 160, 192, 224, 256, 320, 384, 512] as const;

/** Changes the shortest side of training copies made by later imports. */
export async function setTrainingSize(db: StudioDB, id: string, size: number): Promise<ProjectRecord> {
  if (!Number.isInteger(size) || size < 64 || size > 1024) throw new Error(`Training size must be a whole number of pixels from 64 to 1024, not ${size}.`);
  return updateProject(db, id, (p, now) => ({ ...p, trainingSize: size, updatedAt: now }));
}

export async function touchProject(db: StudioDB, id: string): Promise<ProjectRecord> {
  return updateProject(db, id, (p, now) => ({ ...p, updatedAt: Math.max(now, p.updatedAt) }));
}

/**
 * Copies a project: classes, image records and all three blobs, with new ids. Training runs and
 * their checkpoints are NOT copied: their splits and label snapshots name the source's image and
 * class ids, so the copy starts with no runs (and its run numbering starts at 'Run 1').
 *
 * Crash safety: images are copied in batches of COPY_BATCH_SIZE (one transaction each, so 5,000
 * images never form one giant transaction). The classes and the new project record are written
 * LAST, in one transaction, so an interrupted copy never shows up as a half-copied project: its
 * images are orphans (no project record) that removeOrphans deletes on the next start. A meta
 * marker, refreshed every batch, keeps removeOrphans in another tab from deleting a copy that is
 * still running. On a failure (e.g. StorageFullError) the partial copy is removed and the error
 * rethrown.
 */
export async function duplicateProject(db: StudioDB, id: string, newName?: string): Promise<ProjectRecord> {
  const source = await getProject(db, id);
  if (!source) throw new Error(`Project ${id} does not exist.`);
  const name = requireName(newName ?? `${source.name} (copy)`, 'Project');
  const copyId = newId();
  const markerKey = COPY_MARKER_PREFIX + copyId;
  const startedAt = Date.now();
  await db.put('meta', { sourceId: id, startedAt, heartbeatAt: startedAt } satisfies CopyMarker, markerKey);

  try {
    const sourceClasses = await db.getAllFromIndex('classes', 'by-project', id);
    const classIdMap = new Map(sourceClasses.map((c) => [c.id, newId()]));
    const perClass = new Map<string, number>();
    let imageCount = 0;
    let bytes = 0;
    const imageIds = await db.getAllKeysFromIndex('images', 'by-project', id);

    for (const batch of chunk(imageIds, COPY_BATCH_SIZE)) {
      const tx = db.transaction([...IMAGE_ROW_STORES, 'meta'], 'readwrite');
      await inTx(tx, async () => {
        const heartbeatAt = Date.now();
        const puts: Promise<unknown>[] = [
          handled(tx.objectStore('meta').put({ sourceId: id, startedAt, heartbeatAt } satisfies CopyMarker, markerKey)),
        ];
        const records = await Promise.all(batch.map((imageId) => handled(tx.objectStore('images').get(imageId))));
        for (const r of records) {
          const classId = r && classIdMap.get(r.classId);
          if (!r || !classId || r.projectId !== id) continue; // deleted or moved meanwhile
          const blobs = await Promise.all(BLOB_STORES.map((s) => handled(tx.objectStore(s).get(r.id))));
          const copy = { ...r, id: newId(), projectId: copyId, classId };
          puts.push(handled(tx.objectStore('images').add(copy)));
          BLOB_STORES.forEach((s, i) => {
            const blob = blobs[i];
            if (blob) puts.push(handled(tx.objectStore(s).put(blob, copy.id)));
          });
          perClass.set(classId, (perClass.get(classId) ?? 0) + 1);
          imageCount++;
          bytes += imageBytes(copy);
        }
        await Promise.all(puts);
      });
    }

    const now = Date.now();
    const project: ProjectRecord = { ...source, id: copyId, name, createdAt: now, updatedAt: now, imageCount, bytes };
    const tx = db.transaction(['projects', 'classes', 'meta'], 'readwrite');
    await inTx(tx, async () => {
      await Promise.all([
        ...sourceClasses.map((c) => {
          const newClassId = classIdMap.get(c.id)!;
          const copy: ClassRecord = { ...c, id: newClassId, projectId: copyId, imageCount: perClass.get(newClassId) ?? 0 };
          return handled(tx.objectStore('classes').add(copy));
        }),
        handled(tx.objectStore('projects').add(project)), // the write that makes the copy visible
        handled(tx.objectStore('meta').delete(markerKey)),
      ]);
    });
    return project;
  } catch (e) {
    await deleteProjectContent(db, copyId).catch(() => undefined);
    await db.delete('meta', markerKey).catch(() => undefined);
    throw e;
  }
}

/** Deletes classes, image records and blobs of `projectId` in batches (no counters to keep). */
async function deleteProjectContent(db: StudioDB, projectId: string): Promise<void> {
  for (;;) {
    const removed = await inTx(db.transaction(IMAGE_ROW_STORES, 'readwrite'), async (tx) => {
      const ids = await tx.objectStore('images').index('by-project').getAllKeys(projectId, BATCH_SIZE);
      await deleteImageRowsInTx(tx, ids);
      return ids.length;
    });
    if (removed === 0) break;
  }
  const classIds = await db.getAllKeysFromIndex('classes', 'by-project', projectId);
  for (const batch of chunk(classIds)) {
    await inTx(db.transaction('classes', 'readwrite'), (tx) => Promise.all(batch.map((c) => handled(tx.store.delete(c)))));
  }
}

/**
 * Deletes a project. The project record goes first, in its own transaction, so the project
 * disappears at once; its classes, images and blobs, then its runs with their checkpoints,
 * follow in batches. If that is interrupted, removeOrphans finishes the job on the next start.
 * Deleting a missing project is a no-op.
 */
export async function deleteProject(db: StudioDB, id: string): Promise<void> {
  await inTx(db.transaction('projects', 'readwrite'), (tx) => tx.store.delete(id));
  await deleteProjectContent(db, id);
  await deleteProjectRuns(db, id);
}

export interface OrphanReport {
  classes: number;
  images: number;
  blobs: number;
  runs: number;
  checkpoints: number;
}

/**
 * Deletes classes, images and runs whose project does not exist, blobs without an image record
 * and checkpoints without a run: leftovers of an interrupted delete or duplicate. Call on app
 * start. Copies still running (marker refreshed within STALE_COPY_MS) are spared; stale markers
 * are removed.
 */
export async function removeOrphans(db: StudioDB, now: number = Date.now()): Promise<OrphanReport> {
  const live = new Set<string>(await db.getAllKeys('projects'));
  for (const key of await db.getAllKeys('meta')) {
    if (!key.startsWith(COPY_MARKER_PREFIX)) continue;
    const marker = (await db.get('meta', key)) as CopyMarker | undefined;
    if (marker && now - marker.heartbeatAt < STALE_COPY_MS) live.add(key.slice(COPY_MARKER_PREFIX.length));
    else await db.delete('meta', key);
  }

  const orphanClasses = (await db.getAll('classes')).filter((c) => !live.has(c.projectId)).map((c) => c.id);
  for (const batch of chunk(orphanClasses)) {
    await inTx(db.transaction('classes', 'readwrite'), (tx) => Promise.all(batch.map((c) => handled(tx.store.delete(c)))));
  }

  const orphanImages = (await db.getAll('images')).filter((r) => !live.has(r.projectId)).map((r) => r.id);
  for (const batch of chunk(orphanImages)) {
    await inTx(db.transaction(IMAGE_ROW_STORES, 'readwrite'), (tx) => deleteImageRowsInTx(tx, batch));
  }

  // Blob keys are read BEFORE image keys: addImage writes record and blobs atomically, so any
  // blob seen here whose record is missing from the later key list really has no record.
  const blobKeys = await Promise.all(BLOB_STORES.map((s) => db.getAllKeys(s)));
  const imageIds = new Set(await db.getAllKeys('images'));
  let blobs = 0;
  for (const [i, store] of BLOB_STORES.entries()) {
    const stray = blobKeys[i].filter((k) => !imageIds.has(k));
    for (const batch of chunk(stray)) {
      await inTx(db.transaction(store, 'readwrite'), (tx) => Promise.all(batch.map((k) => handled(tx.store.delete(k)))));
    }
    blobs += stray.length;
  }
  const { runs, checkpoints } = await removeOrphanRuns(db, live);
  return { classes: orphanClasses.length, images: orphanImages.length, blobs, runs, checkpoints };
}
