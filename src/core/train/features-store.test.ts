// Features kept across runs: a second computeFeatures over the same images, backbone and views
// reads every vector from the store (no pixels loaded, no backbone call), returns the same
// values, and a changed seed or augmentation misses for the augmented views only.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBackbone } from '../backbones/layers';
import type { PixelSource } from './data';
import { computeFeatures, featureScope, pool, type FeatureExtractor, type FeatureStore } from './features';
import { buildTestBackbone, memorySource, syntheticDataset, TEST_SPEC } from '../../test-support/test-backbone';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function mapStore(): FeatureStore & { map: Map<string, Float32Array> } {
  const map = new Map<string, Float32Array>();
  return { map, get: async (keys) => keys.map((k) => map.get(k)), put: async (entries) => void entries.forEach((e) => map.set(e.key, e.features)) };
}

describe('computeFeatures with a FeatureStore', () => {
  it('a second run reads every view from the store and matches the first', async () => {
    const bb = buildTestBackbone();
    let forwards = 0;
    const extractor: FeatureExtractor = { spec: TEST_SPEC, forward: (x) => (forwards++, tf.tidy(() => pool(applyBackbone(bb, x)))) };
    const data = syntheticDataset(10);
    let loads = 0;
    const mem = memorySource(data.images);
    const source: PixelSource = { load: (ids, size) => ((loads += ids.length), mem.load(ids, size)) };
    const ids = data.items.map((i) => i.id);
    const store = mapStore();
    const opts = { extractor, source, ids, views: 3, augment: { flipH: true, brightness: 0.2 }, seed: 5, batchSize: 8 };
    const st = { store, scope: featureScope(TEST_SPEC, 'test'), contentKeys: ids.map((id) => `hash-${id}`) };
    const before = tf.memory().numTensors;
    const first = (await computeFeatures({ ...opts, store: st }))!;
    expect(first.computed).toBe(60);
    await first.persisted;
    expect(store.map.size).toBe(60);
    const used = { forwards, loads };
    const second = (await computeFeatures({ ...opts, store: st }))!;
    expect(second).toMatchObject({ computed: 0, reused: 60, dim: 24 });
    expect({ forwards, loads }).toEqual(used);
    second.views.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(first.views[i])));
    const plain = (await computeFeatures({ ...opts }))!;
    second.views.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(plain.views[i])));
    // Another seed: the plain view 0 still hits, the two augmented views are computed again.
    const reseeded = (await computeFeatures({ ...opts, seed: 6, store: st }))!;
    expect(reseeded).toMatchObject({ computed: 40, reused: 20 });
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  }, 60_000);
});
