// Test-only: a small MobileNetV2-shaped backbone (Keras layer names, 32 px input) and a synthetic
// two-class image problem, so the training loop can be tested in Node in seconds.
import * as tf from '@tensorflow/tfjs';
import type { BackboneSpec } from '../core/backbones/catalog';
import type { PixelImage } from '../core/backbones/preprocess';
import type { PixelSource, TrainImage } from '../core/train/data';
import { createRng } from '../core/train/rng';

export const TEST_SPEC: BackboneSpec = {
  id: 'test-mini',
  name: 'Test mini',
  family: 'mobilenet-v2',
  format: 'layers',
  url: 'memory://test-mini',
  inputSize: 32,
  cutLayer: 'out_relu',
  featureDim: 24,
  preprocessing: { scale: 1 / 127.5, offset: -1, resize: 'center-crop' },
  params: 0,
  downloadBytes: 0,
  license: 'test',
  source: 'test',
  fineTunable: true,
};

export function buildTestBackbone(seed = 7): tf.LayersModel {
  const init = (s: number) => tf.initializers.heNormal({ seed: seed + s });
  const input = tf.input({ shape: [32, 32, 3], name: 'input_1' });
  let x = tf.layers.conv2d({ name: 'Conv1', filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn_Conv1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'Conv1_relu', maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  for (const b of [1, 2]) {
    x = tf.layers.conv2d({ name: `block_${b}_expand`, filters: 16, kernelSize: 1, useBias: false, kernelInitializer: init(10 + b) }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `block_${b}_expand_BN` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `block_${b}_expand_relu`, maxValue: 6 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ name: `block_${b}_depthwise`, kernelSize: 3, strides: 2, padding: 'same', useBias: false, depthwiseInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: seed + 20 + b }) }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `block_${b}_depthwise_BN` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `block_${b}_depthwise_relu`, maxValue: 6 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ name: `block_${b}_project`, filters: 8, kernelSize: 1, useBias: false, kernelInitializer: init(30 + b) }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `block_${b}_project_BN` }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.conv2d({ name: 'Conv_1', filters: 24, kernelSize: 1, useBias: false, kernelInitializer: init(40) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'Conv_1_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'out_relu', maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: 'test_mini' });
}

/** Class 0: reddish images with a bright blob top-left; class 1: bluish with the blob bottom-right. */
export function syntheticDataset(perClass: number, seed = 3): { images: Map<string, PixelImage>; items: TrainImage[] } {
  const rng = createRng(seed);
  const images = new Map<string, PixelImage>();
  const items: TrainImage[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < perClass; i++) {
      const data = new Uint8Array(32 * 32 * 3);
      for (let p = 0; p < 32 * 32; p++) {
        const y = Math.floor(p / 32), x = p % 32;
        const blob = c === 0 ? x < 14 && y < 14 : x > 18 && y > 18;
        const n = () => rng.int(60);
        data[p * 3] = (c === 0 ? 150 : 60) + n() + (blob ? 40 : 0);
        data[p * 3 + 1] = 80 + n() + (blob ? 40 : 0);
        data[p * 3 + 2] = (c === 0 ? 60 : 150) + n() + (blob ? 40 : 0);
      }
      const id = `c${c}-${i}`;
      images.set(id, { data, width: 32, height: 32, channels: 3 });
      items.push({ id, label: c });
    }
  }
  return { images, items };
}

export function memorySource(images: Map<string, PixelImage>): PixelSource {
  return { load: async (ids) => ids.map((id) => images.get(id)!) };
}
