// The live view of the run in progress, and the folding that keeps it cheap: batch and epoch
// messages can arrive many times a second (epochs on cached features take milliseconds), so they
// are gathered and published at most 4 times a second, and long curves are thinned.
import type { BatchPoint, EpochMetrics } from '../core/train/run-config';
import type { AutoPlan } from '../core/train/auto-plan';
import type { RunRecord } from '../persistence/db';
import type { FromWorker, StudyRowLite } from '../worker/protocol';

export interface LiveRun {
  runId: string;
  epoch: number;
  totalEpochs: number;
  batch: number;
  batches: number;
  imagesPerSecond: number;
  numTensors: number;
  numBytes: number;
  points: BatchPoint[];
  history: EpochMetrics[];
  features: { done: number; total: number } | null;
  /** Auto: its search, then its head fit, as the worker reports them. */
  study: { phase: 'search' | 'fit'; done: number; total: number; rows: StudyRowLite[]; plan: AutoPlan | null } | null;
  startedAt: number;
  finished: 'done' | 'stopped' | 'early-stopped' | null;
}

const MAX_LIVE_POINTS = 4000;
const PUBLISH_MS = 250;

/** The live view of a run starting (or resuming from its record). */
export function liveFromRun(run: RunRecord): LiveRun {
  const plan = run.study?.plan;
  return {
    runId: run.id,
    epoch: run.history.length,
    totalEpochs: run.totalEpochs,
    batch: 0,
    batches: 0,
    imagesPerSecond: 0,
    numTensors: 0,
    numBytes: 0,
    points: run.batches,
    history: run.history,
    features: null,
    study: run.study && plan ? { phase: 'fit', done: plan.headSteps, total: plan.headSteps, rows: run.study.rows, plan } : null,
    startedAt: Date.now(),
    finished: null,
  };
}

/** Gathers batch and epoch messages and publishes them folded into the live run. */
export class LiveFolder {
  private points: BatchPoint[] = [];
  private batch: Extract<FromWorker, { type: 'batch' }> | null = null;
  private epochs: EpochMetrics[] = [];
  private tensors: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private read: () => LiveRun | null,
    private publish: (live: LiveRun) => void,
  ) {}

  addBatch(msg: Extract<FromWorker, { type: 'batch' }>) {
    this.points.push(msg.point);
    this.batch = msg;
    this.schedule();
  }

  addEpoch(metrics: EpochMetrics, numTensors: number) {
    this.epochs.push(metrics);
    this.tensors = numTensors;
    this.schedule();
  }

  private schedule() {
    this.timer ??= setTimeout(() => this.flush(), PUBLISH_MS);
  }

  /** Publishes what has been gathered now (a run's end must not wait for the timer). */
  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const live = this.read();
    if (live) this.publish(fold(live, this.points, this.batch, this.epochs, this.tensors));
    this.points = [];
    this.batch = null;
    this.epochs = [];
    this.tensors = null;
  }
}

function fold(live: LiveRun, newPoints: BatchPoint[], b: Extract<FromWorker, { type: 'batch' }> | null, epochs: EpochMetrics[], tensors: number | null): LiveRun {
  const next: LiveRun = { ...live };
  if (b) {
    const points = [...live.points, ...newPoints];
    Object.assign(next, {
      points: points.length > MAX_LIVE_POINTS ? points.filter((_, i) => i % 2 === 0) : points,
      epoch: b.epoch,
      batch: b.batch,
      batches: b.batches,
      imagesPerSecond: b.imagesPerSecond,
      numTensors: b.numTensors,
      numBytes: b.numBytes,
      features: null,
    });
  }
  if (epochs.length) {
    const seen = new Set(epochs.map((e) => e.epoch));
    next.history = [...live.history.filter((h) => !seen.has(h.epoch)), ...epochs];
  }
  if (tensors != null) next.numTensors = tensors;
  return next;
}
