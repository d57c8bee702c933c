// Everything the training worker does, behind its message handler: probing backends, opening
// the backbone, previewing augmentation, and running (or resuming) a run while writing its
// metrics and checkpoints to IndexedDB and reporting progress to the page.
import * as tf from '@tensorflow/tfjs';
import { activateBackend, decide, measureBackends, type BackendDecision, type BackendProbe } from '../core/backend/choose';
import type { BackboneSpec } from '../core/backbones/catalog';
import { applyBackbone, countParams, describeLayers, listBlocks } from '../core/backbones/layers';
import { augmentBatch, type AugmentConfig } from '../core/augment/augment';
import { toUnitBatch, type TrainImage } from '../core/train/data';
import { featureScope, frozenExtractor, pool, type FeatureExtractor } from '../core/train/features';
import type { BackendChoice, BackendName, BatchPoint, EpochMetrics, TrainMode } from '../core/train/run-config';
import { autoStage } from './auto-run';
import { fromRecord, toEvaluation, toRecord } from './run-records';
import { Trainer, type Checkpoint } from '../core/train/trainer';
import { evaluateImages } from '../core/train/evaluate-set';
import { openStudioDb, type StudioDB } from '../persistence/db';
import { listImages } from '../persistence/images-repo';
import { appendRunLog, getRun, heartbeat, recordEpoch, updateRun } from '../persistence/runs-repo';
import { featureStore } from '../persistence/features-repo';
import { getCheckpoint, saveCheckpoint } from '../persistence/checkpoints-repo';
import { runLockName, type FromWorker, type PreviewImage } from './protocol';
import { openBackbone, type OpenedBackbone } from './backbone-store';
import { importBackbone, type DroppedFile } from './backbone-import';
import { runBench, type FinetuneShape } from './bench';
import { importExportedModel } from './model-import';
import { evaluateWithTta } from './tta-eval';
import { exportFiles, gradCamFor, openRun, predictPixels, shareLinkFor, zipFiles, type OpenRun } from './run-model';
import { IdbPixelSource } from './idb-pixel-source';
import { nearDuplicatesIn } from './near-duplicates';
import { registeredBackends, setupTf, webgpuAdapter } from './tf-setup';
import { errorText } from '../core/error-text';

type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

export class TrainingSession {
  private db: StudioDB | null = null;
  private decision: { mode: TrainMode; value: BackendDecision } | null = null;
  private probes: BackendProbe[] | null = null;
  private backbone: { spec: BackboneSpec; backend: string; opened: OpenedBackbone } | null = null;
  private trainer: Trainer | null = null;

  constructor(private readonly post: Post) {
    setupTf();
  }

  private async getDb() {
    this.db ??= await openStudioDb();
    return this.db;
  }

  /**
   * Activates the backend to use. An explicit choice is used as it is, without probing (probing
   * a GPU backend the user did not ask for only costs time and GPU memory); 'auto' probes every
   * backend once per mode and takes the fastest.
   */
  async ensureBackend(mode: TrainMode, choice: BackendChoice): Promise<BackendName> {
    if (choice !== 'auto') {
      if (await activateBackend(choice)) {
        const probes = this.decision?.value.probes ?? [];
        const decision = { chosen: choice, reason: `${choice} was chosen in the settings`, probes };
        this.post({ type: 'backends', decision, active: choice });
        return choice;
      }
      this.post({ type: 'status', status: 'probing', message: `${choice} could not start here; measuring the others…` });
    }
    if (!this.decision || this.decision.mode !== mode) {
      // One measurement serves both modes: each probe times a forward pass and a training step.
      if (!this.probes) {
        this.post({ type: 'status', status: 'probing', message: 'Measuring the backends on this device…' });
        this.probes = await measureBackends(registeredBackends(), await webgpuAdapter());
      }
      this.decision = { mode, value: decide(this.probes, mode) };
    }
    const { value } = this.decision;
    const active = value.chosen;
    if (!(await activateBackend(active))) throw new Error(`the ${active} backend stopped working`);
    const note = choice !== 'auto' ? { ...value, reason: `${choice} could not start; ${value.reason}` } : value;
    this.post({ type: 'backends', decision: note, active });
    return active;
  }

