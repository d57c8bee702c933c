// Auto in the training worker: backbone features of the run's images (the pass frozen training
// needs anyway), the cross-validated study on them, the plan, and the final head fit, recorded
// as the run's first epochs. A frozen plan ends here; a fine-tune plan hands the fitted head to
// the trainer, which runs the fine-tuning stage.
import * as tf from '@tensorflow/tfjs';
import { applyPlan, chooseAutoPlan, fitOnOf, type AutoPlan } from '../../core/train/auto-plan';
import { computeFeatures, type FeatureCache, type FeatureExtractor, type FeatureStore } from '../../core/train/features';
import type { PixelSource, TrainImage } from '../../core/train/data';
import { evaluateLogits, evaluateProbabilities, type EvalResult } from '../../core/train/evaluate';
import { buildHead } from '../../core/train/head';
import { runStudy } from '../../core/train/study';
import { averageLinearHeads, averageLogits, fitHead, outOfFoldPredictions, type OutOfFold } from '../../core/train/study-fit';
import { applyNamedWeights, encodeNamed, type EncodedWeights } from '../../core/train/weights';
import type { EpochMetrics, RunConfig } from '../../core/train/run-config';
import type { RunRecord, RunStudy, StudioDB } from '../../persistence/db';
import { getRun, updateRun } from '../../persistence/runs-repo';
import { saveCheckpoint } from '../../persistence/checkpoints-repo';
import { EarlyStopping } from '../../core/train/early-stopping';
import type { Checkpoint } from '../../core/train/trainer';
import { toEvaluation, toRecord } from './run-records';
import type { FromWorker, StudyRowLite } from '../protocol';

export interface AutoContext {
  run: RunRecord;
  extractor: FeatureExtractor;
  source: PixelSource;
  train: TrainImage[];
  val: TrainImage[];
  /** Test images: scored once with the kept head, never part of a choice. */
  test: TrainImage[];
  /** Content hash of each image id (folds follow content, not ids). */
  hashOf: Map<string, string>;
  fineTunable: boolean;
  blocks: number;
  post: (msg: FromWorker) => void;
  shouldStop: () => boolean;
  /** `kept`: the last epoch of the head fit, whose weights the run keeps. */
  onEpoch: (m: EpochMetrics, kept: boolean) => Promise<void>;
  /** Features kept across runs (the same store and scope as a frozen run's), when the backbone has its stored weights. */
  store?: { store: FeatureStore; scope: string; contentKey: (id: string) => string };
}

export interface AutoOutcome {
  plan: AutoPlan;
  config: RunConfig;
  study: RunStudy;
  /** The fitted head, named as checkpoints name it. */
  weights: EncodedWeights;
  /**
   * Validation predictions of that head (frozen plans keep it as the run's model); for a head
   * fitted on training and validation images, the out-of-fold predictions of all of them.
   */
  validation: { items: TrainImage[]; result: EvalResult; outOfFold?: number } | null;
  /** Test predictions of that head, for a frozen plan (a fine-tune plan's trainer scores its own). */
  test: EvalResult | null;
}

const lite = (rows: RunStudy['rows']): StudyRowLite[] => rows.slice(0, 12);

