// Bootstrap intervals: the resample AUC against the plain rank AUC, a recall interval against
// the binomial's normal interval it must approach, degenerate and undefined cases, and replay.
import { describe, expect, it } from 'vitest';
import { bootstrapClassMetrics, weightedAuc } from './bootstrap';
import { rocCurve } from './roc';
import { createRng } from '../train/rng';

/** Two classes, n images, class 1 scored `sep` higher on average; returns probabilities and labels. */
function twoClass(n: number, sep: number, seed = 1) {
  const rng = createRng(seed);
  const labels: number[] = [];
  const probs: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = i % 2;
    const p1 = 1 / (1 + Math.exp(-(rng.normal() + (l ? sep : -sep))));
    labels.push(l);
    probs.push(1 - p1, p1);
  }
  return { labels, probs };
}

describe('weightedAuc', () => {
  it('with unit weights equals the ROC AUC, ties included', () => {
    const scores = [0.1, 0.4, 0.4, 0.8, 0.35, 0.9, 0.4];
    const pos = [false, true, false, true, false, true, true];
    const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
    expect(weightedAuc(scores, pos, scores.map(() => 1), order)).toBeCloseTo(rocCurve(scores, pos).auc!, 12);
    // Weight 2 on an image is the same as listing it twice.
    const s2 = [...scores, scores[1]];
    const p2 = [...pos, pos[1]];
    const o2 = s2.map((_, i) => i).sort((a, b) => s2[a] - s2[b]);
    const w = scores.map((_, i) => (i === 1 ? 2 : 1));
    expect(weightedAuc(scores, pos, w, order)).toBeCloseTo(rocCurve(s2, p2).auc!, 12);
    expect(o2.length).toBe(8);
    expect(weightedAuc([0.2, 0.3], [true, true], [1, 1], [0, 1])).toBeNull();
  });
});

describe('bootstrapClassMetrics', () => {
  it('a recall of 80 in 100 gets about the binomial interval 0.80 ± 0.078', () => {
    // Class 0: 100 images, 80 right; class 1: 100 images, all right.
    const labels: number[] = [];
    const probs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const l = i < 100 ? 0 : 1;
      const right = l === 1 || i < 80;
      labels.push(l);
      const pTrue = right ? 0.9 : 0.2;
      probs.push(l === 0 ? pTrue : 1 - pTrue, l === 0 ? 1 - pTrue : pTrue);
    }
    const r = bootstrapClassMetrics(probs, labels, 2, { resamples: 2000, seed: 3 });
    const rec = r.perClass[0].recall!;
    expect(rec.lo).toBeGreaterThan(0.80 - 0.078 - 0.02);
    expect(rec.lo).toBeLessThan(0.80 - 0.078 + 0.02);
    expect(rec.hi).toBeGreaterThan(0.80 + 0.078 - 0.02);
    expect(rec.hi).toBeLessThan(0.80 + 0.078 + 0.02);
    expect(r.perClass[1].recall).toEqual({ lo: 1, hi: 1 });
  });

  it('AUC intervals contain the point AUC, narrow as n grows, and replay for a seed', () => {
    const small = twoClass(40, 1);
    const big = twoClass(800, 1);
    const a = bootstrapClassMetrics(small.probs, small.labels, 2, { seed: 7 });
    const b = bootstrapClassMetrics(big.probs, big.labels, 2, { seed: 7 });
    const auc = rocCurve(small.probs.filter((_, i) => i % 2 === 1), small.labels.map((l) => l === 1)).auc!;
    expect(a.perClass[1].auc!.lo).toBeLessThan(auc);
    expect(a.perClass[1].auc!.hi).toBeGreaterThan(auc);
    const width = (i: { lo: number; hi: number }) => i.hi - i.lo;
    expect(width(b.perClass[1].auc!)).toBeLessThan(width(a.perClass[1].auc!) / 2.5);
    expect(bootstrapClassMetrics(small.probs, small.labels, 2, { seed: 7 })).toEqual(a);
    expect(a.macroAuc).not.toBeNull();
  });

  it('leaves out figures that are mostly undefined and handles no images', () => {
    // Class 2 has no images and is never predicted.
    const r = bootstrapClassMetrics([0.9, 0.1, 0, 0.2, 0.8, 0], [0, 1], 3, { resamples: 200 });
    expect(r.perClass[2]).toEqual({ precision: null, recall: null, f1: null, auc: null });
    expect(bootstrapClassMetrics([], [], 2).resamples).toBe(0);
  });
});
