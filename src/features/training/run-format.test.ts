// Pure helpers of the Runs tab: chart downsampling, number formats, run summaries, config diffs.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig, type EpochMetrics, type RunConfig } from '../../core/train/run-config';
import { BACKBONES } from '../../core/backbones/catalog';
import type { RunRecord } from '../../persistence/db';
import {
  augmentLabel, configDiff, downsample, withStepGaps, epochChartSummary, firstStage2Epoch, formatLoss, formatLr, formatPct,
  niceTicks, runSummary, scheduleLabel, trainingSeconds,
} from './run-format';

const backbone = BACKBONES[0];

function epoch(n: number, patch: Partial<EpochMetrics> = {}): EpochMetrics {
  return { epoch: n, stage: 1, trainLoss: 1 / n, trainAcc: 0.5, valLoss: 1.2 / n, valAcc: 0.4, lr: 1e-3, seconds: 2, imagesPerSecond: 50, ...patch };
}

function makeRun(patch: Partial<RunRecord> = {}, config: Partial<RunConfig> = {}): RunRecord {
  return {
    id: 'r1', projectId: 'p', name: 'Run 1', createdAt: 0, updatedAt: 0, status: 'done',
    config: { ...defaultRunConfig(backbone), ...config },
    classes: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }],
    split: { train: [], val: [] }, history: [], batches: [], backend: 'webgl', backendReason: null,
    bestEpoch: null, bestValAcc: null, bestValLoss: null, lastCheckpointEpoch: null, totalEpochs: 30,
    error: null, parentRunId: null, heartbeatAt: 0,
    ...patch,
  };
}

describe('withStepGaps', () => {
  const pt = (step: number) => ({ step, loss: 1, smooth: 1, lr: 0.1 });
  it('breaks the line where steps jump, not between neighbours', () => {
    const out = withStepGaps([pt(0), pt(1), pt(2), pt(40), pt(41)]);
    expect(out.map((p) => p.step)).toEqual([0, 1, 2, 3, 40, 41]);
    expect(out[3]).toEqual({ step: 3, loss: null, smooth: null, lr: null });
  });
  it('allows for the stride of downsampled points', () => {
    expect(withStepGaps([pt(0), pt(5), pt(10)], 5).length).toBe(3);
    expect(withStepGaps([pt(0), pt(5), pt(30)], 5).length).toBe(4);
  });
});

describe('niceTicks', () => {
  it('steps of 1, 2 or 5 × 10ⁿ inside the range', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(1, 30, 5, { minStep: 1 })).toEqual([5, 10, 15, 20, 25, 30]);
    expect(niceTicks(0, 0.73, 4)).toEqual([0, 0.2, 0.4, 0.6]);
    expect(niceTicks(0.0001, 0.001, 4)).toEqual([0.0002, 0.0004, 0.0006, 0.0008, 0.001]);
  });
  it('widens to hold both ends when asked, and never steps below minStep', () => {
    expect(niceTicks(0, 0.73, 4, { extend: true })).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(1, 3, 4, { minStep: 1 })).toEqual([1, 2, 3]);
    expect(niceTicks(2, 2)).toEqual([2]);
    expect(niceTicks(0, Number.NaN)).toEqual([]);
  });
});

describe('downsample', () => {
  it('returns the same array when short enough', () => {
    const a = [1, 2, 3];
    expect(downsample(a, 3)).toBe(a);
    expect(downsample(a, 400)).toBe(a);
  });
  it('keeps at most max items, the first and the last, in order, without duplicates', () => {
    const a = Array.from({ length: 1001 }, (_, i) => i);
    for (const max of [2, 3, 7, 400, 1000]) {
      const d = downsample(a, max);
      expect(d).toHaveLength(max);
      expect(d[0]).toBe(0);
      expect(d[d.length - 1]).toBe(1000);
      for (let i = 1; i < d.length; i++) expect(d[i]).toBeGreaterThan(d[i - 1]);
    }
  });
  it('spaces picks evenly', () => {
    expect(downsample([0, 1, 2, 3, 4, 5, 6, 7, 8], 5)).toEqual([0, 2, 4, 6, 8]);
  });
  it('handles tiny limits', () => {
    expect(downsample([1, 2, 3], 1)).toEqual([3]);
    expect(downsample([1, 2, 3], 0)).toEqual([]);
    expect(downsample([], 5)).toEqual([]);
  });
});

describe('formatters', () => {
  it('formatPct', () => {
    expect(formatPct(0.9234)).toBe('92.3%');
    expect(formatPct(1)).toBe('100.0%');
    expect(formatPct(0.5, 0)).toBe('50%');
    expect(formatPct(null)).toBe('–');
    expect(formatPct(NaN)).toBe('–');
  });
  it('formatLr writes small rates in compact exponent form', () => {
    expect(formatLr(1e-4)).toBe('1e-4');
    expect(formatLr(2.5e-4)).toBe('2.5e-4');
    expect(formatLr(0.001)).toBe('1e-3');
    expect(formatLr(0.05)).toBe('0.05');
    expect(formatLr(0.1)).toBe('0.1');
    expect(formatLr(0)).toBe('0');
    expect(formatLr(1.23456e-5)).toBe('1.23e-5');
    expect(formatLr(null)).toBe('–');
  });
  it('formatLoss', () => {
    expect(formatLoss(0.41234)).toBe('0.412');
    expect(formatLoss(0.001234)).toBe('0.00123');
    expect(formatLoss(0)).toBe('0.000');
    expect(formatLoss(null)).toBe('–');
  });
  it('scheduleLabel and augmentLabel', () => {
    expect(scheduleLabel({ kind: 'constant' })).toBe('Constant');
    expect(scheduleLabel({ kind: 'step', stepEvery: 5, gamma: 0.5 })).toBe('Step: ×0.5 every 5 epochs');
    expect(scheduleLabel({ kind: 'cosine', minLr: 1e-5 })).toBe('Cosine to 1e-5');
    expect(scheduleLabel({ kind: 'linear-warmup', warmupEpochs: 2, then: 'cosine' })).toBe('Linear warm-up 2 epochs, then cosine');
    expect(augmentLabel(false, { flipH: true })).toBe('Off');
    expect(augmentLabel(true, { flipH: true, rotate: 10, zoom: 0.15 })).toBe('flip H, rotate ±10°, zoom 15%');
    expect(augmentLabel(true, {})).toBe('On (nothing enabled)');
  });
});

