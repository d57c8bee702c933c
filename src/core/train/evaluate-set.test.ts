// The test-set scorer agrees with the trainer's own validation scoring on the same images and
// kept weights (so test and validation figures are comparable), and leaks no tensors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBackbone } from '../backbones/layers';
import { evaluateBoundary, evaluateFeatures, evaluateImages } from './evaluate-set';
import { computeBoundary } from './boundary';
import { computeFeatures } from './features';
import { pool, type FeatureExtractor } from './features';
import { defaultRunConfig } from './run-config';
import { Trainer } from './trainer';
import { buildTestBackbone, memorySource, syntheticDataset, TEST_SPEC } from '../../test-support/test-backbone';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('evaluateImages', () => {
  it('matches the trainer’s validation probabilities for the same images and weights', async () => {
    const bb = buildTestBackbone();
    const extractor: FeatureExtractor = { spec: TEST_SPEC, forward: (x) => tf.tidy(() => pool(applyBackbone(bb, x))) };
    const data = syntheticDataset(12);
    const train = data.items.filter((_, i) => i % 3 !== 0);
    const val = data.items.filter((_, i) => i % 3 === 0);
    const source = memorySource(data.images);
    const cfg = { ...defaultRunConfig(TEST_SPEC), batchSize: 8, epochs: 3, lr: 0.05, earlyStopping: { enabled: false, patience: 3, minDelta: 0, restoreBest: false } };
    const trainer = new Trainer(extractor, bb, source, cfg, 2, train, val);
    const result = await trainer.run();
    const before = tf.memory().numTensors;
    const scored = await evaluateImages(extractor, trainer.head, source, val, 2, 5);
    expect(tf.memory().numTensors).toBe(before);
    expect(scored.labels).toEqual(val.map((v) => v.label));
    expect(scored.probabilities).toHaveLength(val.length * 2);
    const ref = result.validation!.probabilities;
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - scored.probabilities[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    expect(scored.accuracy).toBeCloseTo(result.validation!.accuracy, 6);
    // The same scoring from features computed beforehand (a frozen run's test images read from the store).
    const feats = (await computeFeatures({ extractor, source, ids: val.map((v) => v.id), views: 1, augment: null, seed: 0 }))!;
    const fromFeatures = await evaluateFeatures(trainer.head, feats.views[0], feats.dim, val, 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(fromFeatures.labels).toEqual(scored.labels);
    fromFeatures.probabilities.forEach((p, i) => expect(Math.abs(p - scored.probabilities[i])).toBeLessThan(1e-5));
    expect((await evaluateFeatures(trainer.head, new Float32Array(0), feats.dim, [], 2)).probabilities).toHaveLength(0);
    const empty = await evaluateImages(extractor, trainer.head, source, [], 2);
    expect(empty.probabilities).toHaveLength(0);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    bb.dispose();
  });

  it('a fine-tune run scores the same from the test images\' boundary activations, for the kept and any other weights', async () => {
    const bb = buildTestBackbone();
    const extractor: FeatureExtractor = { spec: TEST_SPEC, forward: (x) => tf.tidy(() => pool(applyBackbone(bb, x))) };
    const data = syntheticDataset(12);
    const train = data.items.filter((_, i) => i % 3 !== 0);
    const test = data.items.filter((_, i) => i % 3 === 0);
    const source = memorySource(data.images);
    const cfg = {
      ...defaultRunConfig(TEST_SPEC), mode: 'finetune' as const, epochs: 1, finetune: { epochs: 2, lr: 0.01 }, trainableBlocks: 2, batchSize: 8,
      earlyStopping: { enabled: false, patience: 3, minDelta: 0, restoreBest: false },
    };
    const trainer = new Trainer(extractor, bb, source, cfg, 2, train, []);
    await trainer.run();
    const split = trainer.boundarySplit!;
    expect(split).not.toBeNull();
    const before = tf.memory().numTensors;
    const acts = (await computeBoundary({ split, source, ids: test.map((t) => t.id), inputSize: TEST_SPEC.inputSize, preprocessing: TEST_SPEC.preprocessing, views: 1, augment: null, seed: 0 }))!;
    const close = async () => {
      const fromPixels = await evaluateImages(extractor, trainer.head, source, test, 2, 5);
      const fromBoundary = await evaluateBoundary(split, acts, trainer.head, test, 2, 5);
      expect(fromBoundary.labels).toEqual(fromPixels.labels);
      fromBoundary.probabilities.forEach((p, i) => expect(Math.abs(p - fromPixels.probabilities[i])).toBeLessThan(1e-5));
      return fromBoundary.probabilities;
    };
    const kept = await close();
    // Other weights in the trainable blocks and the head (as the last epoch's would be): the same
    // activations still score them exactly.
    for (const m of [trainer.head, bb]) {
      for (const w of m.trainableWeights) {
        const v = tf.tidy(() => w.read().mul(1.3));
        w.write(v);
        v.dispose();
      }
    }
    const other = await close();
    expect(other.some((p, i) => Math.abs(p - kept[i]) > 1e-4)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    bb.dispose();
  });
});
