// The training loop. Stage 1 trains the head on cached backbone features (the whole run in
// frozen mode); stage 2 (fine-tune) unfreezes the chosen backbone blocks and trains end to end
// on augmented pixels with discriminative learning rates. It reports every batch and epoch,
// checkpoints at each epoch end, pauses and stops between batches, and resumes from a checkpoint.
import * as tf from '@tensorflow/tfjs';
import { setTrainableLastBlocks } from '../backbones/layers';
import { backboneBlockWeights } from './param-groups';
import { oversampleIndices } from './class-weights';
import { freshRunState, runLr, stageOfEpoch } from './run-state';
import { toModelRange, toUnitBatch, type PixelSource, type TrainImage } from './data';
import { augmentView, buildBoundaryCache, DEFAULT_BOUNDARY_BUDGET, gatherBoundary, type BoundaryCaches } from './boundary';
import { EarlyStopping } from './early-stopping';
import { gatherFeatures, pool, viewSeed, type FeatureExtractor } from './features';
import { computeRunFeatures, type RunFeatures } from './run-features';
import { buildHead, headL2 } from './head';
import { weightedCategoricalCrossEntropy } from './losses';
import { makeOptimizer, getOptimizerState, setOptimizerState } from './optimizers';
import { addGrads, applyGroups, type GradSums, type ParamGroup as Group } from './train-step';
import { createRng } from './rng';
import { nextTask } from './next-task';
import type { EpochMetrics, RunConfig } from './run-config';
import { applyNamedWeights, decodeNamed, encodeNamed, layerWeights, type EncodedWeights } from './weights';
import { evaluateLogits, type EvalResult } from './evaluate';
import type { Checkpoint, EpochPass, RunState, TrainerEvents, TrainerOptions, TrainResult } from './trainer-types';

export type { Checkpoint, TrainerEvents, TrainerOptions, TrainResult } from './trainer-types';

export class Trainer {
  readonly head: tf.Sequential;
  private paused: { promise: Promise<void>; resolve: () => void } | null = null;
  private stopRequested = false;
  private cache: RunFeatures | null = null;
  private groups: Group[] = [];
  private groupsStage: 1 | 2 | 0 = 0;
  private smooth: number | null = null;
  /** Fine-tune boundary cache: undefined until stage 2 first needs it, null when off. */
  private boundary: BoundaryCaches | null | undefined;

  constructor(
    private readonly extractor: FeatureExtractor,
    private readonly backbone: tf.LayersModel | null,
    private readonly source: PixelSource,
    private readonly cfg: RunConfig,
    private readonly numClasses: number,
    private readonly train: TrainImage[],
    private readonly val: TrainImage[],
    private readonly events: TrainerEvents = {},
    private readonly options: TrainerOptions = {},
  ) {
    if (cfg.mode === 'finetune' && !backbone) throw new Error('Fine-tuning needs a layers-model backbone; this backbone is frozen-only.');
    this.head = buildHead(extractor.spec.featureDim, numClasses, cfg.head, cfg.seed);
  }

  pause() {
    if (this.paused) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.paused = { promise, resolve };
  }
  resume() {
    this.paused?.resolve();
    this.paused = null;
  }
  stop() {
    this.stopRequested = true;
    this.resume();
  }
  get isPaused() {
    return this.paused != null;
  }

  private lastYield = 0;

  /**
   * Between batches: lets the worker's message loop run (pause and stop arrive as messages) at
   * least every ~30 ms, since nothing else in a batch is sure to wait for a task, then waits
   * while paused.
   */
  private async gate() {
    if (performance.now() - this.lastYield > 30) {
      await nextTask();
      this.lastYield = performance.now();
    }
    while (this.paused) await this.paused.promise;
  }

  get totalEpochs() {
    return this.cfg.epochs + (this.cfg.mode === 'finetune' ? this.cfg.finetune.epochs : 0);
  }

  private stageOf = (epoch: number) => stageOfEpoch(this.cfg, epoch);

  private backboneGroups = () => backboneBlockWeights(this.backbone!, this.cfg.trainableBlocks, this.cfg.layerOverrides);

