// Checks the weighted, label-smoothed cross-entropy against hand-computed values and gradients.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { weightedCategoricalCrossEntropy as wcce } from './losses';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const logSoftmax = (row: number[]) => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
};
/** Reference loss in plain JS. */
function reference(y: number[][], z: number[][], cw?: number[], eps = 0): number {
  const k = z[0].length;
  let num = 0;
  let den = 0;
  y.forEach((yi, i) => {
    const lp = logSoftmax(z[i]);
    const l = -yi.reduce((a, v, c) => a + (v * (1 - eps) + eps / k) * lp[c], 0);
    const w = cw ? yi.reduce((a, v, c) => a + v * cw[c], 0) : 1;
    num += w * l;
    den += w;
  });
  return num / den;
}

const Y = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]];
const Z = [[2, 1, 0.1], [0.5, 2.5, -1], [0, 0, 0], [3, -2, 1]];

/** Runs the loss and returns its value, asserting no tensors leak. */
function value(y: number[][], z: number[][], opts?: Parameters<typeof wcce>[2]): number {
  const yt = tf.tensor2d(y);
  const zt = tf.tensor2d(z);
  const before = tf.memory().numTensors;
  const loss = wcce(yt, zt, opts);
  const v = loss.dataSync()[0];
  loss.dispose();
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([yt, zt]);
  return v;
}

describe('weightedCategoricalCrossEntropy', () => {
  it('equals −log softmax of the true class for a single example', () => {
    // logits [2, 1, 0.1], true class 0: −log(e²/(e²+e+e^0.1))
    const expected = -Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(1) + Math.exp(0.1)));
    expect(value([[1, 0, 0]], [[2, 1, 0.1]])).toBeCloseTo(expected, 5);
    expect(value([[0, 0, 1]], [[0, 0, 0]])).toBeCloseTo(Math.log(3), 5);
  });

  it('is the batch mean without options', () => {
    expect(value(Y, Z)).toBeCloseTo(reference(Y, Z), 5);
  });

  it('label smoothing uses y·(1−ε)+ε/K', () => {
    // uniform logits: every target row sums to 1, so the loss is log K whatever ε is
    expect(value([[1, 0, 0]], [[0, 0, 0]], { labelSmoothing: 0.3 })).toBeCloseTo(Math.log(3), 5);
    // by hand: ε = 0.1, K = 2, logits [1, 0], class 0 → targets [0.95, 0.05]
    const lp = logSoftmax([1, 0]);
    expect(value([[1, 0]], [[1, 0]], { labelSmoothing: 0.1 })).toBeCloseTo(-(0.95 * lp[0] + 0.05 * lp[1]), 5);
    expect(value(Y, Z, { labelSmoothing: 0.2 })).toBeCloseTo(reference(Y, Z, undefined, 0.2), 5);
  });

  it('class weights: Σ w·l / Σ w by true class', () => {
    const cw = [1, 2, 0.5];
    expect(value(Y, Z, { classWeights: cw })).toBeCloseTo(reference(Y, Z, cw), 5);
    // by hand for two examples
    const l0 = -logSoftmax([2, 1, 0.1])[0];
    const l1 = -logSoftmax([0.5, 2.5, -1])[1];
    expect(value(Y.slice(0, 2), Z.slice(0, 2), { classWeights: cw })).toBeCloseTo((1 * l0 + 2 * l1) / 3, 5);
    // uniform weights change nothing
    expect(value(Y, Z, { classWeights: [3, 3, 3] })).toBeCloseTo(reference(Y, Z), 5);
    // weights + smoothing combine
    expect(value(Y, Z, { classWeights: cw, labelSmoothing: 0.1 })).toBeCloseTo(reference(Y, Z, cw, 0.1), 5);
  });

  it('a zero-weight class drops out; all-zero weights give 0, not NaN', () => {
    const only = value(Y, Z, { classWeights: [0, 1, 0] });
    expect(only).toBeCloseTo(reference([Y[1], Y[3]], [Z[1], Z[3]]), 5);
    expect(value(Y, Z, { classWeights: [0, 0, 0] })).toBe(0);
  });

  it('is numerically stable for huge logits', () => {
    const v = value([[1, 0], [0, 1]], [[1000, -1000], [1000, -1000]]);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo(1000, 2); // (0 + 2000) / 2
  });

  it('gradient w.r.t. logits is (softmax − ỹ)·w/Σw', () => {
    const yt = tf.tensor2d(Y);
    const zt = tf.tensor2d(Z);
    const before = tf.memory().numTensors;
    const cw = [1, 2, 0.5];
    const g = tf.grad((z: tf.Tensor) => wcce(yt, z as tf.Tensor2D, { classWeights: cw, labelSmoothing: 0.1 }))(zt);
    const got = g.arraySync() as number[][];
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const w = Y.map((yi) => yi.reduce((a, v, c) => a + v * cw[c], 0));
    const sw = w.reduce((a, b) => a + b, 0);
    Z.forEach((zi, i) => {
      const p = logSoftmax(zi).map(Math.exp);
      p.forEach((pc, c) => expect(got[i][c]).toBeCloseTo(((pc - (Y[i][c] * 0.9 + 0.1 / 3)) * w[i]) / sw, 5));
    });
    tf.dispose([yt, zt]);
  });

  it('validates shapes and options', () => {
    const yt = tf.tensor2d([[1, 0]]);
    const zt = tf.tensor2d([[1, 2, 3]]);
    const z2 = tf.tensor2d([[1, 2]]);
    const before = tf.memory().numTensors;
    expect(() => wcce(yt, zt)).toThrow(/shape/);
    expect(() => wcce(yt, z2, { classWeights: [1] })).toThrow(/classWeights/);
    expect(() => wcce(yt, z2, { labelSmoothing: 1 })).toThrow(/labelSmoothing/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([yt, zt, z2]);
  });
});
