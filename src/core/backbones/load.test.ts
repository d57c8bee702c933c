// Checks loading backbones from memory and over a fake fetch: byte progress, TF Hub URL handling,
// cutting at a layer, graph models, early rejection and errors, all without leaking tensors.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackboneSpec } from './catalog';
import { fetchModelFiles, loadBackbone, readBody, weightUrl } from './load';
import { generateTinyBackbone, memoryFetch, type ModelDir } from '../../test-support/tiny-backbone-files';
import { ioHandlerFromFiles } from './validate';

let tiny: ModelDir;
let served: Map<string, Uint8Array>;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tiny = generateTinyBackbone();
  served = new Map([['model.json', new TextEncoder().encode(tiny.modelJsonText)], ...tiny.files]);
});

let before = 0;
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

const BASE = 'https://models.test/tiny/';
const spec = (over: Partial<BackboneSpec> = {}): BackboneSpec => ({
  id: 'tiny', name: 'Tiny', family: 'custom', format: 'layers', url: `${BASE}model.json`, inputSize: 224,
  cutLayer: 'out_relu', featureDim: 64, preprocessing: { scale: 1 / 127.5, offset: -1, resize: 'center-crop' },
  params: 8288, downloadBytes: 60_000, license: 'Apache-2.0', source: 'test', fineTunable: true, ...over,
});

describe('loadBackbone', () => {
  it('loads the tiny backbone from an in-memory IOHandler and runs it', async () => {
    const b = await loadBackbone(spec(), { ioHandler: ioHandlerFromFiles(tiny.modelJsonText, tiny.files) });
    expect(b.kind).toBe('layers');
    if (b.kind !== 'layers') return;
    expect(b.model.layers).toHaveLength(49);
    const y = tf.tidy(() => b.model.predict(tf.zeros([2, 224, 224, 3])) as tf.Tensor);
    expect(y.shape).toEqual([2, 28, 28, 64]);
    y.dispose();
    b.model.dispose();
  });

  it('streams over an injected fetch with byte progress reaching the total', async () => {
    const { fetchFn, requested } = memoryFetch(BASE, served, 1000);
    const progress: Array<[number, number]> = [];
    const b = await loadBackbone(spec(), { fetchFn, onProgress: (l, t) => progress.push([l, t]) });
    const total = served.get('model.json')!.byteLength + served.get('tiny.weights.bin')!.byteLength;
    expect(requested).toEqual([`${BASE}model.json`, `${BASE}tiny.weights.bin`]);
    expect(progress.length).toBeGreaterThan(30); // chunk by chunk, not per shard
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.slice(30).every(([, t]) => t === total)).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i][0]).toBeGreaterThanOrEqual(progress[i - 1][0]);
    b.model.dispose();
  });

  it('fetches shards with the TF Hub query suffix for fromTFHub specs', async () => {
    const { fetchFn, requested } = memoryFetch(BASE, served);
    const b = await loadBackbone(spec({ url: BASE.slice(0, -1), fromTFHub: true }), { fetchFn });
    expect(requested).toEqual([`${BASE}model.json?tfjs-format=file`, `${BASE}tiny.weights.bin?tfjs-format=file`]);
    b.model.dispose();
  });

  it('cuts at an inner layer and frees the layers past the cut', async () => {
    const b = await loadBackbone(spec({ cutLayer: 'block_2_add' }), { ioHandler: ioHandlerFromFiles(tiny.modelJsonText, tiny.files) });
    if (b.kind !== 'layers') throw new Error('expected a layers model');
    expect(b.model.outputs[0].shape).toEqual([null, 56, 56, 12]);
    expect(b.model.layers.at(-1)!.name).toBe('block_2_add');
    b.model.dispose(); // afterEach proves the dropped blocks' weights were freed too
  });

  it('rejects an unknown cut layer without leaking', async () => {
    const ioHandler = ioHandlerFromFiles(tiny.modelJsonText, tiny.files);
    await expect(loadBackbone(spec({ cutLayer: 'nope' }), { ioHandler })).rejects.toThrow("the model has no layer named 'nope'");
  });

  it('loads graph models (TF Hub style) through the same fetch path', async () => {
    const dims = (...d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
    const graph = {
      format: 'graph-model',
      modelTopology: {
        node: [
          { name: 'images', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims(-1, 32, 32, 3) } } },
          { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(3) } } } },
          { name: 'out', op: 'Mul', input: ['images', 'w'], attr: { T: { type: 'DT_FLOAT' } } },
        ],
        versions: { producer: 1 },
      },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [3], dtype: 'float32' }] }],
    };
    const files = new Map([
      ['model.json', new TextEncoder().encode(JSON.stringify(graph))],
      ['group1-shard1of1.bin', new Uint8Array(new Float32Array([1, 2, 3]).buffer)],
    ]);
    const { fetchFn, requested } = memoryFetch(BASE, files);
    const b = await loadBackbone(spec({ format: 'graph', url: `${BASE}`, fromTFHub: true, cutLayer: undefined }), { fetchFn });
    expect(b.kind).toBe('graph');
    expect(requested[1]).toBe(`${BASE}group1-shard1of1.bin?tfjs-format=file`);
    const y = tf.tidy(() => (b.model.predict(tf.ones([1, 32, 32, 3])) as tf.Tensor).mean([0, 1, 2]));
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    b.model.dispose();
  });

  it('reports HTTP failures', async () => {
    const { fetchFn } = memoryFetch(BASE, new Map([['model.json', served.get('model.json')!]]));
    await expect(loadBackbone(spec(), { fetchFn })).rejects.toThrow(`request to ${BASE}tiny.weights.bin failed: HTTP 404`);
  });
});

