import { describe, expect, it } from 'vitest';
import { countRight, formatHeadline, runHeadline } from './headline';

/** n images of 2 classes, the first `right` predicted correctly. */
function set(n: number, right: number) {
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const probabilities = labels.flatMap((l, i) => (i < right ? (l === 0 ? [0.9, 0.1] : [0.2, 0.8]) : l === 0 ? [0.3, 0.7] : [0.6, 0.4]));
  return { labels, probabilities, numClasses: 2 };
}

describe('headline', () => {
  it('counts argmax hits', () => {
    expect(countRight(set(36, 33))).toBe(33);
    expect(countRight(set(5, 0))).toBe(0);
    expect(() => countRight({ labels: [0], probabilities: [1], numClasses: 2 })).toThrow(/expected 2 probabilities/);
  });

  it('formats k of n with the Wilson interval', () => {
    // Wilson 95% for 33/36: 0.7817 … 0.9712.
    expect(formatHeadline(33, 36)).toBe('33 of 36 right (92%, likely 78–97%)');
    expect(formatHeadline(10, 10)).toBe('10 of 10 right (100%, likely 72–100%)');
    expect(formatHeadline(0, 0)).toBe('no images to score');
  });

  it('prefers test images over validation images, and says which', () => {
    const val = runHeadline({ evaluation: set(36, 33) });
    expect(val?.text).toBe('33 of 36 right (92%, likely 78–97%)');
    expect(val?.where).toBe('on validation images');
    const test = runHeadline({ evaluation: set(36, 33), testEvaluation: set(20, 18) });
    expect(test?.on).toBe('test');
    expect(test?.text).toMatch(/^18 of 20 right \(90%/);
    expect(runHeadline({ evaluation: set(36, 33), testEvaluation: set(0, 0) })?.on).toBe('validation');
    expect(runHeadline({})).toBeNull();
  });

  it('says when the figure is out of fold (Auto fitted on every non-test image)', () => {
    const oof = runHeadline({ evaluation: { ...set(40, 30), outOfFold: { k: 5 } } });
    expect(oof).toMatchObject({ on: 'out-of-fold', where: 'out of fold (5-fold cross-validation)' });
    expect(oof?.text).toMatch(/^30 of 40 right/);
    // A test set still comes first.
    expect(runHeadline({ evaluation: { ...set(40, 30), outOfFold: { k: 5 } }, testEvaluation: set(20, 18) })?.on).toBe('test');
  });
});
