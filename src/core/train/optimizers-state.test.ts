// Checks optimizer checkpoint state: a run resumed from a snapshot continues exactly like an
// uninterrupted one, for every optimizer kind, without leaking tensors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { getOptimizerState, makeOptimizer, setOptimizerState, type OptimizerConfig } from './optimizers';

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

describe('getOptimizerState / setOptimizerState', () => {
  it.each(CONFIGS.map((c) => [label(c), c] as const))(
    '%s: resuming from a snapshot matches an uninterrupted run exactly',
    async (_l, cfg) => {
      const before = tf.memory().numTensors;
      // uninterrupted: 6 steps
      const a = vars();
      const optA = makeOptimizer(cfg);
      for (let i = 0; i < 6; i++) step(optA, a.w, a.b);
      // interrupted after 3: snapshot weights + optimizer, throw everything away, resume fresh
      const b = vars();
      const optB = makeOptimizer(cfg);
      for (let i = 0; i < 3; i++) step(optB, b.w, b.b);
      const state = await getOptimizerState(optB);
      const saved = [tf.clone(b.w), tf.clone(b.b)];
      for (let i = 0; i < 2; i++) step(optB, b.w, b.b); // later steps must not alter the snapshot
      optB.dispose();
      tf.dispose([b.w, b.b]);
      const c = { w: tf.variable(saved[0]), b: tf.variable(saved[1]) };
      tf.dispose(saved);
      const optC = makeOptimizer(cfg);
      await setOptimizerState(optC, state);
      tf.dispose(state.map((s) => s.tensor));
      expect(optC.iterations).toBe(3);
      for (let i = 0; i < 3; i++) step(optC, c.w, c.b);
      expect(read(c.w)).toEqual(read(a.w));
      expect(read(c.b)).toEqual(read(a.b));
      optA.dispose();
      optC.dispose();
      tf.dispose([a.w, a.b, c.w, c.b]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('restoring into an optimizer that already has state does not leak', async () => {
    const { w, b } = vars();
    const opt = makeOptimizer({ kind: 'adam', lr: 0.1 });
    step(opt, w, b);
    const state = await getOptimizerState(opt);
    step(opt, w, b);
    const before = tf.memory().numTensors;
    await setOptimizerState(opt, state);
    tf.dispose(state.map((s) => s.tensor));
    expect(tf.memory().numTensors).toBe(before - state.length);
    expect(opt.iterations).toBe(1);
    opt.dispose();
    tf.dispose([w, b]);
  });

  it('the snapshot survives tf.io.encodeWeights / decodeWeights', async () => {
    const { w, b } = vars();
    const opt = makeOptimizer({ kind: 'adam', lr: 0.1 });
    step(opt, w, b);
    const state = await getOptimizerState(opt);
    const { data, specs } = await tf.io.encodeWeights(state);
    const decoded = tf.io.decodeWeights(data, specs);
    expect(Object.keys(decoded)).toEqual(state.map((s) => s.name));
    for (const s of state) expect(read(decoded[s.name])).toEqual(read(s.tensor));
    tf.dispose(Object.values(decoded));
    tf.dispose(state.map((s) => s.tensor));
    opt.dispose();
    tf.dispose([w, b]);
  });
});
