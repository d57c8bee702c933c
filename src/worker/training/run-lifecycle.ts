// A run's life in the training worker: it takes the run's Web Lock, trains (Auto's study and head
// fit first when Auto is on), writes metrics, checkpoints and the evaluation to IndexedDB, reports
// progress to the page, and answers pause, resume and stop between batches.
import * as tf from '@tensorflow/tfjs';
import type { TrainImage } from '../../core/train/data';
import { computeFeatures, featureContentKey, featureScope, frozenExtractor } from '../../core/train/features';
import { keptCheckpointKind, type BackendChoice, type BatchPoint, type EpochMetrics } from '../../core/train/run-config';
import { listBlocks } from '../../core/backbones/layers';
import { Trainer, type Checkpoint } from '../../core/train/trainer';
import { evaluateBoundary, evaluateFeatures, evaluateImages } from '../../core/train/evaluate-set';
import { computeBoundary, type BoundaryCache } from '../../core/train/boundary';
import { boundaryKey } from '../../core/train/boundary-memory';
import type { RunRecord } from '../../persistence/db';
import { listImages } from '../../persistence/images-repo';
import { appendRunLog, getRun, heartbeat, updateRun } from '../../persistence/runs-repo';
import { featureStore } from '../../persistence/features-repo';
import { getCheckpoint } from '../../persistence/checkpoints-repo';
import { runLockName } from '../../persistence/run-watch';
import { errorText } from '../../core/error-text';
import { autoStage } from './auto-run';
import { fromRecord, toEvaluation } from './run-records';
import { IdbPixelSource } from './idb-pixel-source';
import { RunWriter } from './run-writer';
import type { WorkerEngine } from './worker-engine';

export class RunLifecycle {
  private trainer: Trainer | null = null;
  private autoStop: (() => void) | null = null;

  constructor(private readonly engine: WorkerEngine) {}

  private get post() {
    return this.engine.post;
  }

  /** Trains while holding the run's Web Lock, so another tab (or this one after a reload) can tell it is live. */
  async train(runId: string, resume: boolean, choice: BackendChoice) {
    if (!navigator.locks) return this.trainLocked(runId, resume, choice);
    // A page watching the lock holds it only for a moment; a training tab holds it for good.
    try {
      return await navigator.locks.request(runLockName(runId), { signal: AbortSignal.timeout(5000) }, () => this.trainLocked(runId, resume, choice));
    } catch (e) {
      if (e instanceof DOMException && (e.name === 'AbortError' || e.name === 'TimeoutError')) throw new Error('This run is already training in another tab.');
      throw e;
    }
  }

  private async trainLocked(runId: string, resume: boolean, choice: BackendChoice) {
    try {
      await this.trainRun(runId, resume, choice);
    } catch (e) {
      // Written before the error is posted, so the page never sees this run as still 'running'.
      const db = await this.engine.getDb();
      await updateRun(db, runId, { status: 'error', error: errorText(e) }).catch(() => undefined);
      throw e;
    }
  }

