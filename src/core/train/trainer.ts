// The training loop. Stage 1 trains the head on cached backbone features (the whole run in
// frozen mode); stage 2 (fine-tune) unfreezes the chosen backbone blocks and trains end to end
// on augmented pixels with discriminative learning rates. It reports every batch and epoch,
// checkpoints at each epoch end, pauses and stops between batches, and resumes from a checkpoint.
import * as tf from '@tensorflow/tfjs';
import { setTrainableLastBlocks } from '../backbones/layers';
import { backboneBlockWeights } from './param-groups';
import { balancedClassWeights, oversampleIndices } from './class-weights';
import { toModelRange, toUnitBatch, type PixelSource, type TrainImage } from './data';
import { augmentView, buildBoundaryCache, DEFAULT_BOUNDARY_BUDGET, gatherBoundary, type BoundaryCaches } from './boundary';
import { EarlyStopping, type EarlyStoppingState } from './early-stopping';
import { gatherFeatures, pool, viewSeed, type FeatureExtractor, type FeatureStore } from './features';
import { computeRunFeatures, type RunFeatures } from './run-features';
import { buildHead, headL2 } from './head';
import { weightedCategoricalCrossEntropy } from './losses';
import { makeOptimizer, setLearningRate, getOptimizerState, setOptimizerState } from './optimizers';
import { createRng } from './rng';
import { lrAt } from './schedules';
import type { BatchPoint, EpochMetrics, RunConfig } from './run-config';
import { applyNamedWeights, decodeNamed, encodeNamed, layerWeights, type EncodedWeights } from './weights';
import { evaluateLogits, type EvalResult } from './evaluate';

export interface Checkpoint {
  epoch: number;
  stage: 1 | 2;
  step: number;
  weights: EncodedWeights;
  optimizer: EncodedWeights;
  state: { earlyStopping: EarlyStoppingState; bestValLoss: number | null; bestValAcc: number | null; bestEpoch: number | null };
}

export interface TrainerEvents {
  onStatus?: (phase: 'features' | 'training' | 'evaluating', done: number, total: number) => void;
  onBatch?: (p: BatchPoint & { epoch: number; batch: number; batches: number; imagesPerSecond: number }) => void;
  onEpoch?: (m: EpochMetrics, best: boolean) => void | Promise<void>;
  onCheckpoint?: (cp: Checkpoint, kind: 'last' | 'best') => Promise<void>;
  onLog?: (line: string) => void; // a line for the run's log: what the trainer chose and why
}

export interface TrainerOptions {
  boundaryBudget?: number; // bytes the fine-tune boundary cache may take (default 512 MB); 0 turns it off
  featureStore?: { store: FeatureStore; contentKey: (id: string) => string }; // only for a backbone with its stored weights
}

export interface TrainResult {
  status: 'done' | 'stopped' | 'early-stopped';
  epochs: number;
  bestEpoch: number | null;
  /** Validation predictions of the final (or restored best) weights. */
  validation: EvalResult | null;
}

