// ROC/AUC against hand computations and sklearn's documented example, with ties and degenerate classes.
import { describe, expect, it } from 'vitest';
import { createRng } from '../train/rng';
import { rocCurve, rocOneVsRest } from './roc';

/** P(score of a random positive > that of a random negative) + ½ P(tie): what AUC must equal. */
function mannWhitney(scores: number[], pos: boolean[]): number {
  let s = 0;
  let pairs = 0;
  scores.forEach((a, i) => {
    if (!pos[i]) return;
    scores.forEach((b, j) => {
      if (pos[j]) return;
      pairs++;
      s += a > b ? 1 : a === b ? 0.5 : 0;
    });
  });
  return s / pairs;
}

describe('rocCurve', () => {
  it('perfect separation gives AUC 1', () => {
    const r = rocCurve([0.9, 0.8, 0.3, 0.1], [true, true, false, false]);
    expect(r.auc).toBe(1);
    expect(r.fpr).toEqual([0, 0, 0, 0.5, 1]);
    expect(r.tpr).toEqual([0, 0.5, 1, 1, 1]);
  });

  it('inverted scores give AUC 0', () => {
    expect(rocCurve([0.1, 0.2, 0.8, 0.9], [true, true, false, false]).auc).toBe(0);
  });

  it('all-equal scores are one step: the diagonal, AUC 0.5', () => {
    const r = rocCurve([0.5, 0.5, 0.5, 0.5, 0.5], [true, false, true, false, false]);
    expect(r.fpr).toEqual([0, 1]);
    expect(r.tpr).toEqual([0, 1]);
    expect(r.thresholds).toEqual([Infinity, 0.5]);
    expect(r.auc).toBe(0.5);
  });

  it("matches sklearn's roc_curve docstring example", () => {
    // y = [1, 1, 2, 2], pos_label = 2, scores = [0.1, 0.4, 0.35, 0.8]
    const r = rocCurve([0.1, 0.4, 0.35, 0.8], [false, false, true, true]);
    expect(r.fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(r.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(r.thresholds).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
    expect(r.auc).toBe(0.75);
  });

  it('groups a tie between a positive and a negative (hand computation)', () => {
    // 0.9 (+) → (0, ½); 0.5 (+, −) → (½, 1); 0.1 (−) → (1, 1). Area: ½·(½+1)/2 + ½·1 = 0.875.
    const r = rocCurve([0.9, 0.5, 0.5, 0.1], [true, true, false, false]);
    expect(r.fpr).toEqual([0, 0, 0.5, 1]);
    expect(r.tpr).toEqual([0, 0.5, 1, 1]);
    expect(r.auc).toBeCloseTo(0.875, 12);
    expect({ positives: r.positives, negatives: r.negatives }).toEqual({ positives: 2, negatives: 2 });
  });

  it('equals the Mann–Whitney statistic on random data with many ties', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + rng.int(40);
      const scores = Array.from({ length: n }, () => rng.int(6) / 5);
      const pos = Array.from({ length: n }, (_, i) => (i < 2 ? i === 0 : rng.next() < 0.4));
      const r = rocCurve(scores, pos);
      expect(r.auc).toBeCloseTo(mannWhitney(scores, pos), 12);
      expect(r.fpr[r.fpr.length - 1]).toBe(1);
      expect(r.tpr[r.tpr.length - 1]).toBe(1);
      for (let i = 1; i < r.thresholds.length; i++) expect(r.thresholds[i]).toBeLessThan(r.thresholds[i - 1]);
    }
  });

  it('returns auc null and an empty curve without positives or negatives', () => {
    expect(rocCurve([0.2, 0.4], [false, false])).toEqual({ fpr: [], tpr: [], thresholds: [], auc: null, positives: 0, negatives: 2 });
    expect(rocCurve([0.2, 0.4], [true, true]).auc).toBeNull();
    expect(rocCurve([], []).auc).toBeNull();
  });

  it('rejects NaN scores and mismatched lengths', () => {
    expect(() => rocCurve([NaN, 0.1], [true, false])).toThrow(/NaN/);
    expect(() => rocCurve([0.1], [true, false])).toThrow(/length/);
  });
});

describe('rocOneVsRest', () => {
  it('scores each class by its own column and averages the defined AUCs', () => {
    // 3 classes; class 2 has no examples.
    const probs = new Float32Array([
      0.7, 0.2, 0.1, // label 0
      0.6, 0.3, 0.1, // label 0
      0.2, 0.5, 0.3, // label 1
      0.5, 0.4, 0.1, // label 1
    ]);
    const r = rocOneVsRest(probs, [0, 0, 1, 1], 3);
    expect(r.curves).toHaveLength(3);
    // class 0 scores: pos {0.7, 0.6}, neg {0.2, 0.5} → perfect
    expect(r.curves[0].auc).toBe(1);
    // class 1 scores: pos {0.5, 0.4}, neg {0.2, 0.3} → perfect (float32 values compare the same way)
    expect(r.curves[1].auc).toBe(1);
    expect(r.curves[2].auc).toBeNull();
    expect(r.macroAuc).toBe(1);
  });

  it('hand example with one misordered pair per class', () => {
    const probs = [0.8, 0.2, 0.6, 0.4, 0.3, 0.7, 0.1, 0.9];
    const r = rocOneVsRest(probs, [0, 1, 0, 1], 2);
    // class 0: scores 0.8(+) 0.6(−) 0.3(+) 0.1(−) → pairs won 3 of 4
    expect(r.curves[0].fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(r.curves[0].tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(r.curves[0].auc).toBe(0.75);
    // class 1: scores 0.9(+) 0.7(−) 0.4(+) 0.2(−) → 3 of 4
    expect(r.curves[1].auc).toBe(0.75);
    expect(r.macroAuc).toBe(0.75);
  });

  it('returns null macro AUC when no class has both positives and negatives', () => {
    expect(rocOneVsRest([0.5, 0.5, 0.9, 0.1], [0, 0], 2).macroAuc).toBeNull();
  });

  it('checks the probability array size', () => {
    expect(() => rocOneVsRest(new Float32Array(5), [0, 1], 3)).toThrow(/length/);
    expect(() => rocOneVsRest([0.5, 0.5], [2], 2)).toThrow(/labels\[0\]/);
  });
});
