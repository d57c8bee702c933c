// The run's writes behind the training loop: epochs stored in order, checkpoints of a kind
// coalesced to the newest, everything stored by `drain`, and a failed write reported by `drain`
// and refusing what comes after it.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunRecord, StudioDB } from '../../persistence/db';
import * as checkpointsRepo from '../../persistence/checkpoints-repo';
import { getRun } from '../../persistence/runs-repo';
import { freshRun } from '../../test-support/studio-db';
import type { Checkpoint } from '../../core/train/trainer';
import type { EpochMetrics } from '../../core/train/run-config';
import { RunWriter } from './run-writer';

let db: StudioDB;
let run: RunRecord;
beforeEach(async () => {
  ({ db, run } = await freshRun());
});
afterEach(() => {
  vi.restoreAllMocks();
  db.close();
});

const metrics = (epoch: number): EpochMetrics => ({ epoch, stage: 1, trainLoss: 1 / epoch, trainAcc: 0.5, valLoss: null, valAcc: null, lr: 0.01, seconds: 0.1, imagesPerSecond: 100 });
const checkpoint = (epoch: number): Checkpoint => ({
  epoch, stage: 1, step: epoch * 10,
  weights: { specs: [{ name: 'w', shape: [2], dtype: 'float32' }], data: new Float32Array([epoch, -epoch]).buffer },
  optimizer: { specs: [], data: new ArrayBuffer(0) },
  state: { earlyStopping: { best: null, bestEpoch: null, wait: 0 }, bestValLoss: null, bestValAcc: null, bestEpoch: null },
} as unknown as Checkpoint);

describe('RunWriter', () => {
  it('stores every epoch in order and the newest checkpoint of each kind, all by drain', async () => {
    const save = vi.spyOn(checkpointsRepo, 'saveCheckpoint');
    const w = new RunWriter(db, run.id);
    for (let e = 1; e <= 5; e++) {
      w.epoch(metrics(e), [{ step: e, loss: 1, smooth: 1, lr: 0.01 }], e === 3 ? { epoch: 3, valAcc: 0.9, valLoss: 0.2 } : undefined);
      if (e === 3) w.checkpoint(checkpoint(e), 'best');
      w.checkpoint(checkpoint(e), 'last');
    }
    await w.drain();
    const stored = (await getRun(db, run.id))!;
    expect(stored.history.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(stored.bestEpoch).toBe(3);
    expect(stored.lastCheckpointEpoch).toBe(5);
    expect((await checkpointsRepo.getCheckpoint(db, run.id, 'last'))!.epoch).toBe(5);
    expect((await checkpointsRepo.getCheckpoint(db, run.id, 'best'))!.epoch).toBe(3);
    // Checkpoints handed over while a flush was writing were coalesced, never written stale.
    expect(save.mock.calls.length).toBeLessThan(6);
    const lastWrites = save.mock.calls.filter(([, r]) => r.kind === 'last').map(([, r]) => r.epoch);
    expect(lastWrites.at(-1)).toBe(5);
    expect([...lastWrites].sort((a, b) => a - b)).toEqual(lastWrites);
  });

  it('never stores a checkpoint ahead of the history: at each checkpoint write, every earlier epoch is stored', async () => {
    const seen: { checkpoint: number; history: number[] }[] = [];
    const real = checkpointsRepo.saveCheckpoint;
    vi.spyOn(checkpointsRepo, 'saveCheckpoint').mockImplementation(async (d, rec) => {
      if (rec.kind === 'last') seen.push({ checkpoint: rec.epoch, history: (await getRun(d, rec.runId))!.history.map((m) => m.epoch) });
      return real(d, rec);
    });
    const w = new RunWriter(db, run.id);
    // Epoch e's record comes before its checkpoint, as the trainer hands them over.
    for (let e = 1; e <= 8; e++) {
      w.epoch(metrics(e), [], undefined);
      w.checkpoint(checkpoint(e), 'last');
      if (e % 3 === 0) await Promise.resolve();
    }
    await w.drain();
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s.history).toEqual(Array.from({ length: s.checkpoint }, (_, i) => i + 1));
  });

  it('a failed write comes back from drain, and the writer refuses anything after it', async () => {
    vi.spyOn(checkpointsRepo, 'saveCheckpoint').mockRejectedValueOnce(new Error('storage is full'));
    const w = new RunWriter(db, run.id);
    w.epoch(metrics(1), [], undefined);
    w.checkpoint(checkpoint(1), 'last');
    await expect(w.drain()).rejects.toThrow('storage is full');
    expect(() => w.epoch(metrics(2), [], undefined)).toThrow('storage is full');
    expect((await getRun(db, run.id))!.history.map((m) => m.epoch)).toEqual([1]);
  });
});