  private async trainRun(runId: string, resume: boolean, choice: BackendChoice) {
    const db = await this.engine.getDb();
    const run = await getRun(db, runId);
    if (!run) throw new Error('This run no longer exists.');
    const cfg = run.config;
    const backend = await this.engine.ensureBackend(cfg.mode, choice);
    const opened = await this.engine.loadBackbone(cfg.backbone);
    const spec = this.engine.backboneSpec!;
    const images = await listImages(db, run.projectId);
    const labelOf = new Map(run.classes.map((c, i) => [c.id, i]));
    const classOf = new Map(images.map((i) => [i.id, i.classId]));
    const pick = (ids: string[]): TrainImage[] =>
      ids.filter((id) => labelOf.has(classOf.get(id) ?? '')).map((id) => ({ id, label: labelOf.get(classOf.get(id)!)! }));
    const train = pick(run.split.train);
    const val = pick(run.split.val);
    const test = pick(run.split.test ?? []);
    if (train.length === 0) throw new Error('No training images left in this run’s classes.');

    const source = new IdbPixelSource(db, cfg.backbone.preprocessing.resize);
    let pending: BatchPoint[] = [];
    const writes = new RunWriter(db, runId);
    /** Queues the epoch's record; Auto's fit waits for it (it reads the history back), the trainer does not. */
    const writeEpoch = async (metrics: EpochMetrics, best: boolean, wait = true) => {
      const points = pending;
      pending = [];
      metrics = { ...metrics, tensors: tf.memory().numTensors };
      writes.epoch(metrics, points, best ? { epoch: metrics.epoch, valAcc: metrics.valAcc ?? metrics.trainAcc, valLoss: metrics.valLoss ?? metrics.trainLoss } : undefined);
      this.post({ type: 'epoch', runId, metrics, best, numTensors: tf.memory().numTensors });
      if (wait) await writes.drain();
    };

    // Stored features are valid only for the backbone's stored weights: not after a fine-tuned parent's weights go in.
    const parent = !resume && run.parentRunId ? await getRun(db, run.parentRunId) : null;
    const pristine = !parent || parent.config.mode !== 'finetune';
    const imageKey = new Map(images.map((i) => [i.id, featureContentKey(i)]));
    // Plain boundary rows the feature warm-up kept, valid under the same condition as stored features.
    const memory = this.engine.boundaryMemory;
    const warmScope = featureScope(spec, 'frozen-extractor');
    const warmAt = (layer: string) => (pristine && opened.kind === 'layers' && memory.size > 0 ? (id: string) => memory.get(boundaryKey(warmScope, imageKey.get(id) ?? id, layer)) : null);
    let logged: Promise<unknown> = Promise.resolve();

    // Auto: study the data and fit the chosen head first (again from the start if the run was
    // interrupted before its plan was saved); a frozen plan ends the run there.
    let trainCfg = cfg;
    let headStart: Checkpoint['weights'] | null = null;
    let epochOffset = run.study?.plan.headSteps ?? 0;
    if (cfg.auto?.enabled && !run.study) {
      const stop = { requested: false };
      this.autoStop = () => (stop.requested = true);
      await updateRun(db, runId, { status: 'running', backend, backendReason: this.engine.backendReason, error: null, heartbeatAt: Date.now(), history: [], batches: [] });
      this.post({ type: 'status', status: 'training' });
      const frozen = opened.kind === 'layers' ? frozenExtractor(spec, opened.model) : null;
      let next: Awaited<ReturnType<typeof autoStage>>;
      try {
        next = await autoStage(db, {
          run, extractor: frozen ?? this.engine.extractor(spec, opened), source, train, val, test,
          hashOf: new Map(images.map((i) => [i.id, i.hash])), fineTunable: opened.kind === 'layers' && spec.fineTunable,
          blocks: opened.kind === 'layers' ? listBlocks(opened.model).length : 0, post: this.post, shouldStop: () => stop.requested,
          onEpoch: (metrics, best) => writeEpoch(metrics, best),
          store: pristine && frozen ? { store: featureStore(db), scope: featureScope(spec, 'frozen-extractor'), contentKey: (id) => imageKey.get(id) ?? id } : undefined,
        });
      } finally {
        this.autoStop = null;
        frozen?.dispose();
      }
      if (next.finished) return;
      ({ config: trainCfg, weights: headStart, headSteps: epochOffset } = next);
    }

    const extractor = this.engine.extractor(spec, opened);
    const kept: { best?: Checkpoint; last?: Checkpoint } = {};
    const trainer = new Trainer(extractor, opened.kind === 'layers' ? opened.model : null, source, trainCfg, run.classes.length, train, val, {
      onStatus: (phase, done, total) => {
        if (phase === 'features') this.post({ type: 'features-progress', runId, done, total });
      },
      onBatch: (p) => {
        const point = { step: p.step, loss: p.loss, smooth: p.smooth, lr: p.lr };
        pending.push(point);
        const mem = tf.memory();
        this.post({ type: 'batch', runId, point, epoch: p.epoch + 1 + epochOffset, batch: p.batch, batches: p.batches, imagesPerSecond: p.imagesPerSecond, numTensors: mem.numTensors, numBytes: mem.numBytes });
      },
      onEpoch: (metrics, best) => writeEpoch({ ...metrics, epoch: metrics.epoch + epochOffset }, best, false),
      onCheckpoint: async (cp, kind) => {
        kept[kind] = cp;
        writes.checkpoint(cp, kind);
      },
      onLog: (line) => void (logged = logged.then(() => appendRunLog(db, runId, line)).catch(() => undefined)),
    }, pristine ? { featureStore: { store: featureStore(db), contentKey: (id) => imageKey.get(id) ?? id }, warmBoundary: warmAt } : {});
    if (headStart) trainer.loadWeights(headStart);
    this.trainer = trainer;
    const beat = setInterval(() => void heartbeat(db, runId).catch(() => undefined), 3000);
    try {
      let checkpoint: Checkpoint | null = null;
      let best: Checkpoint | null = null;
      if (resume) {
        const rec = await getCheckpoint(db, runId, 'last');
        if (rec) checkpoint = fromRecord(rec);
        const bestRec = rec && (await getCheckpoint(db, runId, 'best'));
        if (bestRec) best = fromRecord(bestRec);
      } else if (run.parentRunId && !headStart) {
        // The parent's model: its best epoch when it put that back, else its last.
        const first = parent ? keptCheckpointKind(parent.config) : 'best';
        const from = (await getCheckpoint(db, run.parentRunId, first)) ?? (await getCheckpoint(db, run.parentRunId, first === 'best' ? 'last' : 'best'));
        if (from) trainer.loadWeights({ specs: from.weights, data: from.weightData });
      }
      await updateRun(db, runId, { status: 'running', backend, backendReason: this.engine.backendReason, error: null, heartbeatAt: Date.now() });
      this.post({ type: 'status', status: 'training' });
      const result = await trainer.run(checkpoint, best?.weights).finally(() => writes.drain().catch(() => undefined));
      await writes.drain();
      const evaluation = result.validation ? toEvaluation(val, result.validation) : undefined;
      // The test set is scored once, after training, with the kept weights: no choice ever saw it.
      // A frozen run with the backbone's stored weights reads the test images' features from the
      // store when they are there (computed while they imported); they never touch training.
      let testFeatures: { dim: number; views: Float32Array[] } | null = null;
      if (test.length && result.status !== 'stopped' && trainCfg.mode === 'frozen' && pristine && opened.kind === 'layers') {
        const frozen = frozenExtractor(spec, opened.model);
        try {
          testFeatures = await computeFeatures({
            extractor: frozen, source, ids: test.map((t) => t.id), views: 1, augment: null, seed: cfg.seed,
            store: { store: featureStore(db), scope: featureScope(spec, 'frozen-extractor'), contentKeys: test.map((t) => imageKey.get(t.id) ?? t.id) },
          });
        } finally {
          frozen.dispose();
        }
      }
      // A fine-tune run with a boundary cache runs the test images' frozen prefix once: the kept
      // and the last weights then differ only in the suffix and the head.
      const split = trainer.boundarySplit;
      let testBoundary: BoundaryCache | null = null;
      if (test.length && result.status !== 'stopped' && !testFeatures && split) {
        testBoundary = await computeBoundary({ split, source, ids: test.map((t) => t.id), inputSize: spec.inputSize, preprocessing: spec.preprocessing, views: 1, augment: null, seed: cfg.seed, warm: warmAt(split.layer) });
      }
      const scoreTest = () =>
        testFeatures
          ? evaluateFeatures(trainer.head, testFeatures.views[0], testFeatures.dim, test, run.classes.length)
          : split && testBoundary
            ? evaluateBoundary(split, testBoundary, trainer.head, test, run.classes.length)
            : evaluateImages(extractor, trainer.head, source, test, run.classes.length);
      const scored = test.length && result.status !== 'stopped' ? await scoreTest() : null;
      const testEvaluation = scored ? toEvaluation(test, scored) : undefined;
      // Reported beside the kept figure: what the last epoch's weights score on the test set when
      // early stopping put back an earlier epoch.
      let testLastEpoch: RunRecord['testLastEpoch'];
      if (scored && keptCheckpointKind(trainCfg) === 'best' && kept.last && kept.best && kept.best.epoch !== kept.last.epoch && result.bestEpoch != null) {
        trainer.loadWeights(kept.last.weights);
        const last = await scoreTest();
        trainer.loadWeights(kept.best.weights);
        testLastEpoch = { epoch: kept.last.epoch + 1 + epochOffset, accuracy: last.accuracy, n: test.length };
      }
      await updateRun(db, runId, { status: result.status === 'stopped' ? 'stopped' : 'done', ...(evaluation ? { evaluation } : {}), ...(testEvaluation ? { testEvaluation } : {}), ...(testLastEpoch ? { testLastEpoch } : {}) });
      this.post({ type: 'run-finished', runId, status: result.status, epochs: result.epochs });
      this.post({ type: 'status', status: 'done' });
    } finally {
      clearInterval(beat);
      trainer.dispose();
      this.trainer = null;
      await logged;
      // Fine-tuning (or a fine-tuned parent's weights) changed the backbone: the next run loads it afresh.
      if ((cfg.mode === 'finetune' || !pristine) && opened.kind === 'layers') this.engine.dropBackbone();
    }
  }

  pause() {
    this.trainer?.pause();
    if (this.trainer) this.post({ type: 'status', status: 'paused' });
  }
  resume() {
    this.trainer?.resume();
    if (this.trainer) this.post({ type: 'status', status: 'training' });
  }
  stop() {
    this.trainer?.stop();
    this.autoStop?.();
  }
}
