// Builds tfjs optimizers from a plain config, adds decoupled weight decay (AdamW/SGDW), lets the
// loop change the learning rate every step, and snapshots optimizer state for checkpoints.
import * as tf from '@tensorflow/tfjs';

export type OptimizerKind = 'adam' | 'adamw' | 'sgd' | 'rmsprop';

export interface OptimizerConfig {
  kind: OptimizerKind;
  lr: number;
  /** sgd: classical momentum (0/absent → plain SGD); rmsprop: momentum term. */
  momentum?: number;
  /** sgd with momentum: Nesterov variant. */
  nesterov?: boolean;
  /** Decoupled decay per step: w ← w·(1 − lr·wd). 'adamw' defaults to 0.01 (PyTorch); others 0. */
  weightDecay?: number;
  /** Which variables decay (default: every variable being updated). E.g. `(v) => v.rank > 1`. */
  decayFilter?: (v: tf.Variable) => boolean;
  /** adam/adamw: defaults 0.9 / 0.999. */
  beta1?: number;
  beta2?: number;
  /** adam/adamw/rmsprop: default is tfjs's backend epsilon (1e-7 for float32). */
  epsilon?: number;
  /** rmsprop: decay of the squared-gradient average (default 0.9). */
  rho?: number;
}

/** tfjs-core's NamedTensor (not re-exported by the tfjs umbrella package). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

const WEIGHT_DECAY = Symbol('decoupledWeightDecay');

/**
 * Wraps any tfjs optimizer with decoupled weight decay (Loshchilov & Hutter): for every variable
 * in a gradient update, `w ← w·(1 − lr·wd)` and then the inner optimizer's step — the order of
 * PyTorch's AdamW/Keras's weight_decay, so Adam inside gives exactly PyTorch AdamW. The decay
 * is not part of the loss, so Adam's moment estimates never see it.
 */
export class DecoupledWeightDecay extends tf.Optimizer {
  static get className(): string {
    return 'DecoupledWeightDecay';
  }
  readonly [WEIGHT_DECAY] = true;
  learningRate: number;

  constructor(
    readonly inner: tf.Optimizer,
    learningRate: number,
    readonly weightDecay: number,
    readonly decayFilter: (v: tf.Variable) => boolean = () => true,
  ) {
    super();
    this.learningRate = learningRate;
  }

  applyGradients(grads: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(grads)
      ? grads.filter((g) => g.tensor != null).map((g) => g.name)
      : Object.keys(grads).filter((k) => grads[k] != null);
    const factor = 1 - this.learningRate * this.weightDecay;
    if (factor !== 1) {
      const vars = tf.engine().registeredVariables;
      tf.tidy(() => {
        for (const name of names) {
          const v = vars[name];
          if (v && this.decayFilter(v)) v.assign(tf.mul(v, factor));
        }
      });
    }
    this.inner.applyGradients(grads);
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
    setLearningRate(this.inner, lr);
  }

  override get iterations(): number {
    return this.inner.iterations;
  }
  override dispose(): void {
    this.inner.dispose();
  }
  override getWeights(): Promise<NamedTensor[]> {
    return this.inner.getWeights();
  }
  override setWeights(weights: NamedTensor[]): Promise<void> {
    return this.inner.setWeights(weights);
  }
  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, weightDecay: this.weightDecay, inner: this.inner.getConfig() };
  }
}

/**
 * Whether `opt` is a DecoupledWeightDecay wrapper. Use this, not `instanceof`: tfjs 4.22 defines
 * Symbol.hasInstance on Optimizer, so `x instanceof <any Optimizer subclass>` is true for every
 * optimizer.
 */
export function isDecoupledWeightDecay(opt: tf.Optimizer): opt is DecoupledWeightDecay {
  return (opt as Partial<DecoupledWeightDecay>)[WEIGHT_DECAY] === true;
}

