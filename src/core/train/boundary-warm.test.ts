// Plain boundary rows prepared ahead (by the import's feature pass) stand in for the prefix:
// the tapped folded backbone gives exactly what the run's prefix computes, and a boundary cache
// built from warm rows equals one computed from pixels, without loading pixels for one view.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestBackbone, memorySource, syntheticDataset, TEST_SPEC } from '../../test-support/test-backbone';
import { foldBackbone } from '../backbones/fold';
import { registerWasmGradKernels } from '../backend/wasm-grad-kernels';
import { boundaryLayerFor, computeBoundary, splitAtBoundary } from './boundary';
import { BoundaryMemory, boundaryKey } from './boundary-memory';
import { setTrainableLastBlocks } from '../backbones/layers';
import { toModelRange, toUnitBatch } from './data';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('warm boundary rows', () => {
  it.each(['cpu', 'wasm'])('%s: the tapped folded backbone equals the prefix the run computes, and the cache built from warm rows equals the one from pixels', async (backend) => {
    await tf.setBackend(backend);
    if (backend === 'wasm') registerWasmGradKernels();
    const model = buildTestBackbone();
    const before = tf.memory().numTensors;
    for (const blocks of [1, 2]) {
      const flags = model.layers.map((l) => l.trainable);
      const layer = boundaryLayerFor(model, blocks)!;
      expect(layer).toBeTruthy();
      // Asking left every layer's trainable flag as it found it.
      expect(model.layers.map((l) => l.trainable)).toEqual(flags);
      setTrainableLastBlocks(model, blocks);
      const split = splitAtBoundary(model)!;
      expect(split.layer).toBe(layer);
      const data = syntheticDataset(6);
      const size = TEST_SPEC.inputSize;
      const source = memorySource(data.images);
      const ids = data.items.map((i) => i.id);
      const common = { split, source, ids, inputSize: size, preprocessing: TEST_SPEC.preprocessing, seed: 3, batchSize: 4 };
      const plain = (await computeBoundary({ ...common, views: 2, augment: { flipH: true, brightness: 0.2 } }))!;

      // What the warm-up keeps: the tapped fold of the whole backbone, row by row.
      const folded = foldBackbone(model, { taps: [layer] })!;
      const memory = new BoundaryMemory();
      const pixels = await source.load(ids, size);
      tf.tidy(() => {
        const { taps } = folded.forwardTaps(toModelRange(toUnitBatch(pixels, size), common.preprocessing));
        const rows = taps.get(layer)!.dataSync() as Float32Array;
        ids.forEach((id, j) => memory.put(boundaryKey('s', id, layer), rows.slice(j * split.size, (j + 1) * split.size)));
      });
      folded.dispose();
      expect(memory.size).toBe(ids.length);
      const warm = (id: string) => memory.get(boundaryKey('s', id, layer));
      expect(Array.from(warm(ids[0])!)).toEqual(Array.from(plain.views[0].subarray(0, split.size)));

      let loads = 0;
      const counting = { load: (i: string[], s: number) => ((loads += i.length), source.load(i, s)) };
      const fromWarm = (await computeBoundary({ ...common, source: counting, views: 2, augment: { flipH: true, brightness: 0.2 }, warm }))!;
      expect(fromWarm.fromWarm).toBe(ids.length);
      plain.views.forEach((v, i) => expect(Array.from(fromWarm.views[i])).toEqual(Array.from(v)));
      expect(loads).toBe(ids.length); // the augmented view still needs the pixels
      loads = 0;
      const oneView = (await computeBoundary({ ...common, source: counting, views: 1, augment: null, warm }))!;
      expect(loads).toBe(0); // one plain view: no pixels at all
      expect(Array.from(oneView.views[0])).toEqual(Array.from(plain.views[0]));
      // A batch with a missing row runs the prefix for the whole batch.
      const partial = (await computeBoundary({ ...common, source: counting, views: 1, augment: null, warm: (id) => (id === ids[5] ? undefined : warm(id)) }))!;
      expect(partial.fromWarm).toBe(ids.length - 4);
      expect(Array.from(partial.views[0])).toEqual(Array.from(plain.views[0]));
      setTrainableLastBlocks(model, 0);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  }, 60_000);

  it('keeps rows within its byte budget', () => {
    const m = new BoundaryMemory(40);
    expect(m.put('a', new Float32Array(6))).toBe(true);
    expect(m.put('b', new Float32Array(6))).toBe(false);
    expect(m.put('a', new Float32Array(10))).toBe(true);
    expect(m.bytes).toBe(40);
    m.clear();
    expect(m.size).toBe(0);
  });
});
