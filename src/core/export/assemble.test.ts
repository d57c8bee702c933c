// The exported classifier equals the studio's own pipeline: fed Teachable Machine's pixel
// convention, it gives the same probabilities as backbone → pool → head on the backbone's, and
// it survives a save/load round trip unchanged.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBackbone } from '../backbones/layers';
import { pool } from '../train/features';
import { buildHead } from '../train/head';
import { buildTestBackbone, TEST_SPEC } from '../../test-support/test-backbone';
import { combineModel, modelArtifacts, TM_INPUT } from './assemble';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('combineModel', () => {
  it('matches the training pipeline and round-trips through model.json', async () => {
    const bb = buildTestBackbone();
    const head = buildHead(24, 3, { hiddenUnits: 8, dropout: 0.2, l2: 0 }, 5);
    const before = tf.memory().numTensors;
    const combined = combineModel(bb, head, TEST_SPEC.preprocessing);
    const pixels = tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 9);
    const [expected, tmInput] = tf.tidy(() => {
      const x = pixels.mul(TEST_SPEC.preprocessing.scale).add(TEST_SPEC.preprocessing.offset) as tf.Tensor4D;
      return [tf.softmax(head.apply(pool(applyBackbone(bb, x)), { training: false }) as tf.Tensor2D), pixels.mul(TM_INPUT.scale).add(TM_INPUT.offset)];
    });
    const got = combined.predict(tmInput) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0]).toBeLessThan(1e-5);

    const { modelJson, weights } = await modelArtifacts(combined);
    expect((modelJson.weightsManifest as { paths: string[] }[])[0].paths).toEqual(['weights.bin']);
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightSpecs: (modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0].weights,
        weightData: weights.slice().buffer,
      }),
    );
    const again = loaded.predict(tmInput) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(again, got))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([got, again, expected, tmInput, pixels]);
    loaded.dispose();
    // The combined model shares the backbone's and head's weights; disposing it disposes them.
    combined.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });
});
