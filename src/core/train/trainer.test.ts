// The training loop in Node on the cpu backend: loss falls, frozen weights stay bit-identical
// while unfrozen ones change, no tensors leak across epochs, and a resumed run matches an
// uninterrupted one.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBackbone } from '../backbones/layers';
import { pool, type FeatureExtractor } from './features';
import { defaultRunConfig, type EpochMetrics, type RunConfig } from './run-config';
import { Trainer, type Checkpoint } from './trainer';
import { lrAt } from './schedules';
import { buildTestBackbone, memorySource, syntheticDataset, TEST_SPEC } from '../../test-support/test-backbone';

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

  it('early stopping restores the weights saved at the best epoch, with either class balancing option', async () => {
    const bb = buildTestBackbone();
    const before = tf.memory().numTensors;
    const unbalanced = train.filter((t) => t.label === 0 || t.id.endsWith('-1') || t.id.endsWith('-2') || t.id.endsWith('-3'));
    for (const balance of ['class-weights', 'oversample'] as const) {
      const cfg = config({ epochs: 30, lr: 0.05, balance, earlyStopping: { enabled: true, patience: 2, minDelta: 0.02, restoreBest: true } });
      // The head's weights as they stood at the end of every epoch, and the epochs flagged best.
      const atEpoch = new Map<number, Map<string, Float32Array>>();
      const bestFlags: number[] = [];
      const trainer: Trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, unbalanced, val, {
        onEpoch: async (m, best) => {
          atEpoch.set(m.epoch, await weightsOf(trainer.head));
          if (best) bestFlags.push(m.epoch);
        },
      });
      const r = await trainer.run();
      expect(r.status, balance).toBe('early-stopped');
      expect(r.bestEpoch, balance).toBe(bestFlags.at(-1));
      expect(r.bestEpoch!, balance).toBeLessThan(r.epochs);
      const restored = await weightsOf(trainer.head);
      const saved = atEpoch.get(r.bestEpoch!)!;
      const last = atEpoch.get(r.epochs)!;
      for (const [k, v] of saved) expect(v.every((x, i) => x === restored.get(k)![i]), `${balance} ${k}`).toBe(true);
      // The last epoch's weights differ, so the check above sees a restore and not the last epoch.
      expect([...last].some(([k, v]) => v.some((x, i) => x !== restored.get(k)![i])), balance).toBe(true);
      trainer.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });
  it('the same seed gives bit-identical weights with dropout on; another seed differs', async () => {
    const before = tf.memory().numTensors;
    const cfg = config({ epochs: 3, head: { hiddenUnits: 8, dropout: 0.5, l2: 0 } });
    const runOnce = async (seed: number) => {
      const bb = buildTestBackbone();
      const t = new Trainer(extractorFor(bb), bb, memorySource(data.images), { ...cfg, seed }, 2, train, val);
      await t.run();
      const w = await weightsOf(t.head);
      t.dispose();
      bb.dispose();
      return w;
    };
    const a = await runOnce(7);
    const b = await runOnce(7);
    const c = await runOnce(8);
    for (const [k, v] of a) expect(v.every((x, i) => x === b.get(k)![i]), k).toBe(true);
    expect([...a].some(([k, v]) => v.some((x, i) => x !== c.get(k)![i]))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fine-tune: a best epoch from the head stage is restored with the backbone it was trained on', async () => {
    const bb = buildTestBackbone();
    const w0 = await weightsOf(bb);
    const before = tf.memory().numTensors;
    // A fine-tuning learning rate this high wrecks the backbone, so the best epoch is in stage 1.
    const cfg = config({ mode: 'finetune', epochs: 4, lr: 0.05, finetune: { epochs: 2, lr: 5 }, trainableBlocks: 2, earlyStopping: { enabled: true, patience: 5, minDelta: 0, restoreBest: true } });
    const stages: number[] = [];
    let bestHead: Map<string, Float32Array> | null = null;
    const trainer: Trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val, {
      onEpoch: async (m, best) => {
        stages.push(m.stage);
        if (best) bestHead = await weightsOf(trainer.head);
      },
    });
    const r = await trainer.run();
    expect(stages).toEqual([1, 1, 1, 1, 2, 2]);
    expect(r.bestEpoch).toBeLessThanOrEqual(4);
    const w1 = await weightsOf(bb);
    for (const [k, v] of w0) expect(v.every((x, i) => x === w1.get(k)![i]), k).toBe(true);
    const h = await weightsOf(trainer.head);
    for (const [k, v] of bestHead!) expect(v.every((x, i) => x === h.get(k)![i]), k).toBe(true);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });

  it('fine-tune: early stopping in the head stage moves on to fine-tuning instead of ending the run', async () => {
    const bb = buildTestBackbone();
    const before = tf.memory().numTensors;
    const cfg = config({ mode: 'finetune', epochs: 20, lr: 0, finetune: { epochs: 2, lr: 0.005 }, trainableBlocks: 2, earlyStopping: { enabled: true, patience: 1, minDelta: 0, restoreBest: false } });
    const epochs: EpochMetrics[] = [];
    const trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val, { onEpoch: (m) => void epochs.push(m) });
    await trainer.run();
    // lr 0: epoch 2 cannot improve on epoch 1, so the head stage stops there; both fine-tune epochs run.
    expect(epochs.map((m) => [m.epoch, m.stage])).toEqual([[1, 1], [2, 1], [21, 2], [22, 2]]);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });
  it('fine-tune: stage 2 follows its own schedule (one-cycle by default), stage 1 the run schedule', async () => {
    const bb = buildTestBackbone();
    const before = tf.memory().numTensors;
    const ftLr = 0.004;
    const cfg = config({ mode: 'finetune', epochs: 2, lr: 0.01, finetune: { ...defaultRunConfig(TEST_SPEC).finetune, epochs: 3, lr: ftLr }, trainableBlocks: 2 });
    expect(cfg.finetune.schedule).toEqual({ kind: 'one-cycle', pctStart: 0.2 });
    const batches: { epoch: number; batch: number; batches: number; lr: number }[] = [];
    const trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val, { onBatch: (p) => void batches.push(p) });
    await trainer.run();
    const head = batches.filter((b) => b.epoch < 2);
    const fine = batches.filter((b) => b.epoch >= 2);
    expect(new Set(head.map((b) => b.lr))).toEqual(new Set([0.01]));
    const perEpoch = fine[0].batches;
    fine.forEach((b) => expect(b.lr).toBeCloseTo(lrAt(cfg.finetune.schedule!, ftLr, (b.epoch - 2) * perEpoch + b.batch - 1, perEpoch, 3), 12));
    // Warm-up from ftLr / 25 to the peak, then annealed far below it.
    expect(fine[0].lr).toBeCloseTo(ftLr / 25, 6);
    expect(Math.max(...fine.map((b) => b.lr))).toBeGreaterThan(0.9 * ftLr);
    expect(fine[fine.length - 1].lr).toBeLessThan(ftLr / 20);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });
  it('early stopping can watch validation accuracy: the kept epoch is the most accurate one, ties to the lower loss', async () => {
    const bb = buildTestBackbone();
    const before = tf.memory().numTensors;
    const cfg = config({ epochs: 12, lr: 0.05, earlyStopping: { enabled: true, patience: 12, minDelta: 0, restoreBest: true, monitor: 'accuracy' } });
    const epochs: EpochMetrics[] = [];
    const trainer = new Trainer(extractorFor(bb), bb, memorySource(data.images), cfg, 2, train, val, { onEpoch: (m) => void epochs.push(m) });
    const r = await trainer.run();
    const top = Math.max(...epochs.map((m) => m.valAcc!));
    expect(epochs[r.bestEpoch! - 1].valAcc).toBe(top);
    const tied = epochs.filter((m) => m.valAcc === top);
    expect(epochs[r.bestEpoch! - 1].valLoss).toBe(Math.min(...tied.map((m) => m.valLoss!)));
    expect(tied.length).toBeGreaterThan(1); // the tie-break was exercised
    expect(r.validation!.accuracy).toBe(top);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });
});