  /** Whether a backbone is loaded and warmed up on the active backend. */
  get hasBackbone(): boolean {
    return this.backbone != null && this.backbone.backend === tf.getBackend();
  }

  /** The next ensureBackend measures again (the user asked to). */
  forgetMeasurements() {
    this.probes = null;
    this.decision = null;
  }

  async loadBackbone(spec: BackboneSpec): Promise<OpenedBackbone> {
    const backend = tf.getBackend();
    if (this.backbone && this.backbone.spec.id === spec.id && this.backbone.spec.url === spec.url && this.backbone.backend === backend) {
      return this.backbone.opened;
    }
    this.backbone?.opened.model.dispose();
    this.backbone = null;
    this.post({ type: 'status', status: 'loading-backbone', message: `Loading ${spec.name}…` });
    const opened = await openBackbone(await this.getDb(), spec, (loaded, total) => this.post({ type: 'backbone-progress', loaded, total }));
    this.post({ type: 'status', status: 'warming-up', message: 'Warming up…' });
    // One forward pass compiles kernels and tells the feature size (custom models declare none).
    const warm = tf.tidy(() => this.extractor(spec, opened).forward(tf.zeros([1, spec.inputSize, spec.inputSize, 3]) as tf.Tensor4D));
    await warm.data();
    const featureDim = warm.shape[1];
    warm.dispose();
    spec = { ...spec, featureDim };
    this.backbone = { spec, backend, opened };
    const layers = opened.kind === 'layers' ? describeLayers(opened.model) : [];
    this.post({
      type: 'backbone-ready',
      info: {
        spec,
        layers,
        blocks: opened.kind === 'layers' ? listBlocks(opened.model) : [],
        params: opened.kind === 'layers' ? countParams(opened.model).total : spec.params,
        fromCache: opened.fromCache,
      },
    });
    this.post({ type: 'status', status: 'ready' });
    return opened;
  }

  private extractor(spec: BackboneSpec, opened: OpenedBackbone): FeatureExtractor {
    return {
      spec,
      forward: (x) =>
        tf.tidy(() => pool(opened.kind === 'layers' ? applyBackbone(opened.model, x) : (opened.model.predict(x) as tf.Tensor))),
    };
  }

  private openRunCache: { runId: string; model: Promise<OpenRun> } | null = null;

  /** The trained model of a run, kept open for repeated predictions. */
  async runModel(runId: string): Promise<OpenRun> {
    if (this.openRunCache?.runId !== runId) {
      const previous = this.openRunCache;
      previous?.model.then((m) => m.dispose()).catch(() => undefined);
      const model = (async () => {
        const db = await this.getDb();
        const run = await getRun(db, runId);
        if (run) await this.ensureBackend(run.config.mode, 'auto');
        return openRun(db, runId);
      })();
      this.openRunCache = { runId, model };
      model.catch(() => {
        if (this.openRunCache?.model === model) this.openRunCache = null;
      });
    }
    return this.openRunCache.model;
  }

  async predict(runId: string, images: PreviewImage[], tta = false) {
    const m = await this.runModel(runId);
    const size = m.spec.inputSize;
    const squares = images.map((img) => ({ data: img.data, width: img.width, height: img.height, channels: 4 as const }));
    if (squares.some((i) => i.width !== size || i.height !== size)) throw new Error(`images must be ${size}×${size} pixels`);
    return predictPixels(m, squares, tta);
  }

  async nearDuplicates(imageIds: string[], onProgress: (done: number, total: number) => void) {
    return nearDuplicatesIn(await this.getDb(), imageIds, onProgress);
  }

  async gradcam(runId: string, imageId: string, classIndex: number | null) {
    return gradCamFor(await this.getDb(), await this.runModel(runId), imageId, classIndex);
  }

