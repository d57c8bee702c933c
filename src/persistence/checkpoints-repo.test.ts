// Checkpoints: byte-exact ArrayBuffer round-trips, 'last' moving the run's lastCheckpointEpoch in
// the same transaction, validation, and a full disk that leaves the previous checkpoint intact.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunRecord, StudioDB } from './db';
import { StorageFullError } from './storage-full';
import { deleteCheckpoints, getCheckpoint, listCheckpoints, saveCheckpoint, tensorBytes } from './checkpoints-repo';
import { createRun, getRun } from './runs-repo';
import { checkpointRecord, freshRun, runInput, seededBuffer } from '../test-support/studio-db';

let db: StudioDB;
let run: RunRecord;
beforeEach(async () => {
  ({ db, run } = await freshRun());
});
afterEach(() => {
  vi.restoreAllMocks();
  db.close();
});

const bytes = (buffer: ArrayBuffer | undefined) => (buffer ? [...new Uint8Array(buffer)] : undefined);

describe('saveCheckpoint / getCheckpoint', () => {
  it('round-trips weights and optimizer data byte for byte, with tensor lists and JSON state', async () => {
    const cp = checkpointRecord(run.id, 'last', 4);
    // Bit patterns a float view would not preserve if anything converted values: NaN payloads, -0, denormals.
    const view = new DataView(cp.weightData);
    view.setUint32(0, 0x7fc0_1234, true);
    view.setUint32(4, 0x8000_0000, true);
    view.setUint32(8, 0x0000_0001, true);
    const expectedWeights = bytes(cp.weightData);
    await saveCheckpoint(db, cp);
    new Uint8Array(cp.weightData).fill(0); // the stored copy must not share the caller's buffer

    const got = await getCheckpoint(db, run.id, 'last');
    expect(got!.weightData).toBeInstanceOf(ArrayBuffer);
    expect(bytes(got!.weightData)).toEqual(expectedWeights);
    expect(bytes(got!.optimizerData)).toEqual(bytes(seededBuffer(28, 1004)));
    const { weightData: _w, optimizerData: _o, ...meta } = got!;
    const { weightData: _w2, optimizerData: _o2, ...expectedMeta } = checkpointRecord(run.id, 'last', 4);
    expect(meta).toEqual(expectedMeta);
    expect(await getCheckpoint(db, run.id, 'best')).toBeUndefined();
  });

  it("'last' sets the run's lastCheckpointEpoch, 'best' does not; a new save replaces the old one", async () => {
    const clock = vi.spyOn(Date, 'now').mockReturnValue(run.updatedAt + 500);
    await saveCheckpoint(db, checkpointRecord(run.id, 'best', 2));
    expect((await getRun(db, run.id))!.lastCheckpointEpoch).toBeNull();
    await saveCheckpoint(db, checkpointRecord(run.id, 'last', 2));
    expect(await getRun(db, run.id)).toMatchObject({ lastCheckpointEpoch: 2, updatedAt: run.updatedAt + 500 });
    clock.mockReturnValue(run.updatedAt + 900);
    await saveCheckpoint(db, checkpointRecord(run.id, 'last', 3));
    expect((await getRun(db, run.id))!.lastCheckpointEpoch).toBe(3);
    expect(await db.count('checkpoints')).toBe(2);
    const last = await getCheckpoint(db, run.id, 'last');
    expect(last!.epoch).toBe(3);
    expect(bytes(last!.weightData)).toEqual(bytes(seededBuffer(32, 3)));
    expect((await getCheckpoint(db, run.id, 'best'))!.epoch).toBe(2);
  });

  it('rejects a missing run and buffers that do not match their tensor lists', async () => {
    await expect(saveCheckpoint(db, checkpointRecord('missing', 'last', 1))).rejects.toThrow(/does not exist/);
    const short = { ...checkpointRecord(run.id, 'last', 1), weightData: seededBuffer(28, 1) };
    await expect(saveCheckpoint(db, short)).rejects.toThrow(/describe 32 bytes but the data holds 28/);
    const badOpt = { ...checkpointRecord(run.id, 'last', 1), optimizerData: new ArrayBuffer(0) };
    await expect(saveCheckpoint(db, badOpt)).rejects.toThrow(/optimizer slots/);
    expect(await db.count('checkpoints')).toBe(0);
    expect((await getRun(db, run.id))!.lastCheckpointEpoch).toBeNull();
  });

  it('tensorBytes counts 4 bytes per element (scalars included) and rejects bad shapes', () => {
    expect(tensorBytes([{ name: 's', shape: [], dtype: 'int32' }, { name: 'k', shape: [2, 3, 4], dtype: 'float32' }])).toBe(100);
    expect(tensorBytes([{ name: 'empty', shape: [0, 5], dtype: 'float32' }])).toBe(0);
    expect(() => tensorBytes([{ name: 'x', shape: [2, -1], dtype: 'float32' }])).toThrow(/invalid shape/);
  });
});

describe('a full disk during saveCheckpoint', () => {
  async function saveFirst() {
    await saveCheckpoint(db, checkpointRecord(run.id, 'last', 1));
    return getRun(db, run.id);
  }

  async function expectFirstIntact(runBefore: RunRecord | undefined) {
    const last = await getCheckpoint(db, run.id, 'last');
    expect(last!.epoch).toBe(1);
    expect(bytes(last!.weightData)).toEqual(bytes(seededBuffer(32, 1)));
    expect(bytes(last!.optimizerData)).toEqual(bytes(seededBuffer(28, 1001)));
    expect(await getRun(db, run.id)).toEqual(runBefore);
  }

  it('a QuotaExceededError from the put becomes StorageFullError; the previous checkpoint and run are kept', async () => {
    const runBefore = await saveFirst();
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'checkpoints') throw new DOMException('quota', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    const err = await saveCheckpoint(db, checkpointRecord(run.id, 'last', 2)).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(err).toBeInstanceOf(StorageFullError);
    await expectFirstIntact(runBefore);
  });

  it('a transaction the browser aborts for quota after the checkpoint put rolls both writes back', async () => {
    const runBefore = await saveFirst();
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      const request = realPut.apply(this, args);
      if (this.name === 'runs') (this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
      return request;
    });
    const err = await saveCheckpoint(db, checkpointRecord(run.id, 'last', 2)).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as StorageFullError).cause).toMatchObject({ name: 'QuotaExceededError' });
    await expectFirstIntact(runBefore);
  });
});

describe('listCheckpoints / deleteCheckpoints', () => {
  it("lists a run's checkpoints 'last' first and deletes only that run's", async () => {
    const other = await createRun(db, runInput(run.projectId));
    await saveCheckpoint(db, checkpointRecord(run.id, 'best', 5));
    await saveCheckpoint(db, checkpointRecord(run.id, 'last', 6));
    await saveCheckpoint(db, checkpointRecord(other.id, 'last', 1));
    const list = await listCheckpoints(db, run.id);
    expect(list.map((c) => [c.kind, c.epoch])).toEqual([['last', 6], ['best', 5]]);
    expect(await deleteCheckpoints(db, run.id)).toBe(2);
    expect(await listCheckpoints(db, run.id)).toEqual([]);
    expect(await listCheckpoints(db, other.id)).toHaveLength(1);
    expect(await getRun(db, run.id)).toBeDefined();
    expect(await deleteCheckpoints(db, run.id)).toBe(0);
  });
});
