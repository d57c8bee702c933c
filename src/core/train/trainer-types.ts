// The trainer's shapes: its checkpoints, the events it reports, its options and result, and the
// state one run carries from epoch to epoch.
import type { WarmBoundary } from './boundary';
import type { EarlyStopping, EarlyStoppingState } from './early-stopping';
import type { FeatureStore } from './features';
import type { EvalResult } from './evaluate';
import type { BatchPoint, EpochMetrics } from './run-config';
import type { EncodedWeights } from './weights';

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
  warmBoundary?: (layer: string) => WarmBoundary | null; // plain boundary rows at hand (same condition as featureStore)
}

export interface TrainResult {
  status: 'done' | 'stopped' | 'early-stopped';
  epochs: number;
  bestEpoch: number | null;
  /** Validation predictions of the final (or restored best) weights. */
  validation: EvalResult | null;
}

/** What one run keeps across epochs: early stopping, the best epoch so far, the update count. */
export interface RunState {
  labels: number[];
  classWeights: number[] | undefined;
  byAccuracy: boolean;
  es: EarlyStopping;
  best: Checkpoint['state'];
  bestWeights: EncodedWeights | null;
  bestAccuracy: number | null;
  startEpoch: number;
  step: number;
}

/** One epoch's training pass: when it began, summed loss, correct and seen images, last learning rate. */
export interface EpochPass {
  t0: number;
  lossSum: number;
  correct: number;
  seen: number;
  lr: number;
}