describe('fetchModelFiles', () => {
  it('validates model.json before downloading any shard', async () => {
    const json = JSON.parse(tiny.modelJsonText);
    json.modelTopology.config.layers[0].config.batch_input_shape = [null, 224, 224, 1];
    const { fetchFn, requested } = memoryFetch(BASE, new Map([['model.json', new TextEncoder().encode(JSON.stringify(json))], ...tiny.files]));
    await expect(fetchModelFiles(`${BASE}model.json`, { fetchFn })).rejects.toThrow(/3 colour channels/);
    expect(requested).toEqual([`${BASE}model.json`]);
  });

  it('returns model.json and shards by file name', async () => {
    const { fetchFn } = memoryFetch(BASE, served);
    const { modelJson, files } = await fetchModelFiles(`${BASE}model.json`, { fetchFn, validate: { maxBytes: 1e6 } });
    expect(modelJson).toEqual(JSON.parse(tiny.modelJsonText));
    expect(files.get('tiny.weights.bin')).toEqual(tiny.files.get('tiny.weights.bin'));
  });
});

describe('helpers', () => {
  it('weightUrl keeps the folder and query string of model.json', () => {
    expect(weightUrl('https://a.test/m/model.json', 'g1.bin')).toBe('https://a.test/m/g1.bin');
    expect(weightUrl('https://a.test/m/model.json?tfjs-format=file', 'g1.bin')).toBe('https://a.test/m/g1.bin?tfjs-format=file');
    expect(weightUrl('./models/tiny/model.json', 'w.bin')).toBe('./models/tiny/w.bin');
  });

  it('readBody counts chunks, and handles a body-less response', async () => {
    const sizes: number[] = [];
    const res = new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array(3)); c.enqueue(new Uint8Array(5)); c.close(); } }));
    expect((await readBody(res, (n) => sizes.push(n))).byteLength).toBe(8);
    expect(sizes).toEqual([3, 5]);
    expect((await readBody(new Response(null), () => {})).byteLength).toBe(0);
  });
});

describe('a custom backbone URL is untrusted', () => {
  it('refuses a model whose activations pass the budget before fetching any shard, with the reason', async () => {
    const m = tf.sequential();
    m.add(tf.layers.inputLayer({ inputShape: [32, 32, 3] }));
    for (let i = 0; i < 5; i++) m.add(tf.layers.upSampling2d({ size: [4, 4], name: `up${i + 1}` }));
    m.add(tf.layers.conv2d({ filters: 1, kernelSize: 1, name: 'c' }));
    const topology = m.toJSON(null, false);
    const weights = m.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' }));
    m.dispose();
    const json = { format: 'layers-model', modelTopology: topology, weightsManifest: [{ paths: ['w.bin'], weights }] };
    const files = new Map([['model.json', new TextEncoder().encode(JSON.stringify(json))], ['w.bin', new Uint8Array(16)]]);
    const { fetchFn, requested } = memoryFetch(BASE, files);
    await expect(loadBackbone(spec({ cutLayer: undefined }), { fetchFn })).rejects.toThrow(/layer 'up4' \(UpSampling2D\) would output 8192 × 8192 × 3/);
    expect(requested).toEqual([`${BASE}model.json`]);
  });

  it('stops reading a shard larger than the manifest and refuses a shard of the wrong size', async () => {
    const long = new Map(served);
    long.set('tiny.weights.bin', new Uint8Array(served.get('tiny.weights.bin')!.byteLength * 3));
    await expect(loadBackbone(spec(), { fetchFn: memoryFetch(BASE, long).fetchFn })).rejects.toThrow(/weight file 'tiny\.weights\.bin' is larger than the \d+ bytes the manifest lists/);
    const short = new Map(served);
    short.set('tiny.weights.bin', served.get('tiny.weights.bin')!.slice(0, 100));
    await expect(loadBackbone(spec(), { fetchFn: memoryFetch(BASE, short).fetchFn })).rejects.toThrow(/has 100 bytes but its weights need/);
  });
});

