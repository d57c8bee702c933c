// What a training run is made of: its full configuration (seed and backbone included, so a run
// can be reproduced), the metrics it records, and the documented defaults the UI starts from.
import type { ScheduleConfig } from './schedules';
import type { AugmentConfig } from '../augment/augment';
import type { BackboneSpec } from '../backbones/catalog';
import { DEFAULT_AUTO, type AutoSettings } from './auto-plan';

export type TrainMode = 'frozen' | 'finetune';
export type OptimizerKind = 'adam' | 'adamw' | 'sgd' | 'rmsprop';
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export interface HeadConfig {
  /** Units of an optional hidden dense layer (0 = none, logistic regression on features). */
  hiddenUnits: number;
  dropout: number;
  /** L2 penalty on head kernels. */
  l2: number;
}

export interface StageConfig {
  epochs: number;
  lr: number;
}

/** Stage 2 of a fine-tune run. */
export interface FinetuneStageConfig extends StageConfig {
  /** Its own learning-rate schedule; absent in runs made before it existed, which used `schedule` for both stages. */
  schedule?: ScheduleConfig;
}

/** The fine-tune stage's schedule by default: one-cycle with a short warm-up, as Auto fine-tunes. */
export const DEFAULT_FINETUNE_SCHEDULE: ScheduleConfig = { kind: 'one-cycle', pctStart: 0.2 };

export interface RunConfig {
  mode: TrainMode;
  backbone: BackboneSpec;
  /** Fine-tune: train the last N blocks of the backbone (stage 2). */
  trainableBlocks: number;
  /** Per-layer overrides on top of trainableBlocks: layer name → trainable. */
  layerOverrides: Record<string, boolean>;
  head: HeadConfig;
  /** Frozen mode: the only stage. Fine-tune: stage 1 (head warm-up on the frozen backbone). */
  epochs: number;
  lr: number;
  /** Fine-tune stage 2: backbone unfrozen. */
  finetune: FinetuneStageConfig;
  /** Backbone learning rate = lr × this (discriminative). */
  backboneLrMultiplier: number;
  /** Grade the multiplier across unfrozen blocks: earliest block gets multiplier × gradeFactor, the last multiplier (fastai slice(lo, hi)). 1 = flat. */
  backboneLrGrade: number;
  batchSize: number;
  /** Apply the update every N batches (effective batch = batchSize × N). */
  gradAccumulation: number;
  optimizer: OptimizerKind;
  momentum: number;
  weightDecay: number;
  /** Learning-rate schedule of stage 1 (the only stage of a frozen run), and of stage 2 when it has none of its own. */
  schedule: ScheduleConfig;
  labelSmoothing: number;
  balance: 'none' | 'class-weights' | 'oversample';
  /**
   * `monitor`: what picks the best epoch and stops the run, validation loss (Keras' default)
   * or validation accuracy (the default here); without validation images, the training figure.
   * Absent in runs made before it existed, which watched the loss.
   */
  earlyStopping: { enabled: boolean; patience: number; minDelta: number; restoreBest: boolean; monitor?: 'loss' | 'accuracy' };
  valFraction: number;
  /** Share of each class held out as the test set (0: none, unless images are marked for test). */
  testFraction?: number;
  augment: AugmentConfig;
  augmentEnabled: boolean;
  /** Frozen mode with augmentation: augmented views cached per image. */
  augmentViews: number;
  seed: number;
  backend: BackendChoice;
  /**
   * Auto: the studio studies the data and chooses the run (see auto-plan). Absent in runs made
   * before it existed, which were manual. The config a run stores is the one Auto chose.
   */
  auto?: AutoSettings;
}

/** Per-epoch metrics; val metrics are null when there is no validation set. */
export interface EpochMetrics {
  epoch: number;
  stage: 1 | 2;
  trainLoss: number;
  trainAcc: number;
  valLoss: number | null;
  valAcc: number | null;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
  /** Live tensors in the worker at the end of the epoch (leak check). */
  tensors?: number;
}

export interface BatchPoint {
  step: number;
  loss: number;
  /** Exponentially smoothed loss. */
  smooth: number;
  lr: number;
}

/** The studio's defaults, chosen from the expert references (Keras/TF transfer learning, fastai). */
export function defaultRunConfig(backbone: BackboneSpec): RunConfig {
  return {
    mode: 'frozen',
    backbone,
    trainableBlocks: 4,
    layerOverrides: {},
    head: { hiddenUnits: 100, dropout: 0.2, l2: 0 },
    epochs: 30,
    lr: 1e-3,
    // One-cycle over 6 epochs matched constant over 10 on held-out photos of four sets (bench, README).
    finetune: { epochs: 6, lr: 1e-4, schedule: DEFAULT_FINETUNE_SCHEDULE },
    backboneLrMultiplier: 0.1,
    backboneLrGrade: 1,
    batchSize: 16,
    gradAccumulation: 1,
    optimizer: 'adam',
    momentum: 0.9,
    weightDecay: 0,
    schedule: { kind: 'constant' },
    labelSmoothing: 0,
    balance: 'class-weights',
    // Auto's studies on four photo sets: loss stopped heads at epoch ~10 while accuracy still climbed.
    earlyStopping: { enabled: true, patience: 10, minDelta: 0.001, restoreBest: true, monitor: 'accuracy' },
    valFraction: 0.15,
    augment: {},
    augmentEnabled: false,
    augmentViews: 4,
    seed: 42,
    backend: 'auto',
    auto: { ...DEFAULT_AUTO },
  };
}

/**
 * Which checkpoint is the run's model: the best epoch when early stopping puts it back, otherwise
 * the last (a run that trains its whole schedule keeps where the schedule ends).
 */
export function keptCheckpointKind(cfg: Pick<RunConfig, 'earlyStopping'>): 'best' | 'last' {
  return cfg.earlyStopping.enabled && cfg.earlyStopping.restoreBest ? 'best' : 'last';
}
