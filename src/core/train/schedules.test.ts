// Checks learning-rate schedules against hand-computed values (PyTorch/fastai conventions).
import { describe, expect, it } from 'vitest';
import { lrAt, scheduleCurve, type ScheduleConfig } from './schedules';

const SPE = 10; // steps per epoch
const EPOCHS = 10; // → 100 steps
const at = (cfg: ScheduleConfig, step: number, base = 0.01) => lrAt(cfg, base, step, SPE, EPOCHS);

describe('lrAt', () => {
  it('constant', () => {
    for (const s of [0, 50, 99, 1000]) expect(at({ kind: 'constant' }, s)).toBe(0.01);
  });

  it('step: multiplies by gamma every stepEvery epochs', () => {
    const cfg: ScheduleConfig = { kind: 'step', stepEvery: 3, gamma: 0.1 };
    expect(at(cfg, 0)).toBeCloseTo(0.01, 12);
    expect(at(cfg, 29)).toBeCloseTo(0.01, 12); // epoch 2
    expect(at(cfg, 30)).toBeCloseTo(0.001, 12); // epoch 3
    expect(at(cfg, 59)).toBeCloseTo(0.001, 12);
    expect(at(cfg, 60)).toBeCloseTo(0.0001, 12);
    expect(at(cfg, 99)).toBeCloseTo(0.00001, 12); // epoch 9
  });

  it('cosine: base at 0, midpoint at half, towards minLr at the end', () => {
    expect(at({ kind: 'cosine' }, 0)).toBeCloseTo(0.01, 12);
    expect(at({ kind: 'cosine' }, 50)).toBeCloseTo(0.005, 12);
    expect(at({ kind: 'cosine' }, 25)).toBeCloseTo(0.005 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(at({ kind: 'cosine', minLr: 0.001 }, 50)).toBeCloseTo(0.0055, 12);
    expect(at({ kind: 'cosine', minLr: 0.001 }, 99)).toBeCloseTo(0.001 + 0.0045 * (1 + Math.cos(0.99 * Math.PI)), 12);
    expect(at({ kind: 'cosine' }, 99)).toBeGreaterThan(0);
  });

  it('cyclical: triangular between minLr and base', () => {
    const cfg: ScheduleConfig = { kind: 'cyclical', cycleEpochs: 2, minLr: 0.001 }; // 20-step cycles
    expect(at(cfg, 0)).toBeCloseTo(0.001, 12);
    expect(at(cfg, 5)).toBeCloseTo(0.0055, 12);
    expect(at(cfg, 10)).toBeCloseTo(0.01, 12);
    expect(at(cfg, 15)).toBeCloseTo(0.0055, 12);
    expect(at(cfg, 20)).toBeCloseTo(0.001, 12);
    expect(at(cfg, 30)).toBeCloseTo(0.01, 12);
  });

  it('one-cycle: matches PyTorch OneCycleLR (cos, two phases) defaults', () => {
    const cfg: ScheduleConfig = { kind: 'one-cycle' };
    // total 100, warm-up ends at step 0.25·100 − 1 = 24
    expect(at(cfg, 0)).toBeCloseTo(0.01 / 25, 12);
    expect(at(cfg, 12)).toBeCloseTo((0.01 / 25 + 0.01) / 2, 12);
    expect(at(cfg, 24)).toBeCloseTo(0.01, 12);
    const min = 0.01 / 25 / 1e4;
    expect(at(cfg, 99)).toBeCloseTo(min, 14);
    const pct = (62 - 24) / (99 - 24);
    expect(at(cfg, 62)).toBeCloseTo(min + ((0.01 - min) / 2) * (1 + Math.cos(Math.PI * pct)), 12);
    // increasing then decreasing
    const curve = scheduleCurve(cfg, 0.01, SPE, EPOCHS);
    for (let s = 1; s <= 24; s++) expect(curve[s]).toBeGreaterThan(curve[s - 1]);
    for (let s = 25; s < 100; s++) expect(curve[s]).toBeLessThan(curve[s - 1]);
  });

  it('one-cycle: custom pctStart / divFactor / finalDivFactor', () => {
    const cfg: ScheduleConfig = { kind: 'one-cycle', pctStart: 0.3, divFactor: 10, finalDivFactor: 100 };
    expect(at(cfg, 0, 1)).toBeCloseTo(0.1, 12);
    expect(at(cfg, 29, 1)).toBeCloseTo(1, 12);
    expect(at(cfg, 99, 1)).toBeCloseTo(0.001, 12);
    // a one-step run does not divide by zero
    expect(Number.isFinite(lrAt({ kind: 'one-cycle' }, 1, 0, 1, 1))).toBe(true);
  });

  it('linear-warmup then constant', () => {
    const cfg: ScheduleConfig = { kind: 'linear-warmup', warmupEpochs: 2, then: 'constant' }; // 20 warm-up steps
    expect(at(cfg, 0)).toBeCloseTo(0.0005, 12);
    expect(at(cfg, 9)).toBeCloseTo(0.005, 12);
    expect(at(cfg, 19)).toBeCloseTo(0.01, 12);
    expect(at(cfg, 20)).toBeCloseTo(0.01, 12);
    expect(at(cfg, 99)).toBeCloseTo(0.01, 12);
  });

  it('linear-warmup then cosine to 0 over the remaining steps', () => {
    const cfg: ScheduleConfig = { kind: 'linear-warmup', warmupEpochs: 2, then: 'cosine' };
    expect(at(cfg, 19)).toBeCloseTo(0.01, 12);
    expect(at(cfg, 20)).toBeCloseTo(0.01, 12);
    expect(at(cfg, 60)).toBeCloseTo(0.005, 12); // halfway through the 80 remaining steps
    expect(at(cfg, 99)).toBeCloseTo(0.005 * (1 + Math.cos((79 / 80) * Math.PI)), 12);
    // zero warm-up is plain cosine
    expect(at({ kind: 'linear-warmup', warmupEpochs: 0, then: 'cosine' }, 50)).toBeCloseTo(0.005, 12);
  });

  it('supports fractional epochs and clamps steps outside the run', () => {
    expect(at({ kind: 'cosine' }, -5)).toBeCloseTo(0.01, 12);
    expect(at({ kind: 'cosine' }, 500)).toBe(at({ kind: 'cosine' }, 99));
    expect(lrAt({ kind: 'linear-warmup', warmupEpochs: 0.5, then: 'constant' }, 1, 4, 10, 3)).toBeCloseTo(1, 12);
    expect(lrAt({ kind: 'linear-warmup', warmupEpochs: 0.5, then: 'constant' }, 1, 1, 10, 3)).toBeCloseTo(0.4, 12);
  });

  it('rejects nonsense arguments', () => {
    expect(() => lrAt({ kind: 'constant' }, 1, 0, 0, 10)).toThrow();
    expect(() => lrAt({ kind: 'constant' }, 1, 0, 10, 0)).toThrow();
    expect(() => at({ kind: 'step', stepEvery: 0, gamma: 0.5 }, 3)).toThrow();
    expect(() => at({ kind: 'cyclical', cycleEpochs: 0, minLr: 0 }, 3)).toThrow();
    expect(() => at({ kind: 'one-cycle', pctStart: 1 }, 3)).toThrow();
  });

  it('every schedule stays finite and within [0, base]', () => {
    const cfgs: ScheduleConfig[] = [
      { kind: 'constant' },
      { kind: 'step', stepEvery: 1, gamma: 0.5 },
      { kind: 'cosine', minLr: 0.0001 },
      { kind: 'cyclical', cycleEpochs: 3, minLr: 0.0001 },
      { kind: 'one-cycle' },
      { kind: 'linear-warmup', warmupEpochs: 1, then: 'cosine' },
    ];
    for (const cfg of cfgs) {
      const curve = scheduleCurve(cfg, 0.01, 7, 5);
      expect(curve).toHaveLength(35);
      for (const v of curve) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(0.01 + 1e-15);
      }
    }
  });
});
