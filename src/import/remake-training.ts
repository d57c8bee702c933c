// Remakes the training copies of a project's images at its current training size, from the
// originals, in the decode workers. Written in batches (each image's blob, record and the
// project's bytes together); cancel keeps what was remade; an image that fails keeps its old copy.
import type { SkipEntry } from '../core/data/types';
import type { ImageRecord, StudioDB } from '../persistence/db';
import { getBlobs, listImages, replaceTrainingCopies, type TrainingCopyUpdate } from '../persistence/images-repo';
import { getProject } from '../persistence/projects-repo';
import type { DecodePool } from '../worker/decode/decode-client';
import { withRate, type ImportProgress } from './types';

const BATCH = 16;

/** Whether an image's training copy is not at `size` (images smaller than `size` are kept as they are). */
export function needsRemake(image: Pick<ImageRecord, 'width' | 'height' | 'originalWidth' | 'originalHeight'>, size: number): boolean {
  const target = Math.min(size, Math.min(image.originalWidth, image.originalHeight));
  return Math.min(image.width, image.height) !== target;
}

export interface RemakeResult {
  remade: number;
  failed: SkipEntry[];
  cancelled: number;
}

export async function remakeTrainingCopies(opts: {
  db: StudioDB;
  pool: DecodePool;
  projectId: string;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}): Promise<RemakeResult> {
  const { db, pool, projectId, signal } = opts;
  const project = await getProject(db, projectId);
  if (!project) throw new Error('This project no longer exists.');
  const size = project.trainingSize;
  const todo = (await listImages(db, projectId)).filter((i) => needsRemake(i, size));
  const startedAt = Date.now();
  const progress: ImportProgress = { total: todo.length, done: 0, imported: 0, skipped: 0, startedAt, rate: 0, etaSeconds: null, phase: 'remaking' };
  const emit = () => opts.onProgress?.(withRate(progress));
  emit();
  const result: RemakeResult = { remade: 0, failed: [], cancelled: 0 };
  for (let start = 0; start < todo.length; start += BATCH) {
    if (signal?.aborted) {
      result.cancelled = todo.length - start;
      break;
    }
    const batch = todo.slice(start, start + BATCH);
    const originals = await getBlobs(db, 'originals', batch.map((img) => img.id));
    const decoded = await Promise.all(
      batch.map(async (img, i): Promise<TrainingCopyUpdate | null> => {
        const original = originals[i];
        if (!original) {
          result.failed.push({ path: img.name, code: 'corrupt', reason: 'the original is missing from storage' });
          return null;
        }
        const res = await pool.decode(original, img.name, size);
        if (!res.ok) {
          result.failed.push({ path: img.name, code: res.code, reason: res.reason });
          return null;
        }
        return { id: img.id, training: res.training, width: res.width, height: res.height };
      }),
    );
    const updates = decoded.filter((u): u is TrainingCopyUpdate => u != null);
    result.remade += await replaceTrainingCopies(db, projectId, updates);
    progress.done += batch.length;
    progress.imported = result.remade;
    progress.skipped = result.failed.length;
    progress.current = batch[batch.length - 1].name;
    emit();
  }
  return result;
}
