// Shared fixtures for the persistence tests (not shipped code): a fresh, uniquely named database
// per test, image inputs with real blobs, run and checkpoint inputs, and a check that every
// stored counter matches the data.
import { expect } from 'vitest';
import { BACKBONES } from '../core/backbones/catalog';
import { defaultRunConfig } from '../core/train/run-config';
import { BLOB_STORES, openStudioDb, type CheckpointKind, type CheckpointRecord, type RunRecord, type StudioDB } from '../persistence/db';
import { createRun, type NewRunInput } from '../persistence/runs-repo';
import { listClasses } from '../persistence/classes-repo';
import { addImage, listImagesByClass, projectUsage, type AddImageInput } from '../persistence/images-repo';
import { createProject, getProject } from '../persistence/projects-repo';

let counter = 0;

export function freshDb(): Promise<StudioDB> {
  counter += 1;
  return openStudioDb(`studio-test-${counter}-${crypto.randomUUID()}`);
}

/** A fresh database holding one project with one run (the setup of the run and checkpoint tests). */
export async function freshRun(): Promise<{ db: StudioDB; run: RunRecord }> {
  const db = await freshDb();
  const run = await createRun(db, runInput((await createProject(db, 'P')).id));
  return { db, run };
}

/** A blob of `size` bytes whose content depends on `seed`, so copies can be compared. */
export function bytesBlob(size: number, seed: number, type = 'image/png'): Blob {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (seed * 31 + i * 7) & 0xff;
  return new Blob([bytes], { type });
}

export async function blobBytes(blob: Blob | undefined): Promise<number[] | undefined> {
  return blob ? [...new Uint8Array(await blob.arrayBuffer())] : undefined;
}

let seed = 0;

/** Input for addImage with blob sizes original 100+n, thumbnail 20, training 50. */
export function imageInput(projectId: string, classId: string, overrides: Partial<AddImageInput> = {}): AddImageInput {
  seed += 1;
  return {
    projectId,
    classId,
    name: `folder/img-${seed}.png`,
    hash: `hash-${seed}`,
    mime: 'image/png',
    width: 256,
    height: 256,
    originalWidth: 1024,
    originalHeight: 1024,
    source: 'folder',
    original: bytesBlob(100 + (seed % 7), seed),
    thumbnail: bytesBlob(20, seed + 1),
    training: bytesBlob(50, seed + 2),
    ...overrides,
  };
}

export async function addImages(db: StudioDB, projectId: string, classId: string, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await addImage(db, imageInput(projectId, classId)));
  return out;
}

export async function storeCounts(db: StudioDB) {
  const [images, originals, thumbnails, training, classes, projects] = await Promise.all([
    db.count('images'),
    db.count('originals'),
    db.count('thumbnails'),
    db.count('training'),
    db.count('classes'),
    db.count('projects'),
  ]);
  return { images, originals, thumbnails, training, classes, projects };
}

/** Project and class counters equal what the image records say; every image has its 3 blobs. */
export async function expectConsistent(db: StudioDB, projectId: string): Promise<void> {
  const project = await getProject(db, projectId);
  expect(project).toBeDefined();
  const usage = await projectUsage(db, projectId);
  expect({ images: project!.imageCount, bytes: project!.bytes }).toEqual(usage);
  let sum = 0;
  for (const cls of await listClasses(db, projectId)) {
    const images = await listImagesByClass(db, cls.id);
    expect(cls.imageCount, `count of class ${cls.name}`).toBe(images.length);
    sum += images.length;
  }
  expect(sum).toBe(usage.images);
  const imageKeys = (await db.getAllKeys('images')).sort();
  for (const store of BLOB_STORES) expect((await db.getAllKeys(store)).sort(), store).toEqual(imageKeys);
}

export function runInput(projectId: string, overrides: Partial<NewRunInput> = {}): NewRunInput {
  return {
    projectId,
    status: 'running',
    config: defaultRunConfig(BACKBONES[0]),
    classes: [
      { id: 'class-a', name: 'cat' },
      { id: 'class-b', name: 'dog' },
    ],
    split: { train: ['img-1', 'img-2'], val: ['img-3'] },
    totalEpochs: 10,
    parentRunId: null,
    ...overrides,
  };
}

/** `size` bytes depending on `seed` (every bit pattern occurs, NaN payloads included). */
export function seededBuffer(size: number, seed: number): ArrayBuffer {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (seed * 131 + i * 17 + ((i * i) >> 3)) & 0xff;
  return bytes.buffer;
}

/** A checkpoint with 8 weight floats (32 bytes) and 7 optimizer values (28 bytes). */
export function checkpointRecord(runId: string, kind: CheckpointKind, epoch: number, seed = epoch): CheckpointRecord {
  return {
    runId,
    kind,
    epoch,
    stage: 1,
    step: epoch * 10,
    createdAt: 1_000 + epoch,
    weights: [
      { name: 'head/kernel', shape: [3, 2], dtype: 'float32' },
      { name: 'head/bias', shape: [2], dtype: 'float32' },
    ],
    weightData: seededBuffer(32, seed),
    optimizer: [
      { name: 'iterations', shape: [], dtype: 'int32' },
      { name: 'head/kernel/m', shape: [3, 2], dtype: 'float32' },
    ],
    optimizerData: seededBuffer(28, seed + 1000),
    state: { earlyStopping: { best: 0.5, wait: 1 }, rng: [1, 2, 3, 4], epochInStage: epoch },
  };
}

export async function runCounts(db: StudioDB) {
  const [runs, checkpoints] = await Promise.all([db.count('runs'), db.count('checkpoints')]);
  return { runs, checkpoints };
}