  async shareLink(runId: string, tta = false) {
    return shareLinkFor(await this.runModel(runId), tta);
  }

  /** Test-time augmented scores of the run's validation and test images, stored on the run. */
  async evaluateTta(runId: string, onProgress: (done: number, total: number) => void) {
    const db = await this.getDb();
    const m = await this.runModel(runId);
    const ttaEvaluation = await evaluateWithTta(db, m, onProgress);
    await updateRun(db, runId, { ttaEvaluation });
    return ttaEvaluation;
  }

  async exportRun(runId: string, tta = false) {
    const files = await exportFiles(await this.runModel(runId), tta);
    return { files, zip: zipFiles(files) };
  }

  /** Work outside a run (preview, import, load) still needs a measured backend. */
  private async anyBackend() {
    if (!this.decision) await this.ensureBackend('frozen', 'auto');
  }

  async importModel(projectId: string, name: string, zip: ArrayBuffer) {
    await this.anyBackend();
    return importExportedModel(await this.getDb(), projectId, name, zip);
  }

  async bench(spec: BackboneSpec, backends: BackendName[], batch: number, reps: number, finetune?: FinetuneShape) {
    this.backbone?.opened.model.dispose();
    this.backbone = null;
    return runBench(await this.getDb(), spec, backends, batch, reps, finetune);
  }

  async importBackbone(name: string, files: DroppedFile[]) {
    await this.anyBackend();
    return importBackbone(await this.getDb(), name, files);
  }