/** Resolves to null when the user stopped it. */
export async function runAuto(ctx: AutoContext): Promise<AutoOutcome | null> {
  const { run, extractor, train, val } = ctx;
  const runId = run.id;
  const settings = run.config.auto!;
  const total = train.length + val.length + ctx.test.length;
  const features = async (items: TrainImage[], offset: number): Promise<FeatureCache | null> =>
    computeFeatures({
      extractor, source: ctx.source, ids: items.map((t) => t.id), views: 1, augment: null, seed: run.config.seed,
      onProgress: (d) => ctx.post({ type: 'features-progress', runId, done: offset + d, total }),
      shouldStop: ctx.shouldStop,
      store: ctx.store ? { store: ctx.store.store, scope: ctx.store.scope, contentKeys: items.map((t) => ctx.store!.contentKey(t.id)) } : undefined,
    });
  const trainF = await features(train, 0);
  const valF = trainF && (await features(val, train.length));
  if (!trainF || !valF) return null;
  const dim = trainF.dim;
  const numClasses = run.classes.length;
  // The study sees every labelled image outside the test set: the validation images join the
  // folds. A frozen plan also fits on all of them and reports their out-of-fold predictions; a
  // fine-tune plan fits on the training images and keeps the validation images for its epochs.
  const pool = [...train, ...val];
  const poolF = new Float32Array(pool.length * dim);
  poolF.set(trainF.views[0]);
  poolF.set(valF.views[0], train.length * dim);
  const poolLabels = pool.map((t) => t.label);

  ctx.post({ type: 'study-progress', runId, phase: 'search', done: 0, total: 1, rows: [] });
  const study = await runStudy({
    features: poolF, dim, labels: poolLabels, numClasses, keys: pool.map((t) => ctx.hashOf.get(t.id) ?? t.id), seed: run.config.seed,
    budgetMs: settings.budgetSec * 1000, shouldStop: ctx.shouldStop,
    onProgress: (p) => ctx.post({ type: 'study-progress', runId, phase: 'search', done: p.done, total: p.total, rows: lite(p.rows) }),
  }).catch((e: unknown) => {
    if (ctx.shouldStop()) return null; // stopped before any setting was scored
    throw e;
  });
  if (!study || ctx.shouldStop()) return null;
  const counts = Array.from({ length: numClasses }, (_, c) => poolLabels.filter((l) => l === c).length);
  const plan = chooseAutoPlan({ study, classNames: run.classes.map((c) => c.name), counts, fineTunable: ctx.fineTunable, allowFinetune: settings.allowFinetune, blocks: ctx.blocks });
  const config = applyPlan(run.config, plan);
  const fitOn = fitOnOf(plan);
  const pooled = fitOn === 'train+val';
  const record: RunStudy = {
    k: study.k, foldSizes: study.foldSizes, rows: study.rows, skipped: study.skipped, truncated: study.truncated, budgetMs: study.budgetMs, elapsedMs: study.elapsedMs, plan, fitOn,
  };
  ctx.post({ type: 'study-progress', runId, phase: 'fit', done: 0, total: plan.headSteps, rows: lite(study.rows), plan });

  // A pooled fit has no validation images left: the chosen settings' out-of-fold curves and
  // predictions (one more cross-validated fit each) stand in for them. A frozen plan's kept head
  // averages the logits of its members (the best linear settings), out of fold as well.
  const members = pooled && plan.members?.length ? plan.members : [{ candidate: plan.head, steps: plan.headSteps, accuracy: plan.cvAccuracy }];
  const oofs: OutOfFold[] = [];
  if (pooled) {
    for (const m of members) {
      const r = await outOfFoldPredictions({
        features: poolF, dim, labels: poolLabels, numClasses, candidate: m.candidate, steps: m.steps, seed: run.config.seed,
        mean: study.mean, std: study.std, folds: study.folds, k: study.k, shouldStop: ctx.shouldStop,
      });
      if (!r) return null;
      oofs.push(r);
    }
  }
  const heldOut = pooled ? evaluateProbabilities(oofs.length > 1 ? averageLogits(oofs.map((o) => o.probabilities), numClasses) : oofs[0].probabilities, poolLabels, numClasses) : null;
  const oofAt = new Map(oofs[0]?.curve.map((c) => [c.step, c]));
  const fitItems = pooled ? pool : train;
  const fitFeatures = pooled ? poolF : trainF.views[0];
  const fitLabels = fitItems.map((t) => t.label);
  const owned: tf.Tensor[] = [];
  try {
    // The other members first, quietly; the best one's fit is the run's history.
    const others: { name: string; tensor: tf.Tensor }[][] = [];
    for (const m of members.slice(1)) {
      const f = await fitHead({ features: fitFeatures, dim, labels: fitLabels, numClasses, candidate: m.candidate, steps: m.steps, seed: run.config.seed, mean: study.mean, std: study.std, shouldStop: ctx.shouldStop });
      owned.push(...f.weights.map((w) => w.tensor));
      if (f.stopped) return null;
      others.push(f.weights);
    }
    const averaged = others.length > 0;
    const started = performance.now();
    let last = started;
    let lastStep = 0;
    let finalPasses = 0;
    const fit = await fitHead({
      features: fitFeatures, dim, labels: fitLabels, numClasses, candidate: plan.head, steps: plan.headSteps, seed: run.config.seed,
      mean: study.mean, std: study.std, val: !pooled && val.length ? { features: valF.views[0], labels: val.map((v) => v.label) } : undefined,
      shouldStop: ctx.shouldStop,
      onEval: async (e) => {
        const now = performance.now();
        const passes = e.step - lastStep;
        lastStep = e.step;
        ctx.post({ type: 'study-progress', runId, phase: 'fit', done: e.step, total: plan.headSteps, rows: lite(study.rows), plan });
        // An averaged head's last epoch is recorded once the average exists, with its own figures.
        if (averaged && e.step === plan.headSteps) {
          finalPasses = passes;
          return;
        }
        const seconds = (now - last) / 1000;
        last = now;
        const held = e.step === plan.headSteps && heldOut ? { accuracy: heldOut.accuracy, loss: heldOut.loss } : oofAt.get(e.step);
        await ctx.onEpoch({
          epoch: e.step, stage: 1, trainLoss: e.loss[0], trainAcc: e.accuracy[0],
          valLoss: held?.loss ?? e.valLoss?.[0] ?? null, valAcc: held?.accuracy ?? e.valAccuracy?.[0] ?? null,
          lr: plan.head.lr, seconds, imagesPerSecond: seconds > 0 ? (passes * fitItems.length) / seconds : 0,
        }, e.step === plan.headSteps);
      },
    });
    owned.push(...fit.weights.map((w) => w.tensor));
    if (fit.stopped) return null;
    const kept = averaged ? averageLinearHeads([fit.weights, ...others]) : fit.weights;
    if (averaged) owned.push(...kept.map((w) => w.tensor));
    const weights = await encodeNamed(kept);
    if (averaged) {
      const onTrain = await scoreHead(weights, dim, numClasses, config, fitFeatures, fitLabels);
      const seconds = (performance.now() - last) / 1000;
      await ctx.onEpoch({
        epoch: plan.headSteps, stage: 1, trainLoss: onTrain.loss, trainAcc: onTrain.accuracy, valLoss: heldOut!.loss, valAcc: heldOut!.accuracy,
        lr: plan.head.lr, seconds, imagesPerSecond: seconds > 0 ? (finalPasses * fitItems.length) / seconds : 0,
      }, true);
    }
    const validation: AutoOutcome['validation'] = heldOut
      ? { items: pool, result: heldOut, outOfFold: study.k }
      : val.length ? { items: val, result: await scoreHead(weights, dim, numClasses, config, valF.views[0], val.map((v) => v.label)) } : null;
    let test: EvalResult | null = null;
    if (plan.mode === 'frozen' && ctx.test.length) {
      // Features of the test images only now, after every choice is made.
      const testF = await features(ctx.test, train.length + val.length);
      if (!testF) return null;
      test = await scoreHead(weights, dim, numClasses, config, testF.views[0], ctx.test.map((t) => t.label));
    }
    return { plan, config, study: record, weights, validation, test };
  } finally {
    tf.dispose(owned);
  }
}

