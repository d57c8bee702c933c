// The boundary split on the real MobileNetV2 0.35 and MobileNet v1 0.25 (from ../shared,
// never copied into the project; skipped when absent): with the studio's default 4 blocks open
// the cache point is a single frozen tensor, and prefix then suffix equals the whole backbone.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { getBackbone } from '../backbones/catalog';
import { applyBackbone, setTrainableLastBlocks } from '../backbones/layers';
import { loadBackbone } from '../backbones/load';
import { readModelDir } from '../../test-support/tiny-backbone-files';
import { ioHandlerFromFiles } from '../backbones/validate';
import { splitAtBoundary } from './boundary';

const ROOT = fileURLToPath(new URL('../../../../shared/backbones', import.meta.url));
const CASES = [
  { dir: join(ROOT, 'mobilenet-v2-0.35-224-no-top'), id: 'mobilenet-v2-0.35', boundary: 'block_13_project_BN', shape: [7, 7, 56] },
  { dir: join(ROOT, 'mobilenet-v1-0.25-224-no-top'), id: 'mobilenet-v1-0.25', boundary: 'conv_pw_9_relu', shape: [14, 14, 128] },
];
const missing = CASES.filter((c) => !existsSync(join(c.dir, 'model.json')));
if (missing.length > 0) console.log(`boundary real-weights tests skipped: ${missing.map((c) => relative(process.cwd(), c.dir)).join(', ')} not found`);

describe.skipIf(missing.length > 0)('boundary split on real MobileNets', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.id}: 4 open blocks split at ${c.boundary}, and prefix + suffix equals the backbone`, async () => {
      const { modelJsonText, files } = readModelDir(c.dir);
      const b = await loadBackbone(getBackbone(c.id)!, { ioHandler: ioHandlerFromFiles(modelJsonText, files) });
      if (b.kind !== 'layers') throw new Error('expected a layers model');
      const before = tf.memory().numTensors;
      setTrainableLastBlocks(b.model, 4);
      const split = splitAtBoundary(b.model)!;
      expect({ layer: split.layer, shape: split.shape }).toEqual({ layer: c.boundary, shape: c.shape });
      const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
      const prefix = split.prefix();
      const diff = tf.tidy(() => {
        const whole = applyBackbone(b.model, x);
        return tf.max(tf.abs(tf.sub(split.suffix(prefix.forward(x)), whole))).dataSync()[0] / tf.max(tf.abs(whole)).dataSync()[0];
      });
      prefix.dispose();
      x.dispose();
      expect(diff).toBeLessThan(1e-4);
      expect(tf.memory().numTensors).toBe(before);
      b.model.dispose();
    }, 120_000);
  }
});
