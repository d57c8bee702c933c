// Checks optimizer construction, per-step learning-rate changes (incl. tfjs 4.22 quirks),
// and decoupled weight decay against PyTorch's AdamW formula.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  getLearningRate,
  isDecoupledWeightDecay,
  makeOptimizer,
  setLearningRate,
  type OptimizerConfig,
} from './optimizers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const W0 = [0.5, -1.5, 2.0, 0.25];
const TARGET = [1, 2, -1, 0];

/** One step of loss ½‖w − target‖² + ½‖b‖² (gradients w − target, b). */
function step(opt: tf.Optimizer, w: tf.Variable, b: tf.Variable): void {
  opt.minimize(() =>
    tf.add(tf.mul(0.5, tf.sum(tf.square(tf.sub(w, TARGET)))), tf.mul(0.5, tf.sum(tf.square(b)))) as tf.Scalar,
  false, [w, b]);
}
function vars() {
  return tf.tidy(() => ({ w: tf.variable(tf.tensor1d(W0)), b: tf.variable(tf.tensor1d([1, -1])) }));
}
const read = (v: tf.Tensor) => Array.from(v.dataSync());

const CONFIGS: OptimizerConfig[] = [
  { kind: 'adam', lr: 0.1 },
  { kind: 'adamw', lr: 0.1, weightDecay: 0.05 },
  { kind: 'sgd', lr: 0.1 },
  { kind: 'sgd', lr: 0.1, momentum: 0.9 },
  { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { kind: 'rmsprop', lr: 0.01 },
  { kind: 'rmsprop', lr: 0.01, momentum: 0.5 },
];
const label = (c: OptimizerConfig) => JSON.stringify(c);

describe('makeOptimizer', () => {
  it('builds the right tfjs optimizer per kind', () => {
    const name = (c: OptimizerConfig) => {
      const o = makeOptimizer(c);
      const n = o.getClassName() + (isDecoupledWeightDecay(o) ? `(${o.inner.getClassName()})` : '');
      o.dispose();
      return n;
    };
    expect(name({ kind: 'adam', lr: 1 })).toBe('Adam');
    expect(name({ kind: 'sgd', lr: 1 })).toBe('SGD');
    expect(name({ kind: 'sgd', lr: 1, momentum: 0.9 })).toBe('Momentum');
    expect(name({ kind: 'rmsprop', lr: 1 })).toBe('RMSProp');
    expect(name({ kind: 'adamw', lr: 1 })).toBe('DecoupledWeightDecay(Adam)');
    expect(name({ kind: 'adamw', lr: 1, weightDecay: 0 })).toBe('Adam');
    expect(name({ kind: 'sgd', lr: 1, weightDecay: 1e-4 })).toBe('DecoupledWeightDecay(SGD)');
    const w = makeOptimizer({ kind: 'adamw', lr: 1 });
    expect(isDecoupledWeightDecay(w) && w.weightDecay).toBe(0.01);
    w.dispose();
    expect(() => makeOptimizer({ kind: 'adam', lr: -1 })).toThrow();
    expect(() => makeOptimizer({ kind: 'adam', lr: 1, weightDecay: -1 })).toThrow();
    expect(() => makeOptimizer({ kind: 'nope' as 'adam', lr: 1 })).toThrow(/Unknown/);
  });

  it('plain SGD takes exactly w − lr·g', () => {
    const { w, b } = vars();
    const opt = makeOptimizer({ kind: 'sgd', lr: 0.1 });
    step(opt, w, b);
    read(w).forEach((v, i) => expect(v).toBeCloseTo(W0[i] - 0.1 * (W0[i] - TARGET[i]), 6));
    opt.dispose();
    tf.dispose([w, b]);
  });

  it.each(CONFIGS.map((c) => [label(c), c] as const))('%s: trains without leaking tensors', (_l, cfg) => {
    const { w, b } = vars();
    const before = tf.memory().numTensors;
    const opt = makeOptimizer(cfg);
    for (let i = 0; i < 3; i++) step(opt, w, b);
    setLearningRate(opt, 0.05);
    step(opt, w, b);
    expect(opt.iterations).toBe(4);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, b]);
  });
});