/** Validation predictions of a fitted head on cached features. */
async function scoreHead(weights: EncodedWeights, dim: number, numClasses: number, cfg: RunConfig, features: Float32Array, labels: number[]): Promise<EvalResult> {
  const head = buildHead(dim, numClasses, cfg.head, cfg.seed);
  try {
    applyNamedWeights(weights, [{ prefix: 'head', model: head }]);
    const logits = tf.tidy(() => head.apply(tf.tensor2d(features, [labels.length, dim]), { training: false }) as tf.Tensor2D);
    const res = await evaluateLogits(logits, labels);
    logits.dispose();
    return res;
  } finally {
    head.dispose();
  }
}

/**
 * Runs Auto and stores what it chose: the plan and study on the run, the fitted head as its best
 * and last checkpoint, the validation predictions. A frozen plan (or a stop) finishes the run;
 * a fine-tune plan returns the config and head the trainer goes on from.
 */
export async function autoStage(
  db: StudioDB,
  ctx: AutoContext,
): Promise<{ finished: true } | { finished: false; config: RunConfig; weights: EncodedWeights; headSteps: number }> {
  const runId = ctx.run.id;
  const outcome = await runAuto(ctx);
  if (!outcome) {
    await updateRun(db, runId, { status: 'stopped' });
    ctx.post({ type: 'run-finished', runId, status: 'stopped', epochs: 0 });
    ctx.post({ type: 'status', status: 'done' });
    return { finished: true };
  }
  const { plan } = outcome;
  const kept = (await getRun(db, runId))?.history.at(-1);
  const cp: Checkpoint = {
    epoch: plan.headSteps - 1, stage: 1, step: 0, weights: outcome.weights, optimizer: { specs: [], data: new ArrayBuffer(0) },
    state: { earlyStopping: new EarlyStopping({ patience: 1, mode: 'max', restoreBest: true }).getState(), bestValLoss: kept?.valLoss ?? null, bestValAcc: kept?.valAcc ?? null, bestEpoch: plan.headSteps },
  };
  await saveCheckpoint(db, toRecord(runId, cp, 'best'));
  await saveCheckpoint(db, toRecord(runId, cp, 'last'));
  const v = outcome.validation;
  const evaluation = v ? { ...toEvaluation(v.items, v.result), ...(v.outOfFold ? { outOfFold: { k: v.outOfFold } } : {}) } : undefined;
  const testEvaluation = outcome.test ? toEvaluation(ctx.test, outcome.test) : undefined;
  await updateRun(db, runId, {
    ...(testEvaluation ? { testEvaluation } : {}),
    config: outcome.config, study: outcome.study, totalEpochs: plan.headSteps + (plan.mode === 'finetune' ? plan.finetuneEpochs : 0),
    bestEpoch: plan.headSteps, bestValAcc: kept?.valAcc ?? null, bestValLoss: kept?.valLoss ?? null, ...(evaluation ? { evaluation } : {}),
  });
  if (plan.mode === 'frozen') {
    await updateRun(db, runId, { status: 'done' });
    ctx.post({ type: 'run-finished', runId, status: 'done', epochs: plan.headSteps });
    ctx.post({ type: 'status', status: 'done' });
    return { finished: true };
  }
  return { finished: false, config: outcome.config, weights: outcome.weights, headSteps: plan.headSteps };
}
