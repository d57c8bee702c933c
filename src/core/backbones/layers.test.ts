// Checks block grouping, per-block freezing, parameter counts, and the BatchNorm behaviour that
// applyBackbone exists for (tfjs BN ignores `trainable` when called with training: true).
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyBackbone, blockOfName, countParams, describeLayers, layerTrainable, listBlocks, openBlocks, setLayerTrainable, setTrainableLastBlocks } from './layers';
import { generateTinyBackbone, type ModelDir } from '../../test-support/tiny-backbone-files';
import { ioHandlerFromFiles } from './validate';

let tiny: ModelDir;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tiny = generateTinyBackbone();
});

let model: tf.LayersModel;
let before = 0;
beforeEach(async () => {
  before = tf.memory().numTensors;
  model = await tf.loadLayersModel(ioHandlerFromFiles(tiny.modelJsonText, tiny.files));
});
afterEach(() => {
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

const read = (m: tf.LayersModel, layer: string, weight: string) =>
  Array.from(m.getLayer(layer).weights.find((w) => w.originalName.endsWith(weight))!.read().dataSync());

describe('blockOfName', () => {
  it('groups MobileNetV2 and v1 layer names', () => {
    const cases: Record<string, string | null> = {
      Conv1_pad: 'stem', Conv1: 'stem', bn_Conv1: 'stem', Conv1_relu: 'stem', expanded_conv_depthwise_BN: 'stem',
      expanded_conv_project: 'stem', block_1_expand: 'block_1', block_13_pad: 'block_13', block_16_project_BN: 'block_16',
      block_2_add: 'block_2', Conv_1: 'head', Conv_1_bn: 'head', out_relu: 'head',
      conv1_pad: 'stem', conv1: 'stem', conv1_bn: 'stem', conv1_relu: 'stem', conv_dw_1: 'conv_1', conv_dw_1_bn: 'conv_1',
      conv_pw_1_relu: 'conv_1', conv_pad_2: 'conv_2', conv_pw_13_relu: 'conv_13', conv_preds: null, dense: null,
    };
    for (const [name, block] of Object.entries(cases)) expect([name, blockOfName(name)]).toEqual([name, block]);
  });
});

describe('describeLayers / listBlocks', () => {
  it('describes every layer of the tiny backbone with shapes, params and blocks', () => {
    const info = describeLayers(model);
    expect(info).toHaveLength(49);
    expect(info[0]).toEqual({ name: 'input_1', className: 'InputLayer', outputShape: '224x224x3', params: 0, trainableParams: 0, block: 'stem' });
    expect(info.find((l) => l.name === 'Conv1')).toMatchObject({ className: 'Conv2D', outputShape: '112x112x8', params: 216, block: 'stem' });
    expect(info.find((l) => l.name === 'bn_Conv1')).toMatchObject({ params: 32, trainableParams: 16 });
    expect(info.find((l) => l.name === 'block_2_add')).toMatchObject({ className: 'Add', outputShape: '56x56x12', block: 'block_2' });
    expect(info.at(-1)).toMatchObject({ name: 'out_relu', className: 'ReLU', outputShape: '28x28x64', block: 'head' });
    expect(info.reduce((n, l) => n + l.params, 0)).toBe(countParams(model).total);
    expect(listBlocks(model)).toEqual(['stem', 'block_1', 'block_2', 'block_3', 'block_4', 'head']);
  });

  it('gives unknown weighted layers their own block and weightless ones the block before', () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3, name: 'features' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ units: 2, name: 'fc' }),
      ],
    });
    expect(describeLayers(m).map((l) => [l.name, l.block])).toEqual([['features', 'features'], ['flat', 'features'], ['fc', 'fc']]);
    expect(listBlocks(m)).toEqual(['features', 'fc']);
    m.dispose();
  });
});