  private makeGroups(stage: 1 | 2) {
    for (const g of this.groups) g.opt.dispose();
    const opt = () => makeOptimizer({ kind: this.cfg.optimizer, lr: 1e-3, momentum: this.cfg.momentum, weightDecay: this.cfg.weightDecay || undefined });
    const headVars = layerWeights(this.head, 'head').filter((w) => w.variable.trainable);
    this.groups = [{ name: 'head', mult: 1, vars: headVars, opt: opt() }];
    if (stage === 2) {
      const blocks = this.backboneGroups();
      const n = blocks.length;
      blocks.forEach((b, i) => {
        // fastai slice(lo, hi): the earliest unfrozen block gets grade × the multiplier, the last 1 ×.
        const grade = n > 1 ? Math.pow(this.cfg.backboneLrGrade, (n - 1 - i) / (n - 1)) : 1;
        this.groups.push({ name: `block:${b.block}`, mult: this.cfg.backboneLrMultiplier * grade, vars: b.vars, opt: opt() });
      });
    } else if (this.backbone) {
      setTrainableLastBlocks(this.backbone, 0);
    }
    this.groupsStage = stage;
  }

  /**
   * The weights a checkpoint holds: the head, plus (fine-tune mode) every backbone layer that
   * stage 2 trains, in both stages, so restoring a stage-1 best after stage 2 puts the backbone
   * back too and never pairs an old head with a fine-tuned backbone.
   */
  private savedWeights() {
    const list = layerWeights(this.head, 'head');
    if (this.backbone && this.cfg.mode === 'finetune') {
      this.stage2Layers ??= new Set(this.backboneGroups().flatMap((g) => g.vars.map((v) => v.name.split('/')[1])));
      const open = this.stage2Layers;
      list.push(...layerWeights(this.backbone, 'backbone', (l) => open.has(l.name)));
    }
    return list;
  }
  private stage2Layers: Set<string> | null = null;

  /** Dropout masks follow the run's seed: one seed per training batch. */
  private seedDropout(batchIndex: number) {
    for (const l of this.head.layers) if (l.getClassName() === 'Dropout') (l as unknown as { seed?: number }).seed = viewSeed(this.cfg.seed, batchIndex, 3);
  }

  async snapshot(epoch: number, step: number, es: EarlyStopping, best: Checkpoint['state']): Promise<Checkpoint> {
    const weights = await encodeNamed(this.savedWeights().map((w) => ({ name: w.name, tensor: w.variable.read() })));
    const optState: { name: string; tensor: tf.Tensor }[] = [];
    for (const g of this.groups) {
      for (const w of await getOptimizerState(g.opt)) optState.push({ name: `${g.name}#${optState.length}#${w.name}`, tensor: w.tensor });
    }
    const optimizer = await encodeNamed(optState);
    tf.dispose(optState.map((o) => o.tensor));
    return { epoch, stage: this.stageOf(epoch), step, weights, optimizer, state: { ...best, earlyStopping: es.getState() } };
  }

  /** Loads weights by their stable names; unknown names are ignored, missing ones keep their value. */
  loadWeights(w: EncodedWeights) {
    applyNamedWeights(w, [{ prefix: 'head', model: this.head }, ...(this.backbone ? [{ prefix: 'backbone', model: this.backbone }] : [])]);
  }

  private async restoreOptimizers(w: EncodedWeights) {
    const decoded = decodeNamed(w);
    for (const g of this.groups) {
      const mine = decoded.filter((d) => d.name.startsWith(`${g.name}#`)).map((d) => ({ name: d.name.split('#').slice(2).join('#'), tensor: d.tensor }));
      if (mine.length) await setOptimizerState(g.opt, mine);
    }
    tf.dispose(decoded.map((d) => d.tensor));
  }

  /**
   * Stage 1's features. A fine-tune run builds its boundary cache first (the same views stage 2
   * trains on) and takes the head's features from it through the suffix: the frozen prefix, most
   * of the backbone's work, runs once per image and view for both stages. Null when stopped.
   */
  private async features() {
    if (this.cache) return this.cache;
    if (this.cfg.mode === 'finetune' && this.backbone && this.cfg.finetune.epochs > 0 && this.boundary === undefined) {
      // The boundary sits where stage 2's trainable layers begin: open them to plan it, then
      // close them again for stage 1.
      setTrainableLastBlocks(this.backbone, this.cfg.trainableBlocks, { overrides: this.cfg.layerOverrides });
      const made = await this.prepareBoundary();
      setTrainableLastBlocks(this.backbone, 0);
      if (!made) return null;
    }
    this.cache = await computeRunFeatures({
      extractor: this.extractor, backbone: this.backbone, source: this.source, train: this.train.map((t) => t.id), val: this.val.map((t) => t.id),
      views: this.cfg.augmentViews, augment: this.cfg.augmentEnabled ? this.cfg.augment : null, seed: this.cfg.seed,
      // From the boundary cache the pass is short: its progress was the boundary's, counted in the same image views.
      onProgress: this.boundary ? undefined : (d, t) => this.events.onStatus?.('features', d, t),
      shouldStop: () => this.stopRequested, store: this.options.featureStore, onLog: this.events.onLog,
      boundary: this.boundary,
    });
    return this.cache;
  }

