// Runs: 'Run N' numbering that survives deletes, listing, patches, per-epoch recording with the
// batch-point cap and replays, heartbeats, interrupted-run detection and delete with checkpoints.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchPoint, EpochMetrics } from '../core/train/run-config';
import type { StudioDB } from './db';
import { getCheckpoint, saveCheckpoint } from './checkpoints-repo';
import { createProject } from './projects-repo';
import {
  capBatchPoints,
  createRun,
  deleteRun,
  getRun,
  heartbeat,
  listRuns,
  markInterruptedRuns,
  MAX_BATCH_POINTS,
  recordEpoch,
  renameRun,
  RUN_COUNTER_PREFIX,
  updateRun,
} from './runs-repo';
import { checkpointRecord, freshDb, runCounts, runInput } from '../test-support/studio-db';

let db: StudioDB;
beforeEach(async () => {
  db = await freshDb();
});
afterEach(() => {
  vi.restoreAllMocks();
  db.close();
});

const metrics = (epoch: number, stage: 1 | 2 = 1): EpochMetrics => ({
  epoch, stage, trainLoss: 1 / epoch, trainAcc: 0.5, valLoss: 0.9, valAcc: 0.6, lr: 1e-3, seconds: 2, imagesPerSecond: 50,
});
const points = (from: number, n: number): BatchPoint[] =>
  Array.from({ length: n }, (_, i) => ({ step: from + i, loss: 1, smooth: 1, lr: 1e-3 }));

describe('createRun', () => {
  it('fills defaults and numbers runs per project, never reusing a number after deletes', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(5_000);
    const a = await createProject(db, 'A');
    const b = await createProject(db, 'B');
    const r1 = await createRun(db, runInput(a.id));
    expect(r1).toMatchObject({
      name: 'Run 1', projectId: a.id, status: 'running', createdAt: 5_000, updatedAt: 5_000, heartbeatAt: 5_000,
      history: [], batches: [], backend: null, backendReason: null, bestEpoch: null, bestValAcc: null,
      bestValLoss: null, lastCheckpointEpoch: null, error: null, parentRunId: null, totalEpochs: 10,
    });
    expect(r1.config).toEqual(runInput(a.id).config);
    expect(await getRun(db, r1.id)).toEqual(r1);
    const r2 = await createRun(db, runInput(a.id));
    expect(r2.name).toBe('Run 2');
    expect((await createRun(db, runInput(b.id))).name).toBe('Run 1'); // per project
    await deleteRun(db, r2.id);
    await deleteRun(db, r1.id);
    expect((await createRun(db, runInput(a.id))).name).toBe('Run 3');
    expect((await createRun(db, runInput(a.id, { name: '  Baseline ' }))).name).toBe('Baseline');
    expect((await createRun(db, runInput(a.id))).name).toBe('Run 5'); // custom names count too
    expect(await db.get('meta', RUN_COUNTER_PREFIX + a.id)).toBe(5);
  });

  it('rejects a missing project or an empty name and writes nothing', async () => {
    const p = await createProject(db, 'P');
    await expect(createRun(db, runInput('nope'))).rejects.toThrow(/does not exist/);
    await expect(createRun(db, runInput(p.id, { name: ' ' }))).rejects.toThrow(/must not be empty/);
    expect(await runCounts(db)).toEqual({ runs: 0, checkpoints: 0 });
    expect(await db.getAllKeys('meta')).toEqual([]);
  });

  it('numbers past existing runs when the counter is lost', async () => {
    const p = await createProject(db, 'P');
    await createRun(db, runInput(p.id));
    await createRun(db, runInput(p.id));
    await db.delete('meta', RUN_COUNTER_PREFIX + p.id);
    expect((await createRun(db, runInput(p.id))).name).toBe('Run 3');
  });
});

