#!/usr/bin/env node
// Builds a tiny MobileNetV2-shaped backbone (same layer names as Keras' MobileNetV2, 4 blocks, few
// channels) so tests and e2e runs can exercise "custom backbone" loading without a real download.
//
//   node scripts/make-tiny-backbone.mjs [outDir] [--size N]  (default e2e/fixtures/generated/tiny-backbone/, 224)
//
// Writes model.json (TF.js layers format, weightsManifest paths ['tiny.weights.bin']) and the .bin.
// Weights come from a seeded PRNG, so the bytes are identical on every run. Input NxNx3 (224 by
// default: output `out_relu` 28x28x64; N/8 in general). A small N (32) keeps a fine-tuning step
// cheap enough for a software WebGPU adapter. The layers: a 3x3 stride-2 conv, 1x1 convs,
// depthwise 3x3 (stride 1 and 2, with zero padding), BatchNorm, ReLU6 and a residual add.
// Uses @tensorflow/tfjs on the cpu backend (no tfjs-node).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';

export const WEIGHTS_FILE = 'tiny.weights.bin';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_OUT = path.join(ROOT, 'e2e/fixtures/generated/tiny-backbone');

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const relu6 = (name) => tf.layers.reLU({ maxValue: 6, name });
const bn = (name) => tf.layers.batchNormalization({ axis: -1, momentum: 0.999, epsilon: 1e-3, name });
const pad = (name) => tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name });
const conv1x1 = (filters, name) =>
  tf.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name });
const depthwise = (strides, name) =>
  tf.layers.depthwiseConv2d({
    kernelSize: 3,
    strides,
    padding: strides === 1 ? 'same' : 'valid',
    useBias: false,
    name,
  });

/** One inverted-residual block named like Keras' MobileNetV2 `block_{id}_*`. */
function invertedResidual(x, { id, expansion, stride, filters }) {
  const inChannels = x.shape[x.shape.length - 1];
  const p = `block_${id}_`;
  let h = conv1x1(inChannels * expansion, `${p}expand`).apply(x);
  h = bn(`${p}expand_BN`).apply(h);
  h = relu6(`${p}expand_relu`).apply(h);
  if (stride === 2) h = pad(`${p}pad`).apply(h);
  h = depthwise(stride, `${p}depthwise`).apply(h);
  h = bn(`${p}depthwise_BN`).apply(h);
  h = relu6(`${p}depthwise_relu`).apply(h);
  h = conv1x1(filters, `${p}project`).apply(h);
  h = bn(`${p}project_BN`).apply(h);
  if (stride === 1 && inChannels === filters) h = tf.layers.add({ name: `${p}add` }).apply([x, h]);
  return h;
}

export const TINY_BLOCKS = [
  { id: 1, expansion: 3, stride: 2, filters: 12 },
  { id: 2, expansion: 3, stride: 1, filters: 12 },
  { id: 3, expansion: 3, stride: 2, filters: 16 },
  { id: 4, expansion: 3, stride: 1, filters: 16 },
];

/** The tiny model with seeded weights. The caller disposes it. */
export function buildTinyBackbone(seed = 1234, size = 224) {
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = pad('Conv1_pad').apply(input);
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'Conv1' }).apply(x);
  x = bn('bn_Conv1').apply(x);
  x = relu6('Conv1_relu').apply(x);
  x = depthwise(1, 'expanded_conv_depthwise').apply(x);
  x = bn('expanded_conv_depthwise_BN').apply(x);
  x = relu6('expanded_conv_depthwise_relu').apply(x);
  x = conv1x1(8, 'expanded_conv_project').apply(x);
  x = bn('expanded_conv_project_BN').apply(x);
  for (const block of TINY_BLOCKS) x = invertedResidual(x, block);
  x = conv1x1(64, 'Conv_1').apply(x);
  x = bn('Conv_1_bn').apply(x);
  x = relu6('out_relu').apply(x);
  const model = tf.model({ inputs: input, outputs: x, name: `tiny_mobilenetv2_${size}` });

  const rand = prng(seed);
  const uniform = (n, lo, hi) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
  const values = model.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const leaf = w.originalName.split('/').pop();
    if (leaf === 'gamma') return uniform(n, 0.8, 1.2);
    // Positive shifts keep most ReLU6 units active, so colour and texture survive to the output
    // and a head can learn from the features (a fixture for training tests, not a real model).
    if (leaf === 'beta') return uniform(n, 0.2, 0.5);
    if (leaf === 'moving_mean') return uniform(n, -0.1, 0.1);
    if (leaf === 'moving_variance') return uniform(n, 0.5, 1.5);
    // Depthwise 3x3 kernels: mostly positive taps summing to about 1, a soft blur that keeps signal size.
    if (leaf === 'depthwise_kernel') return uniform(n, 0.02, 0.22);
    // Kernels: Glorot-uniform-like limit from fan-in/fan-out.
    const fanOut = w.shape[w.shape.length - 1];
    const fanIn = n / fanOut;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return uniform(n, -limit, limit);
  });
  const tensors = values.map((v, i) => tf.tensor(v, model.weights[i].shape));
  model.setWeights(tensors); // copies the values into the layer variables
  tf.dispose(tensors);
  return model;
}

/** model.json object and weight bytes of the tiny model, exactly as written to disk. */
export async function serializeTinyBackbone(seed = 1234, size = 224) {
  const model = buildTinyBackbone(seed, size);
  let result;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData));
      const modelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
      };
      result = { modelJson, weights, params: model.countParams() };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return result;
}

/** Writes model.json and tiny.weights.bin into outDir; returns their paths, sizes and the parameter count. */
export async function writeTinyBackbone(outDir = DEFAULT_OUT, seed = 1234, size = 224) {
  const { modelJson, weights, params } = await serializeTinyBackbone(seed, size);
  fs.mkdirSync(outDir, { recursive: true });
  const jsonPath = path.join(outDir, 'model.json');
  const binPath = path.join(outDir, WEIGHTS_FILE);
  const jsonText = JSON.stringify(modelJson);
  fs.writeFileSync(jsonPath, jsonText);
  fs.writeFileSync(binPath, weights);
  return { jsonPath, binPath, jsonBytes: Buffer.byteLength(jsonText), weightBytes: weights.byteLength, params };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await tf.setBackend('cpu');
  const args = process.argv.slice(2);
  const at = args.indexOf('--size');
  const size = at >= 0 ? Number(args.splice(at, 2)[1]) : 224;
  if (!Number.isInteger(size) || size < 16 || size % 8 !== 0) {
    console.error(`--size must be a multiple of 8, at least 16 (got ${args[at + 1] ?? 'nothing'})`);
    process.exit(2);
  }
  const out = path.resolve(args[0] ?? DEFAULT_OUT);
  const r = await writeTinyBackbone(out, 1234, size);
  console.log(`tiny backbone (${size} px): ${r.params} params`);
  console.log(`  ${path.relative(process.cwd(), r.jsonPath) || r.jsonPath}: ${r.jsonBytes} bytes`);
  console.log(`  ${path.relative(process.cwd(), r.binPath) || r.binPath}: ${r.weightBytes} bytes`);
}