  async augmentPreview(imageIds: string[], augment: AugmentConfig, seed: number, size: number) {
    await this.anyBackend();
    const source = new IdbPixelSource(await this.getDb(), 'center-crop');
    const pixels = await source.load(imageIds, size);
    const unit = toUnitBatch(pixels, size);
    const out = tf.tidy(() => augmentBatch(unit, augment, seed).mul(255).clipByValue(0, 255).cast('int32'));
    const data = await out.data();
    tf.dispose([unit, out]);
    const plane = size * size;
    const images = imageIds.map((_, b) => {
      const rgba = new Uint8ClampedArray(plane * 4);
      for (let i = 0; i < plane; i++) {
        rgba[i * 4] = data[(b * plane + i) * 3];
        rgba[i * 4 + 1] = data[(b * plane + i) * 3 + 1];
        rgba[i * 4 + 2] = data[(b * plane + i) * 3 + 2];
        rgba[i * 4 + 3] = 255;
      }
      return { width: size, height: size, data: rgba };
    });
    this.post({ type: 'augment-preview', images }, images.map((i) => i.data.buffer));
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
      const db = await this.getDb();
      await updateRun(db, runId, { status: 'error', error: errorText(e) }).catch(() => undefined);
      throw e;
    }
  }

  private async trainRun(runId: string, resume: boolean, choice: BackendChoice) {
    const db = await this.getDb();
    const run = await getRun(db, runId);
    if (!run) throw new Error('This run no longer exists.');
    const cfg = run.config;
    const backend = await this.ensureBackend(cfg.mode, choice);
    const opened = await this.loadBackbone(cfg.backbone);
    const spec = this.backbone!.spec;
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
    const writeEpoch = async (metrics: EpochMetrics, best: boolean) => {
      const points = pending;
      pending = [];
      metrics = { ...metrics, tensors: tf.memory().numTensors };
      await recordEpoch(db, runId, metrics, points, best ? { epoch: metrics.epoch, valAcc: metrics.valAcc ?? metrics.trainAcc, valLoss: metrics.valLoss ?? metrics.trainLoss } : undefined);
      this.post({ type: 'epoch', runId, metrics, best, numTensors: tf.memory().numTensors });
    };

    // Stored features are valid only for the backbone's stored weights: not after a fine-tuned parent's weights go in.
    const parent = !resume && run.parentRunId ? await getRun(db, run.parentRunId) : null;
    const pristine = !parent || parent.config.mode !== 'finetune';
    const imageKey = new Map(images.map((i) => [i.id, `${i.hash}:${i.width}x${i.height}:${i.trainingBytes}`]));
    let logged: Promise<unknown> = Promise.resolve();

    // Auto: study the data and fit the chosen head first (again from the start if the run was
    // interrupted before its plan was saved); a frozen plan ends the run there.
    let trainCfg = cfg;
    let headStart: Checkpoint['weights'] | null = null;
    let epochOffset = run.study?.plan.headSteps ?? 0;
    if (cfg.auto?.enabled && !run.study) {
      const stop = { requested: false };
      this.autoStop = () => (stop.requested = true);
      await updateRun(db, runId, { status: 'running', backend, backendReason: this.decision?.value.reason ?? null, error: null, heartbeatAt: Date.now(), history: [], batches: [] });
      this.post({ type: 'status', status: 'training' });
      const frozen = opened.kind === 'layers' ? frozenExtractor(spec, opened.model) : null;
      let next: Awaited<ReturnType<typeof autoStage>>;
      try {
        next = await autoStage(db, {
          run, extractor: frozen ?? this.extractor(spec, opened), source, train, val, test,
          hashOf: new Map(images.map((i) => [i.id, i.hash])), fineTunable: opened.kind === 'layers' && spec.fineTunable,
          blocks: opened.kind === 'layers' ? listBlocks(opened.model).length : 0, post: this.post, shouldStop: () => stop.requested,
          onEpoch: writeEpoch,
          store: pristine && frozen ? { store: featureStore(db), scope: featureScope(spec, 'frozen-extractor'), contentKey: (id) => imageKey.get(id) ?? id } : undefined,
        });
      } finally {
        this.autoStop = null;
        frozen?.dispose();
      }
      if (next.finished) return;
      ({ config: trainCfg, weights: headStart, headSteps: epochOffset } = next);
    }

    const extractor = this.extractor(spec, opened);
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
      onEpoch: (metrics, best) => writeEpoch({ ...metrics, epoch: metrics.epoch + epochOffset }, best),
      onCheckpoint: (cp, kind) => saveCheckpoint(db, toRecord(runId, cp, kind)),
      onLog: (line) => void (logged = logged.then(() => appendRunLog(db, runId, line)).catch(() => undefined)),
    }, pristine ? { featureStore: { store: featureStore(db), contentKey: (id) => imageKey.get(id) ?? id } } : {});
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
        const parent = (await getCheckpoint(db, run.parentRunId, 'best')) ?? (await getCheckpoint(db, run.parentRunId, 'last'));
        if (parent) trainer.loadWeights({ specs: parent.weights, data: parent.weightData });
      }
      await updateRun(db, runId, { status: 'running', backend, backendReason: this.decision?.value.reason ?? null, error: null, heartbeatAt: Date.now() });
      this.post({ type: 'status', status: 'training' });
      const result = await trainer.run(checkpoint, best?.weights);
      const evaluation = result.validation ? toEvaluation(val, result.validation) : undefined;
      // The test set is scored once, after training, with the kept weights: no choice ever saw it.
      const scored = test.length && result.status !== 'stopped' ? await evaluateImages(extractor, trainer.head, source, test, run.classes.length) : null;
      const testEvaluation = scored ? toEvaluation(test, scored) : undefined;
      await updateRun(db, runId, { status: result.status === 'stopped' ? 'stopped' : 'done', ...(evaluation ? { evaluation } : {}), ...(testEvaluation ? { testEvaluation } : {}) });
      this.post({ type: 'run-finished', runId, status: result.status, epochs: result.epochs });
      this.post({ type: 'status', status: 'done' });
    } finally {
      clearInterval(beat);
      trainer.dispose();
      this.trainer = null;
      await logged;
      // Fine-tuning (or a fine-tuned parent's weights) changed the backbone: the next run loads it afresh.
      if ((cfg.mode === 'finetune' || !pristine) && this.backbone?.opened.kind === 'layers') {
        this.backbone.opened.model.dispose();
        this.backbone = null;
      }
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
  private autoStop: (() => void) | null = null;
}
