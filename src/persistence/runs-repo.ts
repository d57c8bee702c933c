// Training runs: create (numbered 'Run N' per project), per-epoch metrics, heartbeats that let a
// new tab spot runs whose tab died, and delete together with their checkpoints.
import type { BatchPoint, EpochMetrics } from '../core/train/run-config';
import type { RunRecord, StudioDB } from './db';
import { handled, inTx, newId, requireName } from './repo-utils';

/** Stores a transaction needs to delete runs with their checkpoints. */
export const RUN_DELETE_STORES = ['runs', 'checkpoints'] as const;
/** Most batch points a run keeps; see capBatchPoints. */
export const MAX_BATCH_POINTS = 3_000;
/** meta key prefix of the per-project count of runs ever created (so names never repeat). */
export const RUN_COUNTER_PREFIX = 'run-counter:';

export type NewRunInput = Omit<
  RunRecord,
  | 'id'
  | 'name'
  | 'createdAt'
  | 'updatedAt'
  | 'heartbeatAt'
  | 'history'
  | 'batches'
  | 'bestEpoch'
  | 'bestValAcc'
  | 'bestValLoss'
  | 'lastCheckpointEpoch'
  | 'error'
  | 'backend'
  | 'backendReason'
> & { name?: string };

export interface BestSoFar {
  epoch: number;
  valAcc: number | null;
  valLoss: number | null;
}

/**
 * Creates a run in one transaction with the project check and the name counter. Without a name
 * it is called 'Run N', N = 1 + runs ever created in the project (a counter in `meta`, so a
 * deleted run's number is never reused); a custom name counts too. Throws if the project is gone.
 */
export async function createRun(db: StudioDB, input: NewRunInput): Promise<RunRecord> {
  const customName = input.name === undefined ? undefined : requireName(input.name, 'Run');
  const counterKey = RUN_COUNTER_PREFIX + input.projectId;
  return inTx(db.transaction(['projects', 'runs', 'meta'], 'readwrite'), async (tx) => {
    if (!(await tx.objectStore('projects').getKey(input.projectId))) {
      throw new Error(`Cannot create run: project ${input.projectId} does not exist.`);
    }
    const stored = await tx.objectStore('meta').get(counterKey);
    // The count guards against a lost counter (e.g. meta cleared by hand).
    const existing = await tx.objectStore('runs').index('by-project').count(input.projectId);
    const n = Math.max(typeof stored === 'number' ? stored : 0, existing) + 1;
    const now = Date.now();
    const record: RunRecord = {
      ...input,
      id: newId(),
      name: customName ?? `Run ${n}`,
      createdAt: now,
      updatedAt: now,
      heartbeatAt: now,
      history: [],
      batches: [],
      backend: null,
      backendReason: null,
      bestEpoch: null,
      bestValAcc: null,
      bestValLoss: null,
      lastCheckpointEpoch: null,
      error: null,
    };
    await Promise.all([
      handled(tx.objectStore('meta').put(n, counterKey)),
      handled(tx.objectStore('runs').add(record)),
    ]);
    return record;
  });
}

export async function getRun(db: StudioDB, id: string): Promise<RunRecord | undefined> {
  return db.get('runs', id);
}

/** Runs of a project, newest first (ties: higher 'Run N' first). */
export async function listRuns(db: StudioDB, projectId: string): Promise<RunRecord[]> {
  const runs = await db.getAllFromIndex('runs', 'by-project', projectId);
  return runs.sort(
    (a, b) => b.createdAt - a.createdAt || b.name.localeCompare(a.name, undefined, { numeric: true }),
  );
}

async function changeRun(
  db: StudioDB,
  id: string,
  change: (run: RunRecord, now: number) => RunRecord,
): Promise<RunRecord> {
  return inTx(db.transaction('runs', 'readwrite'), async (tx) => {
    const run = await tx.store.get(id);
    if (!run) throw new Error(`Run ${id} does not exist.`);
    const updated = change(run, Date.now());
    await tx.store.put(updated);
    return updated;
  });
}

/**
 * Applies `patch` and sets updatedAt. `id`, `projectId` and `createdAt` are never changed by a
 * patch (the split and labels belong to that project). Throws if the run does not exist.
 */
export async function updateRun(db: StudioDB, id: string, patch: Partial<RunRecord>): Promise<RunRecord> {
  return changeRun(db, id, (run, now) => ({
    ...run,
    ...patch,
    id: run.id,
    projectId: run.projectId,
    createdAt: run.createdAt,
    updatedAt: now,
  }));
}

export async function renameRun(db: StudioDB, id: string, rawName: string): Promise<RunRecord> {
  const name = requireName(rawName, 'Run');
  return updateRun(db, id, { name });
}

