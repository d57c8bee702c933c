import { describe, expect, it } from 'vitest';
import { getBackbone } from '../backbones/catalog';
import { applyPlan, chooseAutoPlan, describeHead, fitOnOf, planMembers, SEPARATED } from './auto-plan';
import type { HeadCandidate } from './head-search';
import { defaultRunConfig, keptCheckpointKind } from './run-config';
import type { StudyResult } from './study';

const head: HeadCandidate = { hiddenUnits: 0, dropout: 0, lr: 0.01, l2: 0.01, labelSmoothing: 0.1, standardize: true, balance: 'none' };

function study(accuracy: number, k = 5): StudyResult {
  const best = { candidate: head, accuracy, spread: 0.04, loss: 0.5, steps: 48, foldAccuracy: Array(k).fill(accuracy), ms: 10 };
  return { k, folds: [], foldSizes: Array(k).fill(10), rows: [best], best, skipped: 0, truncated: false, budgetMs: 1000, elapsedMs: 500, mean: new Float32Array(1), std: new Float32Array(1) };
}

const base = { classNames: ['a', 'b', 'c'], fineTunable: true, allowFinetune: true, blocks: 18 };

describe('chooseAutoPlan', () => {
  it('keeps the backbone frozen when frozen features already separate the classes', () => {
    const p = chooseAutoPlan({ ...base, study: study(SEPARATED + 0.01), counts: [60, 60, 60] });
    expect(p.mode).toBe('frozen');
    expect(p.headSteps).toBe(48);
    expect(p.reason).toMatch(/^3 classes, about 60 images each; frozen features separate them at 91% \(± 4% over 5 folds\): training the classifier on frozen features \(fine-tuning would add little/);
  });

  it('fine-tunes when they separate poorly and every class has enough images; more blocks the worse they separate', () => {
    const some = chooseAutoPlan({ ...base, study: study(0.65), counts: [50, 60, 70] });
    expect(some.mode).toBe('finetune');
    expect(some.trainableBlocks).toBe(4);
    expect(some.reason).toMatch(/fine-tuning the last 4 blocks for \d+ epochs/);
    const more = chooseAutoPlan({ ...base, study: study(0.55), counts: [80, 80, 80] });
    expect(more.trainableBlocks).toBe(6);
    expect(more.finetuneEpochs).toBeGreaterThanOrEqual(6);
    expect(more.finetuneEpochs).toBeLessThanOrEqual(12);
  });

  it('stays frozen, saying why, for too few images, a frozen-only backbone, or fine-tuning turned off', () => {
    expect(chooseAutoPlan({ ...base, study: study(0.6), counts: [12, 40, 40] }).reason).toMatch(/12 images in the smallest class are too few for fine-tuning to pay off; it needs about 50/);
    expect(chooseAutoPlan({ ...base, study: study(0.6), counts: [49, 80, 80] }).mode).toBe('frozen');
    // Separated well enough, though not at 90%: frozen, saying why.
    const mid = chooseAutoPlan({ ...base, study: study(0.76), counts: [80, 80, 80] });
    expect(mid.mode).toBe('frozen');
    expect(mid.reason).toMatch(/fine-tuning pays off mainly when they separate under 70%/);
    expect(chooseAutoPlan({ ...base, study: study(0.6), counts: [12, 40, 40] }).reason).toMatch(/3 classes, 12 to 40 images each/);
    expect(chooseAutoPlan({ ...base, fineTunable: false, study: study(0.6), counts: [50, 50, 50] }).reason).toMatch(/can only be used frozen/);
    expect(chooseAutoPlan({ ...base, allowFinetune: false, study: study(0.6), counts: [50, 50, 50] }).mode).toBe('frozen');
  });

  it('a frozen plan averages the best linear settings (three at most); a hidden-layer best stands alone', () => {
    const row = (hiddenUnits: number, l2: number, accuracy: number, steps: number) => ({ candidate: { ...head, hiddenUnits, l2 }, accuracy, spread: 0.02, loss: 0.4, steps, foldAccuracy: [], ms: 1 });
    const rows = [row(0, 0.01, 0.95, 48), row(64, 0.001, 0.94, 72), row(0, 0.1, 0.93, 32), row(0, 0.001, 0.93, 96), row(0, 0.03, 0.92, 40)];
    expect(planMembers(rows).map((m) => [m.candidate.l2, m.steps])).toEqual([[0.01, 48], [0.1, 32], [0.001, 96]]);
    expect(planMembers([rows[1], rows[0]])).toHaveLength(1);
    const s = study(0.95);
    const p = chooseAutoPlan({ ...base, study: { ...s, rows, best: rows[0] }, counts: [40, 40, 40] });
    expect(p.members).toHaveLength(3);
    expect(p.reason).toMatch(/\(fine-tuning would add little for the time it takes\); the kept classifier averages its 3 best settings\.$/);
    expect(chooseAutoPlan({ ...base, study: study(0.95), counts: [40, 40, 40] }).reason).not.toMatch(/averages/);
  });

  it('applyPlan writes the chosen head and, for fine-tuning, a head-less first stage with augmentation', () => {
    const cfg = defaultRunConfig(getBackbone('mobilenet-v2-0.35')!);
    const frozen = applyPlan(cfg, chooseAutoPlan({ ...base, study: study(0.95), counts: [40, 40, 40] }));
    expect(frozen).toMatchObject({ mode: 'frozen', epochs: 48, head: { hiddenUnits: 0, dropout: 0, l2: 0.01 }, labelSmoothing: 0.1, balance: 'none', seed: cfg.seed });
    const ft = applyPlan(cfg, chooseAutoPlan({ ...base, study: study(0.55), counts: [60, 60, 60] }));
    expect(ft).toMatchObject({ mode: 'finetune', epochs: 0, trainableBlocks: 6, augmentEnabled: true });
    // The whole one-cycle schedule runs and its last epoch is the model.
    expect(ft.earlyStopping).toMatchObject({ enabled: false, restoreBest: false });
    expect(keptCheckpointKind(ft)).toBe('last');
    expect(keptCheckpointKind(frozen)).toBe('best');
    // A frozen plan's head fits on training and validation images; a fine-tune plan's on training images.
    expect(fitOnOf({ mode: 'frozen' })).toBe('train+val');
    expect(fitOnOf({ mode: 'finetune' })).toBe('train');
    expect(describeHead(head)).toBe('a linear head, L2 0.01, label smoothing 0.1, standardized features');
  });
});