describe('run summaries', () => {
  it('runSummary', () => {
    const run = makeRun({ history: [1, 2, 3, 4, 5, 6, 7].map((n) => epoch(n)), totalEpochs: 20, bestValAcc: 0.875, status: 'interrupted' });
    expect(runSummary(run)).toEqual({ mode: 'Frozen backbone', backbone: backbone.name, epochs: '7 / 20', bestValAcc: '87.5%', status: 'Interrupted' });
    expect(runSummary(makeRun({}, { mode: 'finetune' })).mode).toBe('Fine-tune');
    expect(runSummary(makeRun()).bestValAcc).toBe('–');
  });
  it('trainingSeconds and firstStage2Epoch', () => {
    const history = [epoch(1), epoch(2, { seconds: 3.5 }), epoch(3, { stage: 2 }), epoch(4, { stage: 2 })];
    expect(trainingSeconds({ history })).toBe(9.5);
    expect(firstStage2Epoch(history)).toBe(3);
    expect(firstStage2Epoch(history.slice(0, 2))).toBeNull();
  });
  it('epochChartSummary reads the latest epoch', () => {
    const h = [epoch(1), epoch(2, { trainLoss: 0.5, valLoss: 0.75, trainAcc: 0.9, valAcc: 0.8, stage: 2 })];
    expect(epochChartSummary(h, 'loss')).toBe('Loss per epoch, 2 epochs. Epoch 2 (fine-tune): training 0.500, validation 0.750.');
    expect(epochChartSummary(h, 'accuracy')).toBe('Accuracy per epoch, 2 epochs. Epoch 2 (fine-tune): training 90.0%, validation 80.0%.');
    expect(epochChartSummary([epoch(1, { valLoss: null })], 'loss')).toBe('Loss per epoch, 1 epoch. Epoch 1: training 1.000.');
    expect(epochChartSummary([], 'loss')).toBe('Loss per epoch: no epochs recorded yet.');
  });
});

describe('configDiff', () => {
  it('returns every setting for a single run', () => {
    const rows = configDiff([makeRun()]);
    const keys = rows.map((r) => r.key);
    for (const k of ['backbone', 'mode', 'epochs', 'lr', 'finetune.epochs', 'finetune.lr', 'trainableBlocks', 'batchSize', 'gradAccumulation', 'optimizer', 'weightDecay', 'schedule', 'labelSmoothing', 'balance', 'earlyStopping', 'valFraction', 'augment', 'head.hiddenUnits', 'head.dropout', 'head.l2', 'seed', 'backend']) {
      expect(keys).toContain(k);
    }
    expect(rows.every((r) => r.values.length === 1)).toBe(true);
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r.values[0]]));
    expect(byKey).toMatchObject({
      mode: 'Frozen backbone', lr: '1e-3', 'finetune.lr': '–', batchSize: '16', optimizer: 'Adam', schedule: 'Constant',
      balance: 'Class weights', earlyStopping: 'Accuracy, patience 10, min Δ 1e-3, restore best', valFraction: '15%', augment: 'Off',
      'head.hiddenUnits': '100', seed: '42', backend: 'webgl',
    });
  });

  it('returns only the differing settings, one value per run in order', () => {
    const a = makeRun({ id: 'a', backend: 'webgl' });
    const b = makeRun({ id: 'b', backend: 'wasm' }, { lr: 3e-4, schedule: { kind: 'cosine' } });
    const c = makeRun({ id: 'c', backend: 'webgl' }, { lr: 1e-3 });
    expect(configDiff([a, b, c])).toEqual([
      { key: 'lr', label: 'Learning rate', values: ['1e-3', '3e-4', '1e-3'] },
      { key: 'schedule', label: 'LR schedule', values: ['Constant', 'Cosine to 0', 'Constant'] },
      { key: 'backend', label: 'Backend used', values: ['webgl', 'wasm', 'webgl'] },
    ]);
  });

  it('shows fine-tune settings as differing between frozen and fine-tune runs', () => {
    const rows = configDiff([makeRun(), makeRun({}, { mode: 'finetune', finetune: { epochs: 8, lr: 1e-5 } })]);
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r.values]));
    expect(byKey.mode).toEqual(['Frozen backbone', 'Fine-tune']);
    expect(byKey['finetune.epochs']).toEqual(['–', '8']);
    expect(byKey['finetune.lr']).toEqual(['–', '1e-5']);
    expect(byKey.trainableBlocks).toEqual(['–', '4']);
    expect(byKey.epochs).toBeUndefined();
  });

  it('is empty for identical runs and for no runs', () => {
    expect(configDiff([makeRun({ id: 'a' }), makeRun({ id: 'b' })])).toEqual([]);
    expect(configDiff([])).toEqual([]);
  });
});
