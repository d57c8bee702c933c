// Runs left 'running' by a worker that is gone (reload, closed tab, crash). The worker holds a Web
// Lock named for its run while it trains; a page that finds a 'running' run waits for that lock,
// and once it is free (at once if nobody holds it) marks the run interrupted if it still says
// running. Kept beside the runs repository: it is the one other writer of a run's status.
import type { StudioDB } from './db';
import { getRun, updateRun } from './runs-repo';

/** The Web Lock a training worker holds for the whole of a run. */
export const runLockName = (runId: string) => `finetune-studio-run:${runId}`;

/** The part of the Web Locks API the watch uses (navigator.locks in a browser). */
export interface RunLocks {
  request(name: string, callback: () => Promise<void>): Promise<unknown>;
}

export class InterruptedRunWatch {
  /** Runs whose lock this page is waiting on. */
  private watched = new Set<string>();

  constructor(private locks: () => RunLocks | undefined = () => (typeof navigator === 'undefined' ? undefined : navigator.locks)) {}

  /**
   * Watches every 'running' run not watched yet, except `skip` (this page's run while its worker is
   * starting it: the run exists before the worker takes the lock). `settled` is called after each
   * watched run's lock frees and its status has been checked.
   */
  watch(db: StudioDB, runs: { id: string; status: string }[], skip: string | null, settled: (runId: string) => void): void {
    const locks = this.locks();
    if (!locks) return;
    for (const r of runs) {
      if (r.status !== 'running' || r.id === skip || this.watched.has(r.id)) continue;
      this.watched.add(r.id);
      void locks
        .request(runLockName(r.id), async () => {
          const now = await getRun(db, r.id);
          if (now?.status === 'running') await updateRun(db, r.id, { status: 'interrupted' });
        })
        .finally(() => {
          this.watched.delete(r.id);
          settled(r.id);
        });
    }
  }
}
