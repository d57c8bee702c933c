// Checks that user-supplied models are accepted when sound and rejected, with a reason, when not.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateTinyBackbone, type ModelDir } from '../../test-support/tiny-backbone-files';
import { ioHandlerFromFiles, validateModel, validateModelJson } from './validate';

let tiny: ModelDir;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tiny = generateTinyBackbone();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const clone = (): Json => JSON.parse(tiny.modelJsonText);
const bin = () => tiny.files.get('tiny.weights.bin')!;

/** A one-layer layers model (just its input) with the given input shape and weights manifest. */
function layersJson(shape: unknown, manifest: unknown = [{ paths: ['w.bin'], weights: [{ name: 'k', shape: [2, 3], dtype: 'float32' }] }]): Json {
  const input = { name: 'in', class_name: 'InputLayer', config: { batch_input_shape: shape, name: 'in' }, inbound_nodes: [] };
  const config = { name: 'm', layers: [input], input_layers: [['in', 0, 0]], output_layers: [['in', 0, 0]] };
  return { format: 'layers-model', modelTopology: { class_name: 'Model', config }, weightsManifest: manifest };
}
const files24 = new Map([['w.bin', new Uint8Array(24)]]);

function graphJson(dims: number[], extra: Json = {}): Json {
  const tensorShape = { dim: dims.map((d) => ({ size: String(d) })) };
  return {
    format: 'graph-model',
    modelTopology: { node: [{ name: 'images', op: 'Placeholder', attr: { shape: { shape: tensorShape } } }] },
    weightsManifest: [{ paths: ['g.bin'], weights: [{ name: 'w', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } }] }],
    ...extra,
  };
}

const reasonOf = (r: ReturnType<typeof validateModel>) => (r.ok ? 'ok' : r.reason);

