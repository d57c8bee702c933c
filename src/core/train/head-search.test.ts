import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { trainFamily, type HeadCandidate } from './head-search';

// Per-fold figures of the study against values worked out by hand: with zero features and a
// zero learning rate every slice predicts class 0 (all logits equal the zero bias), so each
// fold's accuracy, macro F1 and loss follow from its class counts alone.
const frozen: HeadCandidate = { hiddenUnits: 0, dropout: 0, lr: 0, l2: 0, labelSmoothing: 0, standardize: false, balance: 'none' };

let before = 0;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

describe('trainFamily per-fold figures', () => {
  it('accuracy, macro F1 and loss per held-out fold match the hand-worked values', async () => {
    // Fold 0: 3 of class 0, 1 of class 1. Fold 1: 1 of class 0, 3 of class 1.
    const labels = [0, 0, 0, 1, 0, 1, 1, 1];
    const folds = [0, 0, 0, 0, 1, 1, 1, 1];
    const x = tf.zeros([8, 3]) as tf.Tensor2D;
    const res = await trainFamily({ x, labels, numClasses: 2, candidates: [frozen], folds, k: 2, steps: 1, evalEvery: 1, seed: 1 });
    x.dispose();
    const e = res.evals.at(-1)!;
    expect(e.foldAccuracy[0]).toEqual([0.75, 0.25]);
    // Class 0 everywhere: F1(class 0) = 2·tp / (true + predicted); F1(class 1) = 0 (never predicted, present).
    const f1 = (tp: number, truth: number, pred: number) => (2 * tp) / (truth + pred);
    expect(e.foldMacroF1[0][0]).toBeCloseTo((f1(3, 3, 4) + 0) / 2, 6);
    expect(e.foldMacroF1[0][1]).toBeCloseTo((f1(1, 1, 4) + 0) / 2, 6);
    // Equal logits: cross-entropy ln 2 for every image.
    expect(e.foldLoss[0][0]).toBeCloseTo(Math.log(2), 5);
    expect(e.foldLoss[0][1]).toBeCloseTo(Math.log(2), 5);
  });

  it('a class absent from a fold and never predicted there does not count in its macro F1', async () => {
    const labels = [0, 0, 1, 0, 0, 1];
    const folds = [0, 0, 1, 1, 1, 1];
    const x = tf.zeros([6, 2]) as tf.Tensor2D;
    const res = await trainFamily({ x, labels, numClasses: 2, candidates: [frozen], folds, k: 2, steps: 1, evalEvery: 1, seed: 1 });
    x.dispose();
    const e = res.evals.at(-1)!;
    expect(e.foldMacroF1[0][0]).toBeCloseTo(1, 6); // fold 0 holds class 0 only, all right
    expect(e.foldMacroF1[0][1]).toBeCloseTo((2 * 2) / (2 + 4) / 2, 6);
  });
});