  /** Logits for a batch of training images in the current stage (features from cache in stage 1). */
  private async batchLogits(stage: 1 | 2, idx: number[], epoch: number, training: boolean, set: 'train' | 'val'): Promise<() => tf.Tensor2D> {
    if (stage === 1) {
      const cache = set === 'train' ? this.cache!.train : this.cache!.val;
      const rng = createRng(viewSeed(this.cfg.seed, epoch, 17));
      const x = gatherFeatures(cache, idx, () => (set === 'train' ? rng.int(cache.views.length) : 0));
      return Object.assign(() => this.head.apply(x, { training }) as tf.Tensor2D, { dispose: () => x.dispose() });
    }
    // Each training image shows one of its K views per epoch (view 0 is the plain image).
    const k = this.viewCount();
    const views = idx.map((i) => (training && set === 'train' && k > 1 ? viewSeed(this.cfg.seed ^ 0x5bd1e995, i, epoch) % k : 0));
    const bc = this.boundary;
    if (bc) {
      const x = gatherBoundary(set === 'train' ? bc.train : bc.val, idx, views);
      return Object.assign(() => this.head.apply(pool(bc.split.suffix(x)), { training }) as tf.Tensor2D, { dispose: () => x.dispose() });
    }
    const images = set === 'train' ? this.train : this.val;
    const size = this.extractor.spec.inputSize;
    const unit = toUnitBatch(await this.source.load(idx.map((i) => images[i].id), size), size);
    const x = tf.tidy(() => toModelRange(augmentView(unit, this.cfg.augment, this.cfg.seed, idx, views), this.extractor.spec.preprocessing));
    unit.dispose();
    return Object.assign(() => this.head.apply(pool(this.extractor.forward(x)), { training }) as tf.Tensor2D, { dispose: () => x.dispose() });
  }

  /** The fine-tune run's freeze boundary, when its cache was built (the prefix never changed). */
  get boundarySplit() {
    return this.boundary?.split ?? null;
  }

  private viewCount = () => (this.cfg.augmentEnabled ? Math.max(1, this.cfg.augmentViews) : 1);

  /** Stage 2: runs the frozen prefix once per image and view, or logs why not. False when stopped. */
  private async prepareBoundary(): Promise<boolean> {
    if (this.boundary !== undefined) return true;
    const made = await buildBoundaryCache({
      model: this.backbone!, source: this.source, spec: this.extractor.spec, train: this.train.map((t) => t.id), val: this.val.map((t) => t.id),
      views: this.viewCount(), augment: this.cfg.augmentEnabled ? this.cfg.augment : null, seed: this.cfg.seed,
      budget: this.options.boundaryBudget ?? DEFAULT_BOUNDARY_BUDGET, onLog: (l) => this.events.onLog?.(l),
      onProgress: (d, t) => this.events.onStatus?.('features', d, t), shouldStop: () => this.stopRequested,
      warmAt: this.options.warmBoundary,
    });
    if (made !== 'stopped') this.boundary = made;
    return made !== 'stopped';
  }

  /** Validation loss, accuracy and probabilities with the current weights. */
  async evaluate(stage: 1 | 2): Promise<EvalResult | null> {
    if (this.val.length === 0) return null;
    const bs = Math.max(this.cfg.batchSize, 16);
    const logits: tf.Tensor2D[] = [];
    for (let s = 0; s < this.val.length; s += bs) {
      const idx = Array.from({ length: Math.min(bs, this.val.length - s) }, (_, i) => s + i);
      const f = await this.batchLogits(stage, idx, 0, false, 'val');
      logits.push(tf.tidy(f));
      (f as unknown as { dispose: () => void }).dispose();
    }
    const all = tf.concat(logits, 0) as tf.Tensor2D;
    tf.dispose(logits);
    const res = await evaluateLogits(all, this.val.map((v) => v.label));
    all.dispose();
    return res;
  }