/**
 * `old` followed by `fresh`, at most `cap` points. While over, every other OLD point is dropped
 * (the first is kept), so the newest points stay at full resolution and older stretches get
 * coarser by halves (the stored `smooth` loss keeps their trend). Only when at most one old
 * point is left are the fresh points themselves halved.
 */
export function capBatchPoints(old: readonly BatchPoint[], fresh: readonly BatchPoint[], cap = MAX_BATCH_POINTS): BatchPoint[] {
  let points = [...old, ...fresh];
  let oldCount = old.length;
  const limit = Math.max(1, cap);
  while (points.length > limit) {
    if (oldCount < 2) oldCount = points.length;
    const thinned = points.slice(0, oldCount).filter((_, i) => i % 2 === 0);
    points = [...thinned, ...points.slice(oldCount)];
    oldCount = thinned.length;
  }
  return points;
}

/**
 * Appends one epoch's metrics and batch points (and the best-so-far, if given) in one
 * transaction; also refreshes the heartbeat. Resuming from a checkpoint replays epochs, so if
 * `metrics` is for an epoch (same stage and number) already in the history, that entry and
 * everything after it is replaced, and stored batch points from the first new step on are
 * dropped (this assumes `BatchPoint.step` counts up over the whole run). Batches are capped
 * with capBatchPoints.
 */
export async function recordEpoch(
  db: StudioDB,
  id: string,
  metrics: EpochMetrics,
  batches: readonly BatchPoint[],
  best?: BestSoFar,
): Promise<RunRecord> {
  return changeRun(db, id, (run, now) => {
    let history = run.history;
    let oldBatches = run.batches;
    const replay = history.findIndex((m) => m.stage === metrics.stage && m.epoch === metrics.epoch);
    if (replay >= 0) {
      history = history.slice(0, replay);
      if (batches.length > 0) oldBatches = oldBatches.filter((b) => b.step < batches[0].step);
    }
    return {
      ...run,
      history: [...history, metrics],
      batches: capBatchPoints(oldBatches, batches),
      ...(best ? { bestEpoch: best.epoch, bestValAcc: best.valAcc, bestValLoss: best.valLoss } : {}),
      updatedAt: now,
      heartbeatAt: now,
    };
  });
}

/**
 * Refreshes heartbeatAt (only that field) and returns the run, or undefined if it was deleted.
 * A trainer should stop when the returned status is no longer 'running' (stopped by the user
 * or marked interrupted by another tab, which may resume it from the last checkpoint).
 */
export async function heartbeat(db: StudioDB, id: string): Promise<RunRecord | undefined> {
  return inTx(db.transaction('runs', 'readwrite'), async (tx) => {
    const run = await tx.store.get(id);
    if (!run) return undefined;
    const updated = { ...run, heartbeatAt: Date.now() };
    await tx.store.put(updated);
    return updated;
  });
}

/**
 * Marks every 'running' run whose heartbeat is older than `staleMs` as 'interrupted' (its tab
 * was closed or crashed) and returns the updated runs. Call on app start, before offering to
 * resume runs. One transaction; other statuses are left alone.
 */
export async function markInterruptedRuns(db: StudioDB, staleMs = 15_000): Promise<RunRecord[]> {
  const now = Date.now();
  return inTx(db.transaction('runs', 'readwrite'), async (tx) => {
    const marked: RunRecord[] = [];
    for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
      const run = cursor.value;
      if (run.status !== 'running' || now - run.heartbeatAt <= staleMs) continue;
      const updated: RunRecord = { ...run, status: 'interrupted', updatedAt: now };
      await cursor.update(updated);
      marked.push(updated);
    }
    return marked;
  });
}

/**
 * Deletes a run and its checkpoints in one transaction. Runs that name it as parentRunId keep
 * the (now dangling) id. Deleting a missing run is a no-op. The project's run counter is kept.
 */
export async function deleteRun(db: StudioDB, id: string): Promise<void> {
  await inTx(db.transaction(RUN_DELETE_STORES, 'readwrite'), async (tx) => {
    const cpKeys = await tx.objectStore('checkpoints').index('by-run').getAllKeys(id);
    await Promise.all([
      handled(tx.objectStore('runs').delete(id)),
      ...cpKeys.map((k) => handled(tx.objectStore('checkpoints').delete(k))),
    ]);
  });
}

/** Appends a line to the run's log (what the trainer chose and why). */
export async function appendRunLog(db: StudioDB, id: string, line: string): Promise<RunRecord> {
  return changeRun(db, id, (run, now) => ({ ...run, log: [...(run.log ?? []), line], updatedAt: now }));
}
