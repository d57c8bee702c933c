// The fine-tune boundary cache: the backbone splits where its first trainable layer starts, the
// prefix+suffix forward equals the model's, and a training step (and a resumed run) on cached
// boundary activations matches one that runs the whole backbone, with no tensor growth.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBackbone, setTrainableLastBlocks } from '../backbones/layers';
import { splitAtBoundary } from './boundary';
import { pool, type FeatureExtractor } from './features';
import type { PixelSource } from './data';
import { defaultRunConfig, type RunConfig } from './run-config';
import { Trainer, type Checkpoint } from './trainer';
import { buildTestBackbone, memorySource, syntheticDataset, TEST_SPEC } from '../../test-support/test-backbone';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const extractorFor = (model: tf.LayersModel): FeatureExtractor => ({ spec: TEST_SPEC, forward: (x) => tf.tidy(() => pool(applyBackbone(model, x))) });
const data = syntheticDataset(12);
const train = data.items.filter((_, i) => i % 4 !== 0);
const val = data.items.filter((_, i) => i % 4 === 0);

function config(patch: Partial<RunConfig> = {}): RunConfig {
  return {
    ...defaultRunConfig(TEST_SPEC), mode: 'finetune', epochs: 0, finetune: { epochs: 1, lr: 0.01 }, trainableBlocks: 2, batchSize: train.length,
    optimizer: 'adam', head: { hiddenUnits: 8, dropout: 0, l2: 0 }, augmentEnabled: true, augment: { flipH: true, brightness: 0.2, rotate: 10, zoom: 0.2 }, augmentViews: 3,
    earlyStopping: { enabled: false, patience: 3, minDelta: 0, restoreBest: false }, ...patch,
  };
}

async function trainable(t: Trainer, bb: tf.LayersModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const m of [t.head, bb]) for (const l of m.layers) for (const [i, w] of l.trainableWeights.entries()) out.set(`${l.name}/${i}`, (await w.read().data()) as Float32Array);
  return out;
}

const maxDiff = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  return Math.max(...[...a].map(([k, v]) => Math.max(...v.map((x, i) => Math.abs(x - b.get(k)![i])))));
};

describe('boundary cache', () => {
  it('splits at the first trainable block, and prefix then suffix equals the whole backbone', () => {
    const bb = buildTestBackbone();
    setTrainableLastBlocks(bb, 0);
    expect(splitAtBoundary(bb)).toBeNull();
    setTrainableLastBlocks(bb, 2);
    const split = splitAtBoundary(bb)!;
    expect(split.layer).toBe('block_1_project_BN');
    expect(split.shape).toEqual([8, 8, 8]);
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([3, 32, 32, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const prefix = split.prefix();
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(split.suffix(prefix.forward(x)), applyBackbone(bb, x)))).dataSync()[0]);
    prefix.dispose();
    x.dispose();
    expect(diff).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });

  async function oneRun(budget: number, cfg: RunConfig, log: string[] = []) {
    const bb = buildTestBackbone();
    const t = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val, { onLog: (l) => void log.push(l) }, { boundaryBudget: budget });
    const r = await t.run();
    const w = await trainable(t, bb);
    t.dispose();
    bb.dispose();
    return { w, r };
  }

  it('one training step on cached boundary activations equals the step through the whole backbone', async () => {
    const before = tf.memory().numTensors;
    const onLog: string[] = [];
    const offLog: string[] = [];
    const on = await oneRun(64 << 20, config(), onLog);
    const off = await oneRun(1000, config(), offLog);
    expect(onLog.join('\n')).toMatch(/^Boundary cache: 18 training images × 3 views \+ 6 validation images at block_1_project_BN \(8×8×8\)/);
    expect(offLog.join('\n')).toMatch(/^Boundary cache off: .* over the 0\.0 MB budget/);
    expect(on.w.size).toBeGreaterThan(4);
    expect(maxDiff(on.w, off.w)).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(on.r.validation!.loss - off.r.validation!.loss)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('no tensor growth across cached epochs, and a resumed run ends where an uninterrupted one does', async () => {
    const cfg = config({ finetune: { epochs: 4, lr: 0.01 }, batchSize: 8 });
    const before = tf.memory().numTensors;
    const straight = await oneRun(64 << 20, cfg);
    const bb = buildTestBackbone();
    const counts: number[] = [];
    let last: Checkpoint | null = null;
    const first: Trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val, {
      onEpoch: (m) => {
        counts.push(tf.memory().numTensors);
        if (m.epoch === 2) first.stop();
      },
      onCheckpoint: async (cp, kind) => void (kind === 'last' && (last = cp)),
    });
    expect((await first.run()).status).toBe('stopped');
    first.dispose();
    const second = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val, { onEpoch: () => void counts.push(tf.memory().numTensors) });
    await second.run(last);
    const resumed = await trainable(second, bb);
    second.dispose();
    bb.dispose();
    expect(counts).toHaveLength(4);
    expect(new Set(counts.slice(0, 2)).size).toBe(1);
    expect(new Set(counts.slice(2)).size).toBe(1);
    expect(maxDiff(straight.w, resumed)).toBeLessThanOrEqual(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('a fine-tune run with head epochs runs the frozen prefix once for both stages, and trains as it would without', async () => {
    const cfg = config({ epochs: 2, finetune: { epochs: 2, lr: 0.01 }, batchSize: 8 });
    const before = tf.memory().numTensors;
    const run = async (budget: number) => {
      const bb = buildTestBackbone();
      const loads: number[] = [];
      const counting: PixelSource = { load: async (ids, size) => (loads.push(ids.length), memorySource(data.images).load(ids, size)) };
      const log: string[] = [];
      const progress: number[] = [];
      const t = new Trainer(extractorFor(bb), bb, counting, cfg, 2, train, val, {
        onLog: (l) => void log.push(l),
        onStatus: (phase, done) => void (phase === 'features' && progress.push(done)),
      }, { boundaryBudget: budget });
      const r = await t.run();
      const w = await trainable(t, bb);
      t.dispose();
      bb.dispose();
      return { w, r, loads: loads.reduce((a, b) => a + b, 0), log: log.join('\n'), progress };
    };
    const cached = await run(64 << 20);
    const whole = await run(1000);
    // Every image's pixels once: the boundary cache's pass; the head's features come from it.
    expect(cached.loads).toBe(train.length + val.length);
    expect(cached.log).toMatch(/came from the boundary cache through the last \d+ layers/);
    // One progress count for the features phase, in image views, from the boundary's pass.
    expect(cached.progress).toEqual([...cached.progress].sort((a, b) => a - b));
    expect(cached.progress.at(-1)).toBe(train.length * 3 + val.length);
    // Without the cache: the features' pass, each fine-tune epoch's batches and validation, and
    // the final validation.
    expect(whole.loads).toBe((train.length + val.length) * 3 + val.length);
    expect(whole.log).not.toMatch(/came from the boundary cache/);
    expect(cached.r.epochs).toBe(4);
    expect(maxDiff(cached.w, whole.w)).toBeLessThanOrEqual(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
