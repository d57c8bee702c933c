// Checks scripts/make-tiny-backbone.mjs: byte-identical output across runs, small size, accepted by
// validateModel, and MobileNetV2 layer naming that describeLayers groups into blocks.
import { beforeAll, describe, expect, it } from 'vitest';
import { blockOfName } from './layers';
import { generateTinyBackbone, type ModelDir } from '../../test-support/tiny-backbone-files';
import { validateModel } from './validate';

let first: ModelDir & { stdout: string };
beforeAll(() => {
  first = generateTinyBackbone();
});

describe('make-tiny-backbone.mjs', () => {
  it('writes identical bytes on every run', () => {
    const second = generateTinyBackbone();
    expect(second.modelJsonText).toBe(first.modelJsonText);
    expect([...second.files.keys()]).toEqual(['tiny.weights.bin']);
    expect(Buffer.from(second.files.get('tiny.weights.bin')!).equals(Buffer.from(first.files.get('tiny.weights.bin')!))).toBe(true);
  });

  it('is tiny and prints its parameter count and file sizes', () => {
    const bin = first.files.get('tiny.weights.bin')!;
    expect(bin.byteLength).toBeLessThan(200 * 1024);
    expect(first.stdout).toContain('tiny backbone (224 px): 8288 params');
    expect(first.stdout).toContain(`tiny.weights.bin: ${bin.byteLength} bytes`);
    expect(first.stdout).toContain(`model.json: ${Buffer.byteLength(first.modelJsonText)} bytes`);
  });

  it('passes validation as a 224x224 RGB layers model', () => {
    expect(validateModel({ modelJson: first.modelJsonText, files: first.files })).toMatchObject({
      ok: true,
      format: 'layers-model',
      inputShape: [null, 224, 224, 3],
      totalBytes: 8288 * 4,
    });
  });

  it('names layers like Keras MobileNetV2, 4 blocks with residual adds', () => {
    const layers: Array<{ name: string; class_name: string }> = JSON.parse(first.modelJsonText).modelTopology.config.layers;
    const names = layers.map((l) => l.name);
    expect(names.slice(0, 10)).toEqual([
      'input_1', 'Conv1_pad', 'Conv1', 'bn_Conv1', 'Conv1_relu',
      'expanded_conv_depthwise', 'expanded_conv_depthwise_BN', 'expanded_conv_depthwise_relu',
      'expanded_conv_project', 'expanded_conv_project_BN',
    ]);
    expect(names.slice(10, 19)).toEqual([
      'block_1_expand', 'block_1_expand_BN', 'block_1_expand_relu', 'block_1_pad', 'block_1_depthwise',
      'block_1_depthwise_BN', 'block_1_depthwise_relu', 'block_1_project', 'block_1_project_BN',
    ]);
    expect(names.filter((n) => n.endsWith('_add'))).toEqual(['block_2_add', 'block_4_add']);
    expect(names.slice(-3)).toEqual(['Conv_1', 'Conv_1_bn', 'out_relu']);
    expect(names.slice(1).every((n) => blockOfName(n) !== null)).toBe(true);
    expect(layers.find((l) => l.name === 'Conv1_relu')!.class_name).toBe('ReLU');
  });
});