describe('validateModel', () => {
  it('accepts the tiny backbone (text, bytes or parsed model.json)', () => {
    for (const modelJson of [tiny.modelJsonText, new TextEncoder().encode(tiny.modelJsonText), clone()]) {
      const r = validateModel({ modelJson, files: tiny.files });
      expect(r).toEqual({
        ok: true,
        format: 'layers-model',
        inputShape: [null, 224, 224, 3],
        totalBytes: bin().byteLength,
        weightCount: clone().weightsManifest[0].weights.length,
      });
    }
  });

  it('rejects text that is not JSON, or JSON that is not an object', () => {
    expect(reasonOf(validateModel({ modelJson: '{"format": ', files: new Map() }))).toMatch(/not valid JSON/);
    expect(reasonOf(validateModel({ modelJson: '[1, 2]', files: new Map() }))).toMatch(/JSON object/);
    expect(reasonOf(validateModel({ modelJson: null, files: new Map() }))).toMatch(/JSON object/);
  });

  it('detects the format from the topology when `format` is absent, and rejects unknown formats', () => {
    const j = layersJson([null, 64, 64, 3]);
    delete j.format;
    expect(validateModel({ modelJson: j, files: files24 })).toMatchObject({ ok: true, format: 'layers-model' });
    const keras = layersJson([null, 64, 64, 3]);
    delete keras.format;
    keras.modelTopology = { keras_version: '2.2.4', backend: 'tensorflow', model_config: keras.modelTopology };
    expect(validateModel({ modelJson: keras, files: files24 })).toMatchObject({ ok: true, format: 'layers-model' });
    const g = graphJson([-1, 96, 128, 3]);
    delete g.format;
    expect(validateModel({ modelJson: g, files: new Map([['g.bin', new Uint8Array(4)]]) })).toEqual({
      ok: true, format: 'graph-model', inputShape: [null, 96, 128, 3], totalBytes: 4, weightCount: 1,
    });
    expect(reasonOf(validateModel({ modelJson: { ...j, format: 'onnx' }, files: files24 }))).toMatch(/unknown model format 'onnx'/);
    expect(reasonOf(validateModel({ modelJson: { weightsManifest: [] }, files: files24 }))).toMatch(/no modelTopology/);
  });

  it('rejects a malformed weights manifest', () => {
    expect(reasonOf(validateModel({ modelJson: layersJson([null, 64, 64, 3], {}), files: files24 }))).toMatch(/weightsManifest must be/);
    expect(reasonOf(validateModel({ modelJson: layersJson([null, 64, 64, 3], [{ paths: ['w.bin'] }]), files: files24 }))).toMatch(/'paths' and 'weights'/);
    const noName = layersJson([null, 64, 64, 3], [{ paths: ['w.bin'], weights: [{ shape: [1], dtype: 'float32' }] }]);
    expect(reasonOf(validateModel({ modelJson: noName, files: files24 }))).toMatch(/without a name/);
  });

  it('rejects a missing shard', () => {
    expect(reasonOf(validateModel({ modelJson: tiny.modelJsonText, files: new Map() }))).toBe("weight file 'tiny.weights.bin' is missing");
  });

  it('rejects a shard whose size does not match its weights', () => {
    const short = new Map([['tiny.weights.bin', bin().subarray(4)]]);
    const n = bin().byteLength;
    expect(reasonOf(validateModel({ modelJson: tiny.modelJsonText, files: short }))).toBe(
      `weight group 0 (tiny.weights.bin) has ${n - 4} bytes but its weights need ${n}`,
    );
  });

  it.each(['../w.bin', 'sub/w.bin', '/etc/passwd', 'C:w.bin', '..', '', 'a\\b.bin'])('rejects the weight path %j', (p) => {
    const j = layersJson([null, 64, 64, 3], [{ paths: [p], weights: [{ name: 'k', shape: [2, 3], dtype: 'float32' }] }]);
    expect(reasonOf(validateModel({ modelJson: j, files: new Map([[p, new Uint8Array(24)]]) }))).toMatch(/must be a plain file name/);
  });

  it('rejects invalid and huge shapes and unsupported dtypes before sizing anything', () => {
    const w = (weight: Json) => layersJson([null, 64, 64, 3], [{ paths: ['w.bin'], weights: [weight] }]);
    const check = (weight: Json) => reasonOf(validateModel({ modelJson: w(weight), files: files24 }));
    expect(check({ name: 'k', shape: [2, -3], dtype: 'float32' })).toMatch(/invalid shape \[2,-3\]/);
    expect(check({ name: 'k', shape: [2.5], dtype: 'float32' })).toMatch(/invalid shape/);
    expect(check({ name: 'k', shape: 'big', dtype: 'float32' })).toMatch(/invalid shape/);
    expect(check({ name: 'k', shape: [100000, 100000, 3, 3], dtype: 'float32' })).toMatch(/'k' makes the model too large \(90000000000 elements/);
    expect(check({ name: 'k', shape: [6], dtype: 'string' })).toMatch(/unsupported dtype 'string'/);
    expect(check({ name: 'k', shape: [6], dtype: 'float32', quantization: { dtype: 'int4' } })).toMatch(/unsupported dtype 'int4'/);
    expect(check({ name: 'k', shape: [6], dtype: 'float32', quantization: 'yes' })).toMatch(/invalid quantization/);
  });

  it('sizes quantized weights by their storage dtype', () => {
    const j = layersJson([null, 64, 64, 3], [
      { paths: ['w.bin'], weights: [
        { name: 'a', shape: [10], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: 0 } },
        { name: 'b', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
        { name: 'c', shape: [2], dtype: 'int32', quantization: { dtype: 'uint16', scale: 1, min: 0 } },
      ] },
    ]);
    expect(validateModel({ modelJson: j, files: new Map([['w.bin', new Uint8Array(10 + 6 + 4)]]) })).toMatchObject({ ok: true, totalBytes: 20, weightCount: 3 });
  });

  it('rejects models whose input is not a single 4D RGB image batch of 32..1024 pixels', () => {
    const shapeReason = (s: unknown) => reasonOf(validateModel({ modelJson: layersJson(s), files: files24 }));
    expect(shapeReason([null, 64, 64, 3])).toBe('ok');
    expect(shapeReason([null, 10])).toMatch(/4D image batch/);
    expect(shapeReason([null, 64, 64, 1])).toMatch(/3 colour channels/);
    expect(shapeReason([1, 64, 64, 3])).toMatch(/batch size must be unspecified/);
    expect(shapeReason([null, 16, 64, 3])).toMatch(/32\.\.1024/);
    expect(shapeReason([null, 64, 2048, 3])).toMatch(/32\.\.1024/);
    expect(shapeReason([null, null, null, 3])).toMatch(/32\.\.1024/);
    expect(shapeReason(undefined)).toMatch(/no batch_input_shape/);
    const two = layersJson([null, 64, 64, 3]);
    two.modelTopology.config.input_layers.push(['in', 0, 0]);
    expect(reasonOf(validateModel({ modelJson: two, files: files24 }))).toMatch(/exactly one input \(has 2\)/);
    const g = graphJson([-1, 224, 224, 3]);
    g.modelTopology.node.push({ ...g.modelTopology.node[0], name: 'other' });
    expect(reasonOf(validateModel({ modelJson: g, files: new Map([['g.bin', new Uint8Array(4)]]) }))).toMatch(/exactly one input \(has 2\)/);
    const sig = graphJson([0], { signature: { inputs: { x: { name: 'x:0', tensorShape: { dim: [{ size: '-1' }, { size: '299' }, { size: '299' }, { size: '3' }] } } } } });
    expect(validateModel({ modelJson: sig, files: new Map([['g.bin', new Uint8Array(4)]]) })).toMatchObject({ ok: true, inputShape: [null, 299, 299, 3] });
  });

  it('rejects a model over the size cap (default 200 MB, configurable)', () => {
    const r = validateModel({ modelJson: tiny.modelJsonText, files: tiny.files }, { maxBytes: 10_000 });
    expect(reasonOf(r)).toBe(`weights total ${bin().byteLength} bytes, over the 10000-byte limit`);
    const big = layersJson([null, 64, 64, 3], [{ paths: ['w.bin'], weights: [{ name: 'k', shape: [60_000_000], dtype: 'float32' }] }]);
    expect(reasonOf(validateModelJson(big))).toBe('weights total 240000000 bytes, over the 209715200-byte limit');
  });
});

describe('ioHandlerFromFiles', () => {
  it('loads a validated dropped model without network, leaking no tensors', async () => {
    const before = tf.memory().numTensors;
    const model = await tf.loadLayersModel(ioHandlerFromFiles(tiny.modelJsonText, tiny.files));
    expect(model.outputs[0].shape).toEqual([null, 28, 28, 64]);
    const bytes = new Uint8Array(tf.io.concatenateArrayBuffers(model.getWeights().map((w) => w.dataSync().slice().buffer as ArrayBuffer)));
    expect(bytes).toEqual(bin());
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('throws on a missing shard or unparsable model.json', () => {
    expect(() => ioHandlerFromFiles(tiny.modelJsonText, new Map())).toThrow("weight file 'tiny.weights.bin' is missing");
    expect(() => ioHandlerFromFiles('nope', tiny.files)).toThrow(/not valid JSON/);
  });
});
