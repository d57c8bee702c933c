// The state a run starts with (early stopping as configured, class weights from the training
// labels, no best epoch yet, step 0; a resumed run overwrites it from its checkpoint), and where
// an epoch sits in the run: its stage and learning rate.
import { balancedClassWeights } from './class-weights';
import { EarlyStopping } from './early-stopping';
import type { RunConfig } from './run-config';
import { lrAt } from './schedules';
import type { RunState } from './trainer-types';

export function freshRunState(cfg: RunConfig, labels: number[], numClasses: number): RunState {
  const counts = Array.from({ length: numClasses }, (_, c) => labels.filter((l) => l === c).length);
  const byAccuracy = cfg.earlyStopping.monitor === 'accuracy';
  const es = new EarlyStopping({ patience: cfg.earlyStopping.patience, minDelta: cfg.earlyStopping.minDelta, mode: byAccuracy ? 'max' : 'min', restoreBest: cfg.earlyStopping.restoreBest });
  return {
    labels, byAccuracy, es, classWeights: cfg.balance === 'class-weights' ? balancedClassWeights(counts) : undefined,
    best: { earlyStopping: es.getState(), bestValLoss: null, bestValAcc: null, bestEpoch: null }, bestWeights: null, bestAccuracy: null, startEpoch: 0, step: 0,
  };
}

/** The stage of a 0-based epoch: a fine-tune run's stage 2 starts after its head epochs. */
export function stageOfEpoch(cfg: RunConfig, epoch: number): 1 | 2 {
  return cfg.mode === 'finetune' && epoch >= cfg.epochs ? 2 : 1;
}

/** The learning rate at update `batch` of `epoch`, from its stage's base rate and schedule. */
export function runLr(cfg: RunConfig, epoch: number, batch: number, stepsPerEpoch: number): number {
  const stage = stageOfEpoch(cfg, epoch);
  const base = stage === 1 ? cfg.lr : cfg.finetune.lr;
  const stageStart = stage === 1 ? 0 : cfg.epochs;
  const stageEpochs = stage === 1 ? cfg.epochs : cfg.finetune.epochs;
  const schedule = stage === 2 ? (cfg.finetune.schedule ?? cfg.schedule) : cfg.schedule;
  return lrAt(schedule, base, (epoch - stageStart) * stepsPerEpoch + batch, stepsPerEpoch, stageEpochs);
}