  /** Trains from scratch, or from `resume` (a 'last' checkpoint) with `resumeBest`, the weights of its best epoch so far. */
  async run(resume?: Checkpoint | null, resumeBest?: EncodedWeights | null): Promise<TrainResult> {
    const cfg = this.cfg;
    const s = await this.startState(resume, resumeBest);
    let status: TrainResult['status'] = 'done';
    let epoch = s.startEpoch;
    for (; epoch < this.totalEpochs; epoch++) {
      const stage = this.stageOf(epoch);
      if (!(await this.enterStage(stage, s.es))) { status = 'stopped'; break; }
      const pass = await this.trainEpoch(stage, epoch, s);
      if (!pass) { status = 'stopped'; break; }
      const stop = await this.endEpoch(stage, epoch, pass, s);
      if (stop && stage === 1 && cfg.mode === 'finetune') {
        // The head has stopped improving: go on to fine-tuning from its best epoch.
        if (cfg.earlyStopping.restoreBest && s.bestWeights) this.loadWeights(s.bestWeights);
        epoch = cfg.epochs - 1;
        continue;
      }
      if (stop) { status = 'early-stopped'; epoch++; break; }
    }
    if (cfg.earlyStopping.enabled && cfg.earlyStopping.restoreBest && s.bestWeights && status !== 'stopped') this.loadWeights(s.bestWeights);
    const validation = this.val.length ? await this.evaluate(this.stageOf(Math.max(0, epoch - 1))) : null;
    return { status, epochs: epoch, bestEpoch: s.best.bestEpoch, validation };
  }

  /** Early stopping, the best epoch so far and the step count: fresh, or as a checkpoint left them. */
  private async startState(resume?: Checkpoint | null, resumeBest?: EncodedWeights | null): Promise<RunState> {
    const s = freshRunState(this.cfg, this.train.map((t) => t.label), this.numClasses);
    if (resume) {
      this.makeGroups(resume.stage);
      this.loadWeights(resume.weights);
      await this.restoreOptimizers(resume.optimizer);
      s.es.setState(resume.state.earlyStopping);
      Object.assign(s, { best: resume.state, bestAccuracy: resume.state.bestValAcc, startEpoch: resume.epoch + 1, bestWeights: resumeBest ?? null, step: resume.step });
    }
    return s;
  }

  /** Features (stage 1), the stage's parameter groups, and the boundary cache (stage 2). False when stopped. */
  private async enterStage(stage: 1 | 2, es: EarlyStopping): Promise<boolean> {
    if (stage === 1 && !(await this.features())) return false;
    if (this.groupsStage !== stage) {
      // Fine-tuning gets its own patience; the best so far (a stage-1 epoch) is still the one to beat.
      if (stage === 2 && this.groupsStage === 1) es.resetPatience();
      this.makeGroups(stage);
    }
    // After makeGroups: the boundary sits where the layers it unfroze begin.
    return stage === 1 || (await this.prepareBoundary());
  }

  /** One pass over the training images in seeded order, an update every gradAccumulation batches. Null when stopped mid-epoch. */
  private async trainEpoch(stage: 1 | 2, epoch: number, s: RunState): Promise<EpochPass | null> {
    const cfg = this.cfg;
    const rng = createRng(cfg.seed).fork(`epoch-${epoch}`);
    const order = cfg.balance === 'oversample' ? oversampleIndices(s.labels, rng.fork('oversample')) : s.labels.map((_, i) => i);
    rng.shuffle(order);
    const bs = cfg.batchSize;
    const batches = Math.ceil(order.length / bs);
    const accum = Math.max(1, cfg.gradAccumulation);
    const updatesPerEpoch = Math.ceil(batches / accum);
    const pass: EpochPass = { t0: performance.now(), lossSum: 0, correct: 0, seen: 0, lr: 0 };
    let acc: GradSums | null = null;
    for (let b = 0; b < batches; b++) {
      await this.gate();
      if (this.stopRequested) break;
      const idx = order.slice(b * bs, (b + 1) * bs);
      this.seedDropout(epoch * batches + b);
      const { grads, loss, correct } = await this.batchGradients(stage, epoch, idx, accum, s.classWeights);
      acc = addGrads(acc, grads);
      pass.correct += correct;
      pass.seen += idx.length;
      pass.lossSum += loss * idx.length;
      if ((b + 1) % accum === 0 || b === batches - 1) {
        pass.lr = runLr(cfg, epoch, Math.floor(b / accum), updatesPerEpoch);
        applyGroups(this.groups, acc, pass.lr);
        acc = null;
        s.step++;
      }
      this.smooth = this.smooth == null ? loss : 0.9 * this.smooth + 0.1 * loss;
      const secs = (performance.now() - pass.t0) / 1000;
      this.events.onBatch?.({ step: epoch * batches + b, loss, smooth: this.smooth, lr: pass.lr, epoch, batch: b + 1, batches, imagesPerSecond: pass.seen / Math.max(secs, 1e-6) });
    }
    if (acc) tf.dispose(Object.values(acc));
    return this.stopRequested && pass.seen < order.length ? null : pass;
  }