describe('listRuns, updateRun, renameRun', () => {
  it('lists a project\'s runs newest first', async () => {
    const clock = vi.spyOn(Date, 'now');
    const p = await createProject(db, 'P');
    const other = await createProject(db, 'Other');
    clock.mockReturnValue(100);
    await createRun(db, runInput(p.id));
    clock.mockReturnValue(300);
    await createRun(db, runInput(p.id));
    clock.mockReturnValue(200);
    await createRun(db, runInput(p.id));
    await createRun(db, runInput(other.id));
    clock.mockReturnValue(300);
    await createRun(db, runInput(p.id)); // same time as Run 2: higher number first
    expect((await listRuns(db, p.id)).map((r) => r.name)).toEqual(['Run 4', 'Run 2', 'Run 3', 'Run 1']);
    expect(await listRuns(db, 'missing')).toEqual([]);
  });

  it('patches fields, sets updatedAt, protects id/projectId/createdAt and validates names', async () => {
    const clock = vi.spyOn(Date, 'now').mockReturnValue(1_000);
    const p = await createProject(db, 'P');
    const run = await createRun(db, runInput(p.id));
    clock.mockReturnValue(2_000);
    const patched = await updateRun(db, run.id, {
      status: 'error', error: 'WebGL context lost', backend: 'webgl', backendReason: 'no WebGPU adapter',
      id: 'hijack', projectId: 'elsewhere', createdAt: 1,
    });
    expect(patched).toMatchObject({ id: run.id, projectId: p.id, createdAt: 1_000, updatedAt: 2_000, status: 'error', backend: 'webgl' });
    expect(await getRun(db, run.id)).toEqual(patched);
    expect(await getRun(db, 'hijack')).toBeUndefined();
    expect((await renameRun(db, run.id, ' Best so far ')).name).toBe('Best so far');
    await expect(renameRun(db, run.id, '')).rejects.toThrow(/must not be empty/);
    await expect(updateRun(db, 'missing', { status: 'done' })).rejects.toThrow(/does not exist/);
  });
});

