// The interrupted-run watch: a 'running' run whose lock is free is marked interrupted; one whose
// lock is held waits until it frees; this page's starting run and finished runs are left alone.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StudioDB } from './db';
import { createProject } from './projects-repo';
import { createRun, getRun, updateRun } from './runs-repo';
import { InterruptedRunWatch, runLockName, type RunLocks } from './run-watch';
import { freshDb, runInput } from '../test-support/studio-db';

/** A lock manager with named locks that tests hold and free by hand. */
class FakeLocks implements RunLocks {
  held = new Map<string, Promise<void>>();
  asked: string[] = [];
  hold(name: string): () => void {
    let free!: () => void;
    this.held.set(name, new Promise<void>((r) => (free = r)));
    return () => {
      this.held.delete(name);
      free();
    };
  }
  async request(name: string, callback: () => Promise<void>) {
    this.asked.push(name);
    await this.held.get(name);
    return callback();
  }
}

let db: StudioDB;
beforeEach(async () => {
  db = await freshDb();
});
afterEach(() => db.close());

async function runs(n: number) {
  const p = await createProject(db, 'P');
  return Promise.all(Array.from({ length: n }, () => createRun(db, runInput(p.id, { status: 'running' }))));
}

describe('InterruptedRunWatch', () => {
  it('marks a running run interrupted once its lock is free, and skips the starting run', async () => {
    const [lost, held, starting] = await runs(3);
    const locks = new FakeLocks();
    const free = locks.hold(runLockName(held.id));
    const settled: string[] = [];
    const done = new Promise<void>((resolve) => {
      new InterruptedRunWatch(() => locks).watch(db, [lost, held, starting], starting.id, (id) => {
        settled.push(id);
        if (settled.length === 2) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toEqual([lost.id]);
    expect((await getRun(db, lost.id))?.status).toBe('interrupted');
    expect((await getRun(db, held.id))?.status).toBe('running');
    free();
    await done;
    expect((await getRun(db, held.id))?.status).toBe('interrupted');
    expect((await getRun(db, starting.id))?.status).toBe('running');
    expect(locks.asked).not.toContain(runLockName(starting.id));
  });

  it('leaves a run that finished while its lock was held, and watches each run once', async () => {
    const [run] = await runs(1);
    const locks = new FakeLocks();
    const free = locks.hold(runLockName(run.id));
    const watch = new InterruptedRunWatch(() => locks);
    const settled = new Promise<void>((resolve) => watch.watch(db, [run], null, () => resolve()));
    watch.watch(db, [run], null, () => {});
    expect(locks.asked).toHaveLength(1);
    await updateRun(db, run.id, { status: 'done' });
    free();
    await settled;
    expect((await getRun(db, run.id))?.status).toBe('done');
  });
});