  /** One batch's gradients (its loss divided by the accumulation count), its loss and how many it got right. */
  private async batchGradients(stage: 1 | 2, epoch: number, idx: number[], accum: number, classWeights: number[] | undefined) {
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((i) => this.train[i].label), 'int32'), this.numClasses).toFloat() as tf.Tensor2D);
    const logitsOf = await this.batchLogits(stage, idx, epoch, true, 'train');
    const vars = this.groups.flatMap((g) => g.vars.map((v) => v.variable.read() as tf.Variable));
    let predictions: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const logits = logitsOf();
      predictions = tf.keep(logits.argMax(1)); // kept for accuracy; disposed below
      let loss = weightedCategoricalCrossEntropy(y, logits, { classWeights, labelSmoothing: this.cfg.labelSmoothing });
      const l2 = headL2(this.head, this.cfg.head.l2);
      if (l2) loss = loss.add(l2);
      return loss.div(accum) as tf.Scalar;
    }, vars);
    (logitsOf as unknown as { dispose: () => void }).dispose();
    const loss = (await value.data())[0] * accum;
    const predArr = await predictions!.data();
    const correct = idx.filter((i, j) => predArr[j] === this.train[i].label).length;
    tf.dispose([value, predictions!, y]);
    return { grads, loss, correct };
  }

  /** Scores the epoch, keeps the best, reports it and checkpoints. True when early stopping says stop. */
  private async endEpoch(stage: 1 | 2, epoch: number, pass: EpochPass, s: RunState): Promise<boolean> {
    const cfg = this.cfg;
    this.events.onStatus?.('evaluating', 0, 1);
    const ev = await this.evaluate(stage);
    const seconds = (performance.now() - pass.t0) / 1000;
    const seen = Math.max(1, pass.seen);
    const metrics: EpochMetrics = {
      epoch: epoch + 1, stage, trainLoss: pass.lossSum / seen, trainAcc: pass.correct / seen,
      valLoss: ev?.loss ?? null, valAcc: ev?.accuracy ?? null, lr: pass.lr, seconds, imagesPerSecond: pass.seen / seconds,
    };
    const loss = metrics.valLoss ?? metrics.trainLoss;
    const accuracy = metrics.valAcc ?? metrics.trainAcc;
    let improved: boolean;
    let stop = false;
    // Watching accuracy, the loss breaks exact ties (common on a small validation set).
    if (cfg.earlyStopping.enabled) ({ improved, stop } = s.es.update(epoch, s.byAccuracy ? accuracy : loss, s.byAccuracy ? loss : undefined));
    else if (s.byAccuracy) improved = s.bestAccuracy == null || accuracy > s.bestAccuracy || (accuracy === s.bestAccuracy && loss < (s.best.bestValLoss ?? Infinity));
    else improved = s.best.bestValLoss == null || loss < s.best.bestValLoss;
    if (improved) {
      s.best = { ...s.best, bestValLoss: loss, bestValAcc: metrics.valAcc, bestEpoch: epoch + 1 };
      s.bestAccuracy = accuracy;
    }
    s.best.earlyStopping = s.es.getState();
    await this.events.onEpoch?.(metrics, improved);
    const cp = await this.snapshot(epoch, s.step, s.es, s.best);
    if (improved) {
      s.bestWeights = cp.weights;
      await this.events.onCheckpoint?.(cp, 'best');
    }
    await this.events.onCheckpoint?.(cp, 'last');
    return stop;
  }

  dispose() {
    for (const g of this.groups) g.opt.dispose();
    this.groups = [];
    this.head.dispose();
  }
}
