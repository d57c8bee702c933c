// Loads the real MobileNetV2 0.35 and MobileNet v1 0.25 weights from ../shared beside the project
// (never copied into it) to check cutting, shapes, parameter counts and block grouping; skips when absent.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getBackbone } from './catalog';
import { countParams, describeLayers, listBlocks, setTrainableLastBlocks } from './layers';
import { loadBackbone } from './load';
import { memoryFetch, readModelDir } from '../../test-support/tiny-backbone-files';
import { ioHandlerFromFiles, validateModel } from './validate';

// ../shared sits beside the project root (four levels up from this file).
const ROOT = fileURLToPath(new URL('../../../../shared/backbones', import.meta.url));
const V2_DIR = join(ROOT, 'mobilenet-v2-0.35-224-no-top');
const V1_DIR = join(ROOT, 'mobilenet-v1-0.25-224-no-top');
const missing = [V2_DIR, V1_DIR].filter((d) => !existsSync(join(d, 'model.json')));
if (missing.length > 0) console.log(`real-weights tests skipped: ${missing.map((d) => relative(process.cwd(), d)).join(', ')} not found`);

describe.skipIf(missing.length > 0)('real MobileNet weights', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  async function load(dir: string, id: string) {
    const { modelJsonText, files } = readModelDir(dir);
    const b = await loadBackbone(getBackbone(id)!, { ioHandler: ioHandlerFromFiles(modelJsonText, files) });
    if (b.kind !== 'layers') throw new Error('expected a layers model');
    return b.model;
  }
  const outShape = (m: tf.LayersModel) => tf.tidy(() => (m.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor).shape);

  it('MobileNetV2 0.35 validates, cuts at out_relu to [1, 7, 7, 1280], 155 layers, 410,208 params', async () => {
    const { modelJsonText, files } = readModelDir(V2_DIR);
    expect(validateModel({ modelJson: modelJsonText, files })).toMatchObject({
      ok: true, format: 'layers-model', inputShape: [null, 224, 224, 3], totalBytes: 410_208 * 4,
    });
    const m = await load(V2_DIR, 'mobilenet-v2-0.35');
    expect(m.layers).toHaveLength(155);
    expect(outShape(m)).toEqual([1, 7, 7, 1280]);
    expect(countParams(m).total).toBe(410_208);
    const blocks = listBlocks(m);
    expect(blocks).toEqual(['stem', ...Array.from({ length: 16 }, (_, i) => `block_${i + 1}`), 'head']);
    expect(describeLayers(m).filter((l) => l.block === 'block_16').map((l) => l.name)).toHaveLength(8);
    const { trainable } = setTrainableLastBlocks(m, 2);
    // block_16 (56 -> 336 expand, 3x3 depthwise, 336 -> 112 project) and head (112 -> 1280); BN frozen.
    const expected = describeLayers(m)
      .filter((l) => ['block_16', 'head'].includes(l.block) && l.className !== 'BatchNormalization')
      .reduce((n, l) => n + l.params, 0);
    expect(trainable).toBe(expected);
    expect(trainable).toBe(56 * 336 + 9 * 336 + 336 * 112 + 112 * 1280);
    m.dispose();
  });

  it('MobileNet v1 0.25 cuts at conv_pw_13_relu to [1, 7, 7, 256] with blocks conv_1..conv_13', async () => {
    const m = await load(V1_DIR, 'mobilenet-v1-0.25');
    expect(m.layers.at(-1)!.name).toBe('conv_pw_13_relu');
    expect(outShape(m)).toEqual([1, 7, 7, 256]);
    expect(countParams(m).total).toBe(218_544);
    expect(listBlocks(m)).toEqual(['stem', ...Array.from({ length: 13 }, (_, i) => `conv_${i + 1}`)]);
    m.dispose();
  });

  it('streams the real v2 files through a fetch with byte progress', async () => {
    const { modelJsonText, files } = readModelDir(V2_DIR);
    const served = new Map([['model.json', new TextEncoder().encode(modelJsonText)], ...files]);
    const base = 'https://models.test/v2/';
    const { fetchFn } = memoryFetch(base, served, 64 * 1024);
    const seen: Array<[number, number]> = [];
    const spec = { ...getBackbone('mobilenet-v2-0.35')!, url: `${base}model.json` };
    const b = await loadBackbone(spec, { fetchFn, onProgress: (l, t) => seen.push([l, t]) });
    const total = served.get('model.json')!.byteLength + 1_640_832;
    expect(seen.at(-1)).toEqual([total, total]);
    expect(seen.length).toBeGreaterThan(25);
    b.model.dispose();
  });
});