describe('recordEpoch', () => {
  it('appends metrics and batches, sets best-so-far and refreshes the heartbeat', async () => {
    const clock = vi.spyOn(Date, 'now').mockReturnValue(1_000);
    const p = await createProject(db, 'P');
    const run = await createRun(db, runInput(p.id));
    clock.mockReturnValue(2_000);
    await recordEpoch(db, run.id, metrics(1), points(0, 5), { epoch: 1, valAcc: 0.6, valLoss: 0.9 });
    clock.mockReturnValue(3_000);
    const after = await recordEpoch(db, run.id, metrics(2), points(5, 5));
    expect(after.history).toEqual([metrics(1), metrics(2)]);
    expect(after.batches.map((b) => b.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(after).toMatchObject({ bestEpoch: 1, bestValAcc: 0.6, bestValLoss: 0.9, updatedAt: 3_000, heartbeatAt: 3_000 });
    expect(await getRun(db, run.id)).toEqual(after);
    await expect(recordEpoch(db, 'missing', metrics(1), [])).rejects.toThrow(/does not exist/);
  });

  it('a replayed epoch (resume from an older checkpoint) replaces it and what came after', async () => {
    const p = await createProject(db, 'P');
    const run = await createRun(db, runInput(p.id));
    for (let e = 1; e <= 3; e++) await recordEpoch(db, run.id, metrics(e), points((e - 1) * 4, 4));
    const replayed = { ...metrics(2), trainLoss: 0.123 };
    const after = await recordEpoch(db, run.id, replayed, points(4, 4));
    expect(after.history).toEqual([metrics(1), replayed]);
    expect(after.batches.map((b) => b.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Same epoch number in another stage is a new entry.
    expect((await recordEpoch(db, run.id, metrics(1, 2), points(8, 1))).history).toHaveLength(3);
  });

  it(`keeps at most ${MAX_BATCH_POINTS} batch points over a long run, newest at full resolution`, async () => {
    const p = await createProject(db, 'P');
    const run = await createRun(db, runInput(p.id));
    const perEpoch = 700;
    let last = run;
    for (let e = 1; e <= 12; e++) last = await recordEpoch(db, run.id, metrics(e), points((e - 1) * perEpoch, perEpoch));
    const steps = last.batches.map((b) => b.step);
    expect(steps.length).toBeLessThanOrEqual(MAX_BATCH_POINTS);
    expect(steps.length).toBeGreaterThan(MAX_BATCH_POINTS / 2);
    expect(steps[0]).toBe(0);
    expect(steps.slice(-perEpoch)).toEqual(points(11 * perEpoch, perEpoch).map((b) => b.step));
    expect(steps.every((s, i) => i === 0 || s > steps[i - 1])).toBe(true);
    expect(last.history).toHaveLength(12);
  });
});

describe('capBatchPoints', () => {
  it('returns everything when under the cap', () => {
    expect(capBatchPoints(points(0, 3), points(3, 2), 5)).toEqual(points(0, 5));
  });

  it('drops every other old point (first kept) until it fits', () => {
    expect(capBatchPoints(points(0, 6), points(6, 2), 7).map((b) => b.step)).toEqual([0, 2, 4, 6, 7]);
    // Halved twice: 8 old → 4 → 2.
    expect(capBatchPoints(points(0, 8), points(8, 3), 5).map((b) => b.step)).toEqual([0, 4, 8, 9, 10]);
  });

  it('thins the fresh points too when they alone exceed the cap', () => {
    // 11 points → 6 → 3.
    expect(capBatchPoints(points(0, 1), points(1, 10), 4).map((b) => b.step)).toEqual([0, 4, 8]);
    expect(capBatchPoints([], points(0, 9), 3).map((b) => b.step)).toEqual([0, 4, 8]);
    expect(capBatchPoints([], points(0, 2), 1).map((b) => b.step)).toEqual([0]);
  });
});

describe('heartbeat and markInterruptedRuns', () => {
  it('heartbeat refreshes only heartbeatAt and reports the current status', async () => {
    const clock = vi.spyOn(Date, 'now').mockReturnValue(1_000);
    const p = await createProject(db, 'P');
    const run = await createRun(db, runInput(p.id));
    clock.mockReturnValue(9_000);
    expect(await heartbeat(db, run.id)).toEqual({ ...run, heartbeatAt: 9_000 });
    await updateRun(db, run.id, { status: 'stopped' });
    expect((await heartbeat(db, run.id))!.status).toBe('stopped');
    expect(await heartbeat(db, 'missing')).toBeUndefined();
  });

  it('marks only running runs with a stale heartbeat as interrupted', async () => {
    const clock = vi.spyOn(Date, 'now').mockReturnValue(0);
    const p = await createProject(db, 'P');
    const stale = await createRun(db, runInput(p.id));
    const paused = await createRun(db, runInput(p.id, { status: 'paused' }));
    const done = await createRun(db, runInput(p.id, { status: 'done' }));
    clock.mockReturnValue(10_000);
    const fresh = await createRun(db, runInput(p.id));
    const beating = await createRun(db, runInput(p.id));
    clock.mockReturnValue(20_000);
    await heartbeat(db, beating.id);
    clock.mockReturnValue(25_000); // fresh: 15 s old (not older than 15 s), stale: 25 s old
    const marked = await markInterruptedRuns(db);
    expect(marked.map((r) => r.id)).toEqual([stale.id]);
    expect(marked[0]).toMatchObject({ status: 'interrupted', updatedAt: 25_000 });
    expect(await getRun(db, stale.id)).toEqual(marked[0]);
    for (const [r, status] of [[paused, 'paused'], [done, 'done'], [fresh, 'running'], [beating, 'running']] as const) {
      expect((await getRun(db, r.id))!.status).toBe(status);
    }
    expect(await markInterruptedRuns(db)).toEqual([]); // already marked
    expect((await markInterruptedRuns(db, 1_000)).map((r) => r.id).sort()).toEqual([fresh.id, beating.id].sort());
  });
});

describe('deleteRun', () => {
  it('deletes the run and its checkpoints in one go, leaving other runs alone', async () => {
    const p = await createProject(db, 'P');
    const doomed = await createRun(db, runInput(p.id));
    const kept = await createRun(db, runInput(p.id));
    for (const run of [doomed, kept]) {
      await saveCheckpoint(db, checkpointRecord(run.id, 'last', 3));
      await saveCheckpoint(db, checkpointRecord(run.id, 'best', 2));
    }
    await deleteRun(db, doomed.id);
    expect(await getRun(db, doomed.id)).toBeUndefined();
    expect(await getCheckpoint(db, doomed.id, 'last')).toBeUndefined();
    expect(await runCounts(db)).toEqual({ runs: 1, checkpoints: 2 });
    expect(await getCheckpoint(db, kept.id, 'best')).toBeDefined();
    await deleteRun(db, doomed.id); // no-op
  });

  it('aborts both deletes together when one fails', async () => {
    const p = await createProject(db, 'P');
    const run = await createRun(db, runInput(p.id));
    await saveCheckpoint(db, checkpointRecord(run.id, 'last', 1));
    const realDelete = IDBObjectStore.prototype.delete;
    vi.spyOn(IDBObjectStore.prototype, 'delete').mockImplementation(function (this: IDBObjectStore, key) {
      if (this.name === 'checkpoints') throw new DOMException('boom', 'UnknownError');
      return realDelete.call(this, key);
    });
    await expect(deleteRun(db, run.id)).rejects.toThrow();
    vi.restoreAllMocks();
    expect(await runCounts(db)).toEqual({ runs: 1, checkpoints: 1 });
  });
});
