// Checkpoints of a run ('last' to resume after a closed tab, 'best' for early stopping's
// restore): weights and optimizer slots as raw ArrayBuffers, saved atomically with the run.
import type { CheckpointKind, CheckpointRecord, StudioDB, TensorEntry } from './db';
import { handled, inTx } from './repo-utils';

const BYTES_PER_ELEMENT: Record<TensorEntry['dtype'], number> = { float32: 4, int32: 4 };
const KIND_ORDER: Record<CheckpointKind, number> = { last: 0, best: 1 };

/** Bytes the entries' values take, in list order; throws on a malformed shape. */
export function tensorBytes(entries: readonly TensorEntry[]): number {
  let total = 0;
  for (const e of entries) {
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`Tensor "${e.name}" has an invalid shape [${e.shape.join(', ')}].`);
    }
    total += e.shape.reduce((n, d) => n * d, 1) * BYTES_PER_ELEMENT[e.dtype];
  }
  return total;
}

function checkData(what: string, entries: readonly TensorEntry[], data: ArrayBuffer): void {
  const expected = tensorBytes(entries);
  if (data.byteLength !== expected) {
    throw new Error(`Checkpoint ${what} describe ${expected} bytes but the data holds ${data.byteLength}.`);
  }
}

/**
 * Writes the checkpoint (replacing the run's previous one of the same kind) and, for 'last',
 * sets the run's lastCheckpointEpoch, in ONE transaction: on any failure (StorageFullError for
 * quota) the previous checkpoint and the run stay as they were. Throws if the run does not exist
 * or the buffers do not match their tensor lists. The buffers are copied, so the caller may
 * reuse them once this returns.
 */
export async function saveCheckpoint(db: StudioDB, cp: CheckpointRecord): Promise<void> {
  checkData('weights', cp.weights, cp.weightData);
  checkData('optimizer slots', cp.optimizer, cp.optimizerData);
  await inTx(db.transaction(['runs', 'checkpoints'], 'readwrite'), async (tx) => {
    const run = await tx.objectStore('runs').get(cp.runId);
    if (!run) throw new Error(`Cannot save checkpoint: run ${cp.runId} does not exist.`);
    const writes: Promise<unknown>[] = [handled(tx.objectStore('checkpoints').put(cp))];
    if (cp.kind === 'last') {
      writes.push(handled(tx.objectStore('runs').put({ ...run, lastCheckpointEpoch: cp.epoch, updatedAt: Date.now() })));
    }
    await Promise.all(writes);
  });
}

export async function getCheckpoint(
  db: StudioDB,
  runId: string,
  kind: CheckpointKind,
): Promise<CheckpointRecord | undefined> {
  return db.get('checkpoints', [runId, kind]);
}

/** A run's checkpoints, 'last' before 'best'; whole records (IndexedDB loads the buffers anyway). */
export async function listCheckpoints(db: StudioDB, runId: string): Promise<CheckpointRecord[]> {
  const all = await db.getAllFromIndex('checkpoints', 'by-run', runId);
  return all.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
}

/** Deletes all checkpoints of a run in one transaction (the run itself and its fields stay). */
export async function deleteCheckpoints(db: StudioDB, runId: string): Promise<number> {
  return inTx(db.transaction('checkpoints', 'readwrite'), async (tx) => {
    const keys = await tx.store.index('by-run').getAllKeys(runId);
    await Promise.all(keys.map((k) => handled(tx.store.delete(k))));
    return keys.length;
  });
}