interface Group {
  name: string;
  mult: number;
  vars: { name: string; variable: tf.LayerVariable }[];
  opt: tf.Optimizer;
}

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

  private async gate() {
    while (this.paused) await this.paused.promise;
  }

  get totalEpochs() {
    return this.cfg.epochs + (this.cfg.mode === 'finetune' ? this.cfg.finetune.epochs : 0);
  }

  private stageOf(epoch: number): 1 | 2 {
    return this.cfg.mode === 'finetune' && epoch >= this.cfg.epochs ? 2 : 1;
  }

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

  private lrFor(epoch: number, batch: number, stepsPerEpoch: number): number {
    const stage = this.stageOf(epoch);
    const base = stage === 1 ? this.cfg.lr : this.cfg.finetune.lr;
    const stageStart = stage === 1 ? 0 : this.cfg.epochs;
    const stageEpochs = stage === 1 ? this.cfg.epochs : this.cfg.finetune.epochs;
    return lrAt(this.cfg.schedule, base, (epoch - stageStart) * stepsPerEpoch + batch, stepsPerEpoch, stageEpochs);
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

  private async features() {
    this.cache ??= await computeRunFeatures({
      extractor: this.extractor, backbone: this.backbone, source: this.source, train: this.train.map((t) => t.id), val: this.val.map((t) => t.id),
      views: this.cfg.augmentViews, augment: this.cfg.augmentEnabled ? this.cfg.augment : null, seed: this.cfg.seed,
      onProgress: (d, t) => this.events.onStatus?.('features', d, t), shouldStop: () => this.stopRequested, store: this.options.featureStore, onLog: this.events.onLog,
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

  private viewCount = () => (this.cfg.augmentEnabled ? Math.max(1, this.cfg.augmentViews) : 1);

  /** Stage 2: runs the frozen prefix once per image and view, or logs why not. False when stopped. */
  private async prepareBoundary(): Promise<boolean> {
    if (this.boundary !== undefined) return true;
    const made = await buildBoundaryCache({
      model: this.backbone!, source: this.source, spec: this.extractor.spec, train: this.train.map((t) => t.id), val: this.val.map((t) => t.id),
      views: this.viewCount(), augment: this.cfg.augmentEnabled ? this.cfg.augment : null, seed: this.cfg.seed,
      budget: this.options.boundaryBudget ?? DEFAULT_BOUNDARY_BUDGET, onLog: (l) => this.events.onLog?.(l),
      onProgress: (d, t) => this.events.onStatus?.('features', d, t), shouldStop: () => this.stopRequested,
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
    const labels = this.train.map((t) => t.label);
    const counts = Array.from({ length: this.numClasses }, (_, c) => labels.filter((l) => l === c).length);
    const classWeights = cfg.balance === 'class-weights' ? balancedClassWeights(counts) : undefined;
    const byAccuracy = cfg.earlyStopping.monitor === 'accuracy';
    const es = new EarlyStopping({ patience: cfg.earlyStopping.patience, minDelta: cfg.earlyStopping.minDelta, mode: byAccuracy ? 'max' : 'min', restoreBest: cfg.earlyStopping.restoreBest });
    let best: Checkpoint['state'] = { earlyStopping: es.getState(), bestValLoss: null, bestValAcc: null, bestEpoch: null };
    let bestWeights: EncodedWeights | null = null;
    let startEpoch = 0;
    let step = 0;
    if (resume) {
      this.makeGroups(resume.stage);
      this.loadWeights(resume.weights);
      await this.restoreOptimizers(resume.optimizer);
      es.setState(resume.state.earlyStopping);
      best = resume.state;
      startEpoch = resume.epoch + 1;
      bestWeights = resumeBest ?? null;
      step = resume.step;
    }
    const oneHot = (idx: number[], set: TrainImage[]) =>
      tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((i) => set[i].label), 'int32'), this.numClasses).toFloat() as tf.Tensor2D);
    let status: TrainResult['status'] = 'done';
    let epoch = startEpoch;
    let bestAccuracy: number | null = best.bestValAcc;
    for (; epoch < this.totalEpochs; epoch++) {
      const stage = this.stageOf(epoch);
      if (stage === 1 && !(await this.features())) { status = 'stopped'; break; }
      if (this.groupsStage !== stage) {
        // Fine-tuning gets its own patience; the best so far (a stage-1 epoch) is still the one to beat.
        if (stage === 2 && this.groupsStage === 1) es.resetPatience();
        this.makeGroups(stage);
      }
      // After makeGroups: the boundary sits where the layers it unfroze begin.
      if (stage === 2 && !(await this.prepareBoundary())) { status = 'stopped'; break; }
      const rng = createRng(cfg.seed).fork(`epoch-${epoch}`);
      const order = cfg.balance === 'oversample' ? oversampleIndices(labels, rng.fork('oversample')) : labels.map((_, i) => i);
      rng.shuffle(order);
      const bs = cfg.batchSize;
      const batches = Math.ceil(order.length / bs);
      const accum = Math.max(1, cfg.gradAccumulation);
      const updatesPerEpoch = Math.ceil(batches / accum);
      const t0 = performance.now();
      let lossSum = 0, correct = 0, seen = 0;
      let acc: Record<string, tf.Tensor> | null = null;
      let lr = 0;
      for (let b = 0; b < batches; b++) {
        await this.gate();
        if (this.stopRequested) break;
        const idx = order.slice(b * bs, (b + 1) * bs);
        const y = oneHot(idx, this.train);
        this.seedDropout(epoch * batches + b);
        const logitsOf = await this.batchLogits(stage, idx, epoch, true, 'train');
        const vars = this.groups.flatMap((g) => g.vars.map((v) => v.variable.read() as tf.Variable));
        let predictions: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const logits = logitsOf();
          predictions = tf.keep(logits.argMax(1)); // kept for accuracy; disposed below
          let loss = weightedCategoricalCrossEntropy(y, logits, { classWeights, labelSmoothing: cfg.labelSmoothing });
          const l2 = headL2(this.head, cfg.head.l2);
          if (l2) loss = loss.add(l2);
          return loss.div(accum) as tf.Scalar;
        }, vars);
        (logitsOf as unknown as { dispose: () => void }).dispose();
        if (acc) {
          const prev: Record<string, tf.Tensor> = acc;
          acc = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, prev[k].add(g)]));
          tf.dispose([...Object.values(prev), ...Object.values(grads)]);
        } else acc = grads;
        const batchLoss = (await value.data())[0] * accum;
        const predArr = await predictions!.data();
        correct += idx.filter((i, j) => predArr[j] === this.train[i].label).length;
        tf.dispose([value, predictions!, y]);
        seen += idx.length;
        lossSum += batchLoss * idx.length;
        if ((b + 1) % accum === 0 || b === batches - 1) {
          lr = this.lrFor(epoch, Math.floor(b / accum), updatesPerEpoch);
          for (const g of this.groups) {
            setLearningRate(g.opt, lr * g.mult);
            const mine: tf.NamedTensorMap = {};
            for (const v of g.vars) {
              const key = (v.variable.read() as tf.Variable).name;
              if (acc[key]) mine[key] = acc[key];
            }
            g.opt.applyGradients(mine);
          }
          tf.dispose(Object.values(acc));
          acc = null;
          step++;
        }
        this.smooth = this.smooth == null ? batchLoss : 0.9 * this.smooth + 0.1 * batchLoss;
        const secs = (performance.now() - t0) / 1000;
        this.events.onBatch?.({ step: epoch * batches + b, loss: batchLoss, smooth: this.smooth, lr, epoch, batch: b + 1, batches, imagesPerSecond: seen / Math.max(secs, 1e-6) });
      }
      if (acc) tf.dispose(Object.values(acc));
      if (this.stopRequested && seen < order.length) { status = 'stopped'; break; }
      this.events.onStatus?.('evaluating', 0, 1);
      const ev = await this.evaluate(stage);
      const seconds = (performance.now() - t0) / 1000;
      const metrics: EpochMetrics = {
        epoch: epoch + 1, stage, trainLoss: lossSum / Math.max(1, seen), trainAcc: correct / Math.max(1, seen),
        valLoss: ev?.loss ?? null, valAcc: ev?.accuracy ?? null, lr, seconds, imagesPerSecond: seen / seconds,
      };
      const loss = metrics.valLoss ?? metrics.trainLoss;
      const accuracy = metrics.valAcc ?? metrics.trainAcc;
      let improved: boolean;
      let stop = false;
      if (cfg.earlyStopping.enabled) ({ improved, stop } = es.update(epoch, byAccuracy ? accuracy : loss));
      else if (byAccuracy) improved = bestAccuracy == null || accuracy > bestAccuracy;
      else improved = best.bestValLoss == null || loss < best.bestValLoss;
      if (improved) {
        best = { ...best, bestValLoss: loss, bestValAcc: metrics.valAcc, bestEpoch: epoch + 1 };
        bestAccuracy = accuracy;
      }
      best.earlyStopping = es.getState();
      await this.events.onEpoch?.(metrics, improved);
      const cp = await this.snapshot(epoch, step, es, best);
      if (improved) {
        bestWeights = cp.weights;
        await this.events.onCheckpoint?.(cp, 'best');
      }
      await this.events.onCheckpoint?.(cp, 'last');
      if (stop && stage === 1 && cfg.mode === 'finetune') {
        // The head has stopped improving: go on to fine-tuning from its best epoch.
        if (cfg.earlyStopping.restoreBest && bestWeights) this.loadWeights(bestWeights);
        epoch = cfg.epochs - 1;
        continue;
      }
      if (stop) { status = 'early-stopped'; epoch++; break; }
    }
    if (cfg.earlyStopping.enabled && cfg.earlyStopping.restoreBest && bestWeights && status !== 'stopped') this.loadWeights(bestWeights);
    const validation = this.val.length ? await this.evaluate(this.stageOf(Math.max(0, epoch - 1))) : null;
    return { status, epochs: epoch, bestEpoch: best.bestEpoch, validation };
  }

  dispose() {
    for (const g of this.groups) g.opt.dispose();
    this.groups = [];
    this.head.dispose();
  }
}