describe('freezing', () => {
  const trainableIn = (blocks: string[], withBn: boolean) =>
    describeLayers(model)
      .filter((l) => blocks.includes(l.block) && (withBn || l.className !== 'BatchNormalization'))
      .reduce((n, l) => n + (l.className === 'BatchNormalization' ? l.params / 2 : l.params), 0);

  it('counts all params as trainable except BN moving statistics at first', () => {
    const bnStats = describeLayers(model).filter((l) => l.className === 'BatchNormalization').reduce((n, l) => n + l.params / 2, 0);
    expect(countParams(model)).toEqual({ total: 8288, trainable: 8288 - bnStats });
  });

  it('setTrainableLastBlocks unfreezes exactly the last n blocks, BatchNorm frozen by default', () => {
    expect(setTrainableLastBlocks(model, 2)).toEqual({ total: 8288, trainable: trainableIn(['block_4', 'head'], false) });
    expect(model.getLayer('Conv_1').trainable).toBe(true);
    expect(model.getLayer('Conv_1_bn').trainable).toBe(false);
    expect(model.getLayer('block_3_project').trainable).toBe(false);
    expect(model.trainableWeights.every((w) => w.originalName.startsWith('block_4_') || w.originalName.startsWith('Conv_1/'))).toBe(true);
    expect(setTrainableLastBlocks(model, 2, { trainBatchNorm: true }).trainable).toBe(trainableIn(['block_4', 'head'], true));
    expect(setTrainableLastBlocks(model, 0).trainable).toBe(0);
    expect(setTrainableLastBlocks(model, -3).trainable).toBe(0);
    const all = listBlocks(model);
    expect(setTrainableLastBlocks(model, 99).trainable).toBe(trainableIn(all, false));
  });

  it('per-layer overrides win over the block rule, and the model follows layerTrainable layer by layer', () => {
    const overrides = { Conv_1: false, block_3_project: true, bn_Conv1: true };
    const counts = setTrainableLastBlocks(model, 2, { overrides });
    const open = openBlocks(listBlocks(model), 2);
    const infos = describeLayers(model);
    expect(infos.map((l) => [l.name, model.getLayer(l.name).trainable])).toEqual(infos.map((l) => [l.name, layerTrainable(l, open, { overrides })]));
    expect(model.getLayer('Conv_1').trainable).toBe(false);
    expect(model.getLayer('block_3_project').trainable).toBe(true);
    expect(model.getLayer('block_4_project').trainable).toBe(true);
    const param = (name: string) => infos.find((l) => l.name === name)!.params;
    // BN's moving statistics never train: only its gamma and beta (half its weights) count.
    expect(counts.trainable).toBe(trainableIn(['block_4', 'head'], false) - param('Conv_1') + param('block_3_project') + param('bn_Conv1') / 2);
  });

  it('setLayerTrainable toggles one layer', () => {
    setTrainableLastBlocks(model, 0);
    setLayerTrainable(model, 'Conv_1', true);
    expect(countParams(model).trainable).toBe(16 * 64);
    setLayerTrainable(model, 'Conv_1', false);
    expect(countParams(model).trainable).toBe(0);
    expect(() => setLayerTrainable(model, 'nope', true)).toThrow();
  });
});

describe('BatchNorm in training', () => {
  const x = () => tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 7) as tf.Tensor4D;

  it('tfjs: a frozen BN layer still uses batch statistics and updates its moving mean with training: true', () => {
    setTrainableLastBlocks(model, 0);
    expect(model.getLayer('bn_Conv1').trainable).toBe(false);
    const mean0 = read(model, 'bn_Conv1', 'moving_mean');
    tf.tidy(() => {
      model.apply(x(), { training: true });
    });
    expect(read(model, 'bn_Conv1', 'moving_mean')).not.toEqual(mean0);
  });

  it('applyBackbone runs BN on moving statistics, changes nothing, and still passes gradients', () => {
    setTrainableLastBlocks(model, 1);
    const mean0 = read(model, 'Conv_1_bn', 'moving_mean');
    const input = x();
    const same = tf.tidy(() => applyBackbone(model, input).sub(model.predict(input) as tf.Tensor).abs().max().dataSync()[0]);
    expect(same).toBe(0);
    expect(read(model, 'Conv_1_bn', 'moving_mean')).toEqual(mean0);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    expect(vars).toHaveLength(1); // Conv_1/kernel
    const norm = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => applyBackbone(model, input).mean() as tf.Scalar, vars);
      return Object.values(grads)[0].abs().sum().dataSync()[0];
    });
    expect(norm).toBeGreaterThan(0);
    input.dispose();
  });
});
