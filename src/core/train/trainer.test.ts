// The training loop in Node on the cpu backend: loss falls, frozen weights stay bit-identical
// while unfrozen ones change, no tensors leak across epochs, and a resumed run matches an
// uninterrupted one.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBackbone } from '../backbones/layers';
import { pool, type FeatureExtractor } from './features';
import { defaultRunConfig, type EpochMetrics, type RunConfig } from './run-config';
import { Trainer, type Checkpoint } from './trainer';
import { buildTestBackbone, memorySource, syntheticDataset, TEST_SPEC } from './test-backbone';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function extractorFor(model: tf.LayersModel): FeatureExtractor {
  return { spec: TEST_SPEC, forward: (x) => tf.tidy(() => pool(applyBackbone(model, x))) };
}

function config(patch: Partial<RunConfig> = {}): RunConfig {
  return { ...defaultRunConfig(TEST_SPEC), batchSize: 8, epochs: 6, head: { hiddenUnits: 0, dropout: 0, l2: 0 }, lr: 0.01, earlyStopping: { enabled: false, patience: 3, minDelta: 0, restoreBest: false }, ...patch };
}

const data = syntheticDataset(16);
const train = data.items.filter((_, i) => i % 4 !== 0);
const val = data.items.filter((_, i) => i % 4 === 0);

async function weightsOf(model: tf.LayersModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const l of model.layers) for (const [i, w] of l.getWeights().entries()) out.set(`${l.name}/${i}`, (await w.data()) as Float32Array);
  return out;
}

describe('Trainer', () => {
  it('frozen mode: loss falls, validation accuracy is high, no tensor growth per epoch, nothing leaks', async () => {
    const bb = buildTestBackbone();
    const before = tf.memory().numTensors;
    const epochs: EpochMetrics[] = [];
    const tensorsAtEpoch: number[] = [];
    const trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), config({ epochs: 12, lr: 0.05 }), 2, train, val, {
      onEpoch: (m) => {
        epochs.push(m);
        tensorsAtEpoch.push(tf.memory().numTensors);
      },
    });
    const result = await trainer.run();
    expect(result.status).toBe('done');
    expect(epochs).toHaveLength(12);
    expect(epochs[11].trainLoss).toBeLessThan(epochs[0].trainLoss * 0.7);
    expect(result.validation!.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(new Set(tensorsAtEpoch.slice(1)).size).toBe(1);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });

  it('fine-tune: frozen layers and BN statistics stay bit-identical, unfrozen kernels change', async () => {
    const bb = buildTestBackbone();
    const w0 = await weightsOf(bb);
    const before = tf.memory().numTensors;
    const cfg = config({ mode: 'finetune', epochs: 1, finetune: { epochs: 2, lr: 0.005 }, trainableBlocks: 2, augmentEnabled: true, augment: { flipH: true, brightness: 0.1 } });
    const stages: number[] = [];
    const trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val, { onEpoch: (m) => void stages.push(m.stage) });
    await trainer.run();
    expect(stages).toEqual([1, 2, 2]);
    const w1 = await weightsOf(bb);
    const same = (k: string) => w0.get(k)!.every((v, i) => v === w1.get(k)![i]);
    // Last 2 blocks are block_2 and head (Conv_1): their kernels moved.
    expect(same('Conv_1/0')).toBe(false);
    expect(same('block_2_project/0')).toBe(false);
    // Earlier blocks are frozen, and every BN layer (frozen by default, run in inference mode) is unchanged.
    for (const k of ['Conv1/0', 'block_1_expand/0', 'block_1_depthwise/0', 'block_1_project/0']) expect(same(k), k).toBe(true);
    for (const k of [...w0.keys()].filter((k) => /BN|bn/.test(k))) expect(same(k), k).toBe(true);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });

  it('a run stopped after epoch 2 and resumed from its checkpoint ends where an uninterrupted run ends', async () => {
    const cfg = config({ epochs: 4, optimizer: 'adam', schedule: { kind: 'cosine' } });
    const straightBb = buildTestBackbone();
    const straight = new Trainer(extractorFor(straightBb), straightBb, memorySource(data.images), cfg, 2, train, val);
    await straight.run();
    const expected = await weightsOf(straight.head);

    const bb = buildTestBackbone();
    let last: Checkpoint | null = null;
    const first: Trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val, {
      onEpoch: (m) => {
        if (m.epoch === 2) first.stop();
      },
      onCheckpoint: async (cp, kind) => {
        if (kind === 'last') last = cp;
      },
    });
    const r1 = await first.run();
    expect(r1.status).toBe('stopped');
    expect(last!.epoch).toBe(1);
    first.dispose();
    const second = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val);
    const r2 = await second.run(last);
    expect(r2.status).toBe('done');
    const got = await weightsOf(second.head);
    for (const [k, v] of expected) {
      const g = got.get(k)!;
      const maxDiff = Math.max(...v.map((x, i) => Math.abs(x - g[i])));
      expect(maxDiff, k).toBeLessThan(1e-5);
    }
    straight.dispose();
    second.dispose();
    straightBb.dispose();
    bb.dispose();
  });

  it('early stopping restores the best epoch and class balancing options run', async () => {
    const bb = buildTestBackbone();
    const before = tf.memory().numTensors;
    const unbalanced = train.filter((t) => t.label === 0 || t.id.endsWith('-1') || t.id.endsWith('-2') || t.id.endsWith('-3'));
    for (const balance of ['class-weights', 'oversample'] as const) {
      const cfg = config({ epochs: 30, lr: 0.05, balance, earlyStopping: { enabled: true, patience: 2, minDelta: 0, restoreBest: true } });
      const trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, unbalanced, val);
      const r = await trainer.run();
      expect(['done', 'early-stopped']).toContain(r.status);
      if (r.status === 'early-stopped') expect(r.bestEpoch).toBeLessThan(r.epochs);
      trainer.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });
});
