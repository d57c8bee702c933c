// Bulk removal of runs and checkpoints for projects-repo: everything of a deleted project (in
// batches) and leftovers whose project or run is gone (a project delete cut short by a closed tab).
import type { IDBPTransaction } from 'idb';
import type { StudioDB, StudioSchema } from './db';
import { BATCH_SIZE, chunk, handled, inTx } from './repo-utils';
import { RUN_COUNTER_PREFIX, RUN_DELETE_STORES } from './runs-repo';

const ORPHAN_RUN_STORES = ['projects', 'runs', 'checkpoints'] as const;

/** Deletes runs and all their checkpoints inside `tx`; returns how many checkpoints went. */
export async function deleteRunsInTx(
  tx: IDBPTransaction<StudioSchema, typeof RUN_DELETE_STORES | typeof ORPHAN_RUN_STORES, 'readwrite'>,
  runIds: readonly string[],
): Promise<number> {
  const checkpoints = tx.objectStore('checkpoints');
  const cpKeys = (await Promise.all(runIds.map((id) => handled(checkpoints.index('by-run').getAllKeys(id))))).flat();
  await Promise.all([
    ...runIds.map((id) => handled(tx.objectStore('runs').delete(id))),
    ...cpKeys.map((k) => handled(checkpoints.delete(k))),
  ]);
  return cpKeys.length;
}

/**
 * Deletes all runs of a project with their checkpoints, BATCH_SIZE runs per transaction, and
 * the project's run counter. Returns how many runs were deleted.
 */
export async function deleteProjectRuns(db: StudioDB, projectId: string): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await inTx(db.transaction(RUN_DELETE_STORES, 'readwrite'), async (tx) => {
      const ids = await tx.objectStore('runs').index('by-project').getAllKeys(projectId, BATCH_SIZE);
      await deleteRunsInTx(tx, ids);
      return ids.length;
    });
    if (removed === 0) break;
    total += removed;
  }
  await db.delete('meta', RUN_COUNTER_PREFIX + projectId);
  return total;
}

/**
 * Deletes runs whose project is neither in `live` nor in the database (re-checked inside each
 * delete transaction, so a project created meanwhile keeps its runs), checkpoints whose run is
 * gone, and run counters of gone projects. Returns the numbers of runs and checkpoints deleted.
 */
export async function removeOrphanRuns(
  db: StudioDB,
  live: ReadonlySet<string>,
): Promise<{ runs: number; checkpoints: number }> {
  // Key cursor over the index: run ids and project ids without loading the run records.
  const orphans: { runId: string; projectId: string }[] = [];
  const index = db.transaction('runs').store.index('by-project');
  for (let c = await index.openKeyCursor(); c; c = await c.continue()) {
    if (!live.has(c.key)) orphans.push({ runId: c.primaryKey, projectId: c.key });
  }
  let runs = 0;
  let checkpoints = 0;
  for (const batch of chunk(orphans)) {
    const done = await inTx(db.transaction(ORPHAN_RUN_STORES, 'readwrite'), async (tx) => {
      const exists = await Promise.all(batch.map((o) => handled(tx.objectStore('projects').getKey(o.projectId))));
      const ids = batch.filter((_, i) => exists[i] === undefined).map((o) => o.runId);
      return { runs: ids.length, checkpoints: await deleteRunsInTx(tx, ids) };
    });
    runs += done.runs;
    checkpoints += done.checkpoints;
  }

  // Checkpoint keys are read BEFORE run keys: saveCheckpoint needs its run to exist in the same
  // transaction, so a checkpoint seen here whose run is missing from the later list has none.
  const cpKeys = await db.getAllKeys('checkpoints');
  const runIds = new Set(await db.getAllKeys('runs'));
  const stray = cpKeys.filter(([runId]) => !runIds.has(runId));
  for (const batch of chunk(stray)) {
    await inTx(db.transaction('checkpoints', 'readwrite'), (tx) => Promise.all(batch.map((k) => handled(tx.store.delete(k)))));
  }
  checkpoints += stray.length;

  const counters = (await db.getAllKeys('meta')).filter(
    (k) => k.startsWith(RUN_COUNTER_PREFIX) && !live.has(k.slice(RUN_COUNTER_PREFIX.length)),
  );
  await inTx(db.transaction(['projects', 'meta'], 'readwrite'), async (tx) => {
    for (const key of counters) {
      const projectId = key.slice(RUN_COUNTER_PREFIX.length);
      if ((await tx.objectStore('projects').getKey(projectId)) === undefined) await tx.objectStore('meta').delete(key);
    }
  });
  return { runs, checkpoints };
}
