// Folded inference (BatchNorm folded into the conv before it, ReLU fused) against the model's
// own forward pass, on graphs with the shapes MobileNets use: residual adds, explicit zero
// padding before a valid conv, depthwise multipliers, convs with and without bias, BN without
// scale or centre, a BN output used twice, and an identity layer.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestBackbone } from '../../test-support/test-backbone';
import { foldBackbone } from './fold';
import { applyBackbone } from './layers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Gives every BatchNorm layer non-trivial statistics, so folding has something to get wrong. */
function randomiseBatchNorms(model: tf.LayersModel, seed: number) {
  let s = seed;
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const ws = l.getWeights();
    const fresh = ws.map((w, i) => {
      const isVariance = i === ws.length - 1;
      return isVariance ? tf.randomUniform(w.shape, 0.2, 2, 'float32', s++) : tf.randomNormal(w.shape, i === 0 && ws.length === 4 ? 1 : 0, 0.3, 'float32', s++);
    });
    l.setWeights(fresh);
    tf.dispose(fresh);
  }
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function residualModel(): tf.LayersModel {
  const input = tf.input({ shape: [17, 17, 3], name: 'input_1' });
  let x = tf.layers.zeroPadding2d({ name: 'pad', padding: [[0, 1], [0, 1]] }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ name: 'stem', filters: 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: true, biasInitializer: 'randomNormal' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'stem_bn', scale: false }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'stem_relu' }).apply(x) as tf.SymbolicTensor;
  const skip = x;
  let y = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: 'dw_bn', center: false }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.reLU({ name: 'dw_relu', maxValue: 6 }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.conv2d({ name: 'project', filters: 8, kernelSize: 1, useBias: false }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: 'project_bn' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.dropout({ name: 'drop', rate: 0.5 }).apply(y) as tf.SymbolicTensor;
  let z = tf.layers.add({ name: 'add' }).apply([skip, y]) as tf.SymbolicTensor;
  // A BN whose output is used twice stays a layer of its own.
  const c = tf.layers.conv2d({ name: 'twice', filters: 8, kernelSize: 1, useBias: false }).apply(z) as tf.SymbolicTensor;
  const cb = tf.layers.batchNormalization({ name: 'twice_bn' }).apply(c) as tf.SymbolicTensor;
  const r1 = tf.layers.reLU({ name: 'twice_relu' }).apply(cb) as tf.SymbolicTensor;
  z = tf.layers.add({ name: 'add2' }).apply([cb, r1]) as tf.SymbolicTensor;
  z = tf.layers.conv2d({ name: 'head', filters: 12, kernelSize: 1, useBias: false }).apply(z) as tf.SymbolicTensor;
  z = tf.layers.batchNormalization({ name: 'head_bn' }).apply(z) as tf.SymbolicTensor;
  z = tf.layers.reLU({ name: 'out_relu', maxValue: 6 }).apply(z) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: z });
}

describe('foldBackbone', () => {
  it('matches the MobileNetV2-shaped test backbone and folds every BatchNorm', () => {
    const model = buildTestBackbone();
    randomiseBatchNorms(model, 11);
    const before = tf.memory().numTensors;
    const folded = foldBackbone(model)!;
    expect(folded).not.toBeNull();
    expect(folded.foldedBatchNorms).toBe(8);
    const x = tf.randomUniform([3, 32, 32, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const want = applyBackbone(model, x);
    const got = tf.tidy(() => folded.forward(x));
    expect(got.shape).toEqual(want.shape);
    const scale = tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0]);
    expect(scale).toBeGreaterThan(0.1);
    expect(maxDiff(got, want)).toBeLessThan(1e-4 * Math.max(1, scale));
    tf.dispose([x, want, got]);
    folded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('handles residual adds, padding, depthwise multipliers, bias, BN without scale or centre, and shared outputs', () => {
    const model = residualModel();
    randomiseBatchNorms(model, 21);
    const before = tf.memory().numTensors;
    const folded = foldBackbone(model)!;
    // stem, dw, project, twice and head fold; twice_bn's output is used twice, so its ReLU stays a layer of its own.
    expect(folded.foldedBatchNorms).toBe(5);
    // The stem's ZeroPadding2D becomes the stem conv's own padding.
    expect(folded.foldedPaddings).toBe(1);
    const x = tf.randomUniform([2, 17, 17, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
    const want = model.apply(x, { training: false }) as tf.Tensor;
    const inTidy = tf.memory().numTensors;
    const got = tf.tidy(() => folded.forward(x));
    expect(tf.memory().numTensors).toBe(inTidy + 1);
    expect(got.shape).toEqual(want.shape);
    expect(maxDiff(got, want)).toBeLessThan(1e-4);
    tf.dispose([x, want, got]);
    folded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it.each([
    ['one-sided (MobileNet stride-2)', [[0, 1], [0, 1]]],
    ['uneven on every side', [[2, 1], [1, 3]]],
  ] as [string, [[number, number], [number, number]]][])('folds %s zero padding into a strided conv and depthwise conv on cpu and wasm', async (_name, padding) => {
    const input = tf.input({ shape: [13, 11, 3], name: 'input_1' });
    let x = tf.layers.zeroPadding2d({ name: 'pad1', padding }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ name: 'c1', filters: 6, kernelSize: 3, strides: 2, padding: 'valid', useBias: false }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'c1_bn' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: 'c1_relu', maxValue: 6 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.zeroPadding2d({ name: 'pad2', padding }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, strides: 2, padding: 'valid', useBias: false }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'dw_bn' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: 'dw_relu' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: x });
    randomiseBatchNorms(model, 31);
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const folded = foldBackbone(model)!;
      expect(folded.foldedPaddings).toBe(2);
      // Tapping the padded conv's input keeps that padding a layer of its own, with the same output.
      const tapped = foldBackbone(model, { taps: ['pad2', 'not-a-layer'] })!;
      expect(tapped.foldedPaddings).toBe(1);
      const xIn = tf.randomUniform([2, 13, 11, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
      const want = model.apply(xIn, { training: false }) as tf.Tensor;
      const got = tf.tidy(() => folded.forward(xIn));
      expect(got.shape, backend).toEqual(want.shape);
      expect(maxDiff(got, want), backend).toBeLessThan(1e-4);
      // forward() frees its taps; forwardTaps() hands them over.
      const n = tf.memory().numTensors;
      const viaTapped = tapped.forward(xIn);
      expect(tf.memory().numTensors).toBe(n + 1);
      expect(maxDiff(viaTapped, want), backend).toBeLessThan(1e-4);
      const { output, taps } = tapped.forwardTaps(xIn);
      expect([...taps.keys()]).toEqual(['pad2']);
      expect(taps.get('pad2')!.shape).toEqual([2, ...(model.getLayer('pad2').outputShape as number[]).slice(1)]);
      tf.dispose([xIn, want, got, viaTapped, output, ...taps.values()]);
      folded.dispose();
      tapped.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    await tf.setBackend('cpu');
    model.dispose();
  });

  it('gives up on a layer used twice (the caller then runs the model as it is)', () => {
    const input = tf.input({ shape: [4] });
    const dense = tf.layers.dense({ units: 4 });
    const out = dense.apply(dense.apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(foldBackbone(model)).toBeNull();
    model.dispose();
  });
});
