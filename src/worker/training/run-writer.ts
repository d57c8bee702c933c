// A run's writes behind the training loop: each epoch hands over its record and checkpoints and
// goes on while they are stored (profiled: the epoch's record alone took ~80 ms of a ~120 ms
// frozen epoch while the loop waited for it). One flush at a time takes everything handed over
// so far and writes the epoch records, in order, before the newest checkpoint of each kind, so a
// stored checkpoint never runs ahead of the stored history (a resumed run continues both from the
// same epoch). Older checkpoints not yet written are skipped: only the newest 'last' and 'best'
// matter. `drain` waits for every write and rethrows the first failure (storage full), so a run
// never reports done before its history and checkpoints are stored.
import type { Checkpoint } from '../../core/train/trainer';
import type { BatchPoint, EpochMetrics } from '../../core/train/run-config';
import type { StudioDB } from '../../persistence/db';
import { saveCheckpoint } from '../../persistence/checkpoints-repo';
import { recordEpoch } from '../../persistence/runs-repo';
import { toRecord } from './run-records';

type Kind = 'best' | 'last';
type Best = Parameters<typeof recordEpoch>[4];

export class RunWriter {
  private records: { metrics: EpochMetrics; points: BatchPoint[]; best: Best }[] = [];
  private latest = new Map<Kind, Checkpoint>();
  private flushing: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly db: StudioDB,
    private readonly runId: string,
  ) {}

  epoch(metrics: EpochMetrics, points: BatchPoint[], best: Best) {
    if (this.failure) throw this.failure;
    this.records.push({ metrics, points, best });
    this.flushing ??= this.flush();
  }

  checkpoint(cp: Checkpoint, kind: Kind) {
    if (this.failure) throw this.failure;
    this.latest.set(kind, cp);
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.records.length || this.latest.size) {
        // Taken together: every record up to the newest checkpoint's epoch is in `records`.
        const records = this.records.splice(0);
        const checkpoints = [...this.latest];
        this.latest.clear();
        for (const r of records) await recordEpoch(this.db, this.runId, r.metrics, r.points, r.best);
        // 'best' first: a checkpoint 'last' marks the epoch a resume starts from.
        checkpoints.sort(([a], [b]) => (a === b ? 0 : a === 'best' ? -1 : 1));
        for (const [kind, cp] of checkpoints) await saveCheckpoint(this.db, toRecord(this.runId, cp, kind));
      }
    } catch (e) {
      this.failure ??= e;
      this.records = [];
      this.latest.clear();
    } finally {
      this.flushing = null;
    }
  }

  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failure) throw this.failure;
  }
}