/** tfjs 4.22's MomentumOptimizer.dispose() forgets the learning-rate scalar its SGD base keeps. */
function fixMomentumDispose(opt: tf.MomentumOptimizer): tf.MomentumOptimizer {
  const dispose = opt.dispose.bind(opt);
  opt.dispose = () => {
    dispose();
    (opt as unknown as { c?: tf.Tensor }).c?.dispose();
  };
  return opt;
}

/** A tfjs optimizer for `cfg`; wrapped in DecoupledWeightDecay when weight decay is > 0. */
export function makeOptimizer(cfg: OptimizerConfig): tf.Optimizer {
  if (!(cfg.lr >= 0) || !Number.isFinite(cfg.lr)) throw new Error(`Learning rate must be ≥ 0, got ${cfg.lr}`);
  const wd = cfg.weightDecay ?? (cfg.kind === 'adamw' ? 0.01 : 0);
  if (!(wd >= 0)) throw new Error(`weightDecay must be ≥ 0, got ${wd}`);
  let inner: tf.Optimizer;
  switch (cfg.kind) {
    case 'adam':
    case 'adamw':
      inner = tf.train.adam(cfg.lr, cfg.beta1 ?? 0.9, cfg.beta2 ?? 0.999, cfg.epsilon);
      break;
    case 'sgd':
      inner = cfg.momentum ? fixMomentumDispose(tf.train.momentum(cfg.lr, cfg.momentum, cfg.nesterov ?? false)) : tf.train.sgd(cfg.lr);
      break;
    case 'rmsprop':
      inner = tf.train.rmsprop(cfg.lr, cfg.rho ?? 0.9, cfg.momentum ?? 0, cfg.epsilon);
      break;
    default:
      throw new Error(`Unknown optimizer kind: ${(cfg as { kind: string }).kind}`);
  }
  return wd > 0 ? new DecoupledWeightDecay(inner, cfg.lr, wd, cfg.decayFilter) : inner;
}

type LrFields = { learningRate: number; setLearningRate?: (lr: number) => void };

/**
 * Sets the learning rate used from the next step on. tfjs 4.22 keeps `learningRate` as a
 * (TS-protected) field: Adam, AdamW's inner Adam, RMSProp, Adagrad, Adadelta and Adamax read it
 * on every step, but SGD and Momentum read a cached scalar that only `setLearningRate()`
 * rebuilds — assigning the field alone silently keeps the old rate. This handles both.
 */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`Learning rate must be ≥ 0, got ${lr}`);
  if (isDecoupledWeightDecay(opt)) return opt.setLearningRate(lr);
  const o = opt as unknown as LrFields;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** The learning rate the next step will use. */
export function getLearningRate(opt: tf.Optimizer): number {
  return (opt as unknown as LrFields).learningRate;
}

/**
 * Snapshot of the optimizer's state (iteration count + slot variables such as Adam's moments)
 * as copies the caller owns: dispose them (`tf.dispose(state.map(w => w.tensor))`). Encode for
 * storage with `tf.io.encodeWeights`.
 */
export async function getOptimizerState(opt: tf.Optimizer): Promise<NamedTensor[]> {
  const live = await opt.getWeights();
  // The first entry ('iter') is a fresh scalar; the rest are the optimizer's own variables.
  return live.map((w, i) => ({ name: w.name, tensor: i === 0 ? w.tensor : tf.clone(w.tensor) }));
}

/**
 * Restores a `getOptimizerState` snapshot (the caller keeps ownership of `state`). Works on a
 * fresh optimizer of the same config, as long as the same variables get gradients in the same
 * order as before. Replaced slot variables are disposed (tfjs's setWeights would leak them).
 */
export async function setOptimizerState(opt: tf.Optimizer, state: NamedTensor[]): Promise<void> {
  const old = await opt.getWeights();
  await opt.setWeights(state.map((w) => ({ name: w.name, tensor: w.tensor })));
  tf.dispose(old.map((w) => w.tensor));
}