describe('setLearningRate', () => {
  /** Change of w on step 2 when the rate is `lr2` for that step (step 1 at 0.1). */
  function secondDelta(cfg: OptimizerConfig, lr2: number): number[] {
    const { w, b } = vars();
    const opt = makeOptimizer({ ...cfg, lr: 0.1 });
    step(opt, w, b);
    const mid = read(w);
    setLearningRate(opt, lr2);
    expect(getLearningRate(opt)).toBe(lr2);
    step(opt, w, b);
    const out = read(w).map((v, i) => v - mid[i]);
    opt.dispose();
    tf.dispose([w, b]);
    return out;
  }

  it.each(CONFIGS.filter((c) => !c.weightDecay).map((c) => [label(c), c] as const))(
    '%s: the step after a change follows the new rate (read every step)',
    (_l, cfg) => {
      const zero = secondDelta(cfg, 0);
      const one = secondDelta(cfg, 0.1);
      const two = secondDelta(cfg, 0.2);
      one.forEach((d, i) => expect(d).not.toBeCloseTo(two[i], 3));
      // the step is affine in the new rate (RMSProp+momentum keeps lr·update in its buffer)...
      one.forEach((d, i) => expect(two[i] - d).toBeCloseTo(d - zero[i], 5));
      // ...and linear (rate 0 → no move) for every other optimizer
      if (!(cfg.kind === 'rmsprop' && cfg.momentum)) expect(zero.every((d) => d === 0)).toBe(true);
    },
  );

  it('AdamW: the decay uses the new rate too', () => {
    const cfg: OptimizerConfig = { kind: 'adamw', lr: 0.1, weightDecay: 0.5 };
    // zero gradient for w: Adam's update is 0, only the decay moves it
    const w = tf.variable(tf.tensor1d([2, -4]));
    const opt = makeOptimizer(cfg);
    const zeroGrad = () => opt.minimize(() => tf.sum(tf.mul(w, 0)) as tf.Scalar, false, [w]);
    zeroGrad();
    expect(read(w)).toEqual([2 * 0.95, -4 * 0.95].map(Math.fround));
    setLearningRate(opt, 0.2);
    zeroGrad();
    read(w).forEach((v, i) => expect(v).toBeCloseTo([2, -4][i] * 0.95 * 0.9, 6));
    opt.dispose();
    w.dispose();
  });

  it('pins the tfjs 4.22 quirk: assigning learningRate on SGD alone is ignored', () => {
    const { w, b } = vars();
    const opt = tf.train.sgd(0.1);
    (opt as unknown as { learningRate: number }).learningRate = 0; // no effect: SGD uses a cached scalar
    step(opt, w, b);
    expect(read(w)[0]).toBeCloseTo(W0[0] - 0.1 * (W0[0] - TARGET[0]), 6);
    opt.dispose();
    tf.dispose([w, b]);
  });

  it('rejects invalid rates and leaks nothing when changing SGD rates', () => {
    const opt = makeOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
    expect(() => setLearningRate(opt, NaN)).toThrow();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) setLearningRate(opt, i / 10);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
  });
});

describe('DecoupledWeightDecay', () => {
  /** PyTorch AdamW reference (decay first, then the Adam step), gradient g(w) = w − target. */
  function torchAdamW(w: number[], lr: number, wd: number, steps: number, eps = 1e-7) {
    const m = w.map(() => 0);
    const v = w.map(() => 0);
    const out = [...w];
    for (let t = 1; t <= steps; t++) {
      for (let i = 0; i < out.length; i++) {
        const g = out[i] - TARGET[i];
        out[i] *= 1 - lr * wd;
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        const mh = m[i] / (1 - 0.9 ** t);
        const vh = v[i] / (1 - 0.999 ** t);
        out[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
      }
    }
    return out;
  }

  it('adamw matches the PyTorch AdamW update over several steps', () => {
    const { w, b } = vars();
    const opt = makeOptimizer({ kind: 'adamw', lr: 0.1, weightDecay: 0.3, epsilon: 1e-7 });
    for (let i = 0; i < 5; i++) step(opt, w, b);
    const expected = torchAdamW(W0, 0.1, 0.3, 5);
    read(w).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    opt.dispose();
    tf.dispose([w, b]);
  });

  it('adamw with weight decay 0 equals adam; decay differs from L2-in-the-loss Adam', () => {
    const run = (cfg: OptimizerConfig) => {
      const { w, b } = vars();
      const opt = makeOptimizer(cfg);
      for (let i = 0; i < 3; i++) step(opt, w, b);
      const out = read(w);
      opt.dispose();
      tf.dispose([w, b]);
      return out;
    };
    expect(run({ kind: 'adamw', lr: 0.1, weightDecay: 0 })).toEqual(run({ kind: 'adam', lr: 0.1 }));
    expect(run({ kind: 'adamw', lr: 0.1, weightDecay: 0.3 })).not.toEqual(run({ kind: 'adam', lr: 0.1 }));
  });

  it('decayFilter limits decay (e.g. to rank ≥ 2), and only updated variables decay', () => {
    const k = tf.variable(tf.ones([2, 2]));
    const bias = tf.variable(tf.ones([2]));
    const other = tf.variable(tf.ones([2]));
    const opt = makeOptimizer({ kind: 'sgd', lr: 0.1, weightDecay: 1, decayFilter: (v) => v.rank > 1 });
    opt.minimize(() => tf.add(tf.sum(tf.mul(k, 0)), tf.sum(tf.mul(bias, 0))) as tf.Scalar, false, [k, bias]);
    read(k).forEach((v) => expect(v).toBeCloseTo(0.9, 6));
    expect(read(bias)).toEqual([1, 1]);
    expect(read(other)).toEqual([1, 1]);
    opt.dispose();
    tf.dispose([k, bias, other]);
  });
});
