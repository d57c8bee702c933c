// A studio head survives tfjs → share link → tfjs: same architecture, outputs within the int8
// quantisation error, no tensors leaked.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildHead } from '../train/head';
import { buildHeadFromShare, shareHeadFromModel } from './share-head';
import { decodeShareLink, encodeShareLink } from './share-link';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('share head conversion', () => {
  it('round-trips a hidden-layer head through a link with near-identical outputs', async () => {
    const head = buildHead(1280, 3, { hiddenUnits: 32, dropout: 0.2, l2: 0 }, 5);
    const features = tf.randomUniform([4, 1280], 0, 6, 'float32', 3);
    const before = tf.memory().numTensors;
    const shared = await shareHeadFromModel(head);
    expect(shared.layers).toEqual([
      { units: 32, activation: 'relu', useBias: true },
      { units: 3, activation: 'linear', useBias: true },
    ]);
    expect(shared.weights.map((w) => w.length)).toEqual([1280 * 32, 32, 32 * 3, 3]);
    const link = encodeShareLink({ v: 1, backbone: 'mobilenet-v2-0.35', labels: ['a', 'b', 'c'], name: 'h', preprocessing: { scale: 1 / 127.5, offset: -1, resize: 'center-crop' }, head: shared });
    const r = decodeShareLink(link);
    if (!r.ok) throw new Error(r.reason);
    const rebuilt = buildHeadFromShare(1280, r.model.head);
    expect(rebuilt.layers.map((l) => l.name)).toEqual(['head_hidden', 'head_logits']);
    const [a, b] = tf.tidy(() => [head.predict(features) as tf.Tensor, rebuilt.predict(features) as tf.Tensor]);
    const [x, y] = [await a.data(), await b.data()];
    tf.dispose([a, b]);
    const scale = Math.max(...Array.from(x, Math.abs));
    x.forEach((v, i) => expect(Math.abs(v - y[i])).toBeLessThan(0.02 * scale));
    rebuilt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([features]);
    head.dispose();
  });

  it('rebuilds a logistic-regression head exactly from unquantised weights', () => {
    const before = tf.memory().numTensors;
    const kernel = Float32Array.from({ length: 8 }, (_, i) => i - 4);
    const model = buildHeadFromShare(4, { layers: [{ units: 2, activation: 'linear', useBias: false }], weights: [kernel] });
    const out = tf.tidy(() => (model.predict(tf.tensor2d([[1, 0, 0, 1]])) as tf.Tensor).arraySync());
    expect(out).toEqual([[-4 + 2, -3 + 3]]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses layers a link cannot describe', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 4 }), tf.layers.batchNormalization(), tf.layers.dense({ units: 2 })] });
    await expect(shareHeadFromModel(m)).rejects.toThrow(/BatchNormalization/);
    const soft = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2, activation: 'softplus' })] });
    await expect(shareHeadFromModel(soft)).rejects.toThrow(/softplus/);
    m.dispose();
    soft.dispose();
  });
});
