// Hand-computed checks of the confusion matrix, per-class metrics (including 0/0 cases) and averages.
import { describe, expect, it } from 'vitest';
import { argmaxRows, averages, confusionMatrix, perClassMetrics, topConfusions } from './classification';

// 4 classes; class 2 is never predicted, class 3 has no examples (but is predicted once).
const labels = [0, 0, 0, 1, 1, 2, 2, 0, 1];
const predicted = [0, 0, 1, 1, 3, 0, 1, 0, 1];

describe('confusionMatrix', () => {
  it('puts true classes on rows and predictions on columns', () => {
    expect(confusionMatrix(labels, predicted, 4)).toEqual([
      [3, 1, 0, 0],
      [0, 2, 0, 1],
      [1, 1, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(confusionMatrix([], [], 2)).toEqual([[0, 0], [0, 0]]);
  });

  it('rejects mismatched lengths and out-of-range classes', () => {
    expect(() => confusionMatrix([0], [0, 1], 2)).toThrow(/length/);
    expect(() => confusionMatrix([2], [0], 2)).toThrow(/labels\[0\]/);
    expect(() => confusionMatrix([0], [-1], 2)).toThrow(/predicted\[0\]/);
    expect(() => confusionMatrix([0.5], [0], 2)).toThrow();
    expect(() => confusionMatrix([], [], 0)).toThrow(/k/);
  });
});

describe('argmaxRows', () => {
  it('takes the row maximum, first index on ties', () => {
    const p = new Float32Array([0.1, 0.7, 0.2, 0.5, 0.25, 0.25, 0.4, 0.2, 0.4]);
    expect(argmaxRows(p, 3)).toEqual([1, 0, 0]);
    expect(argmaxRows(new Float32Array(0), 3)).toEqual([]);
  });

  it('rejects a length that is not a multiple of k', () => {
    expect(() => argmaxRows(new Float32Array(5), 2)).toThrow(/multiple/);
  });
});

describe('perClassMetrics', () => {
  const m = perClassMetrics(confusionMatrix(labels, predicted, 4));

  it('computes precision, recall, F1 and support by hand', () => {
    expect(m[0]).toMatchObject({ precision: 0.75, recall: 0.75, support: 4, predictedCount: 4, truePositives: 3 });
    expect(m[0].f1).toBeCloseTo(0.75, 12);
    expect(m[1].precision).toBeCloseTo(0.5, 12);
    expect(m[1].recall).toBeCloseTo(2 / 3, 12);
    expect(m[1].f1).toBeCloseTo(4 / 7, 12); // 2·0.5·(2/3) / (0.5 + 2/3)
    expect(m.every((c) => c.f1Defined)).toBe(true);
  });

  it('flags a class that is never predicted: precision 0/0', () => {
    expect(m[2]).toMatchObject({ precision: 0, precisionDefined: false, recall: 0, recallDefined: true, f1: 0, support: 2, predictedCount: 0 });
  });

  it('flags a class with no examples: recall 0/0', () => {
    expect(m[3]).toMatchObject({ precision: 0, precisionDefined: true, recall: 0, recallDefined: false, f1: 0, support: 0, predictedCount: 1 });
  });

  it('flags F1 only when a class has neither examples nor predictions', () => {
    const [a, b] = perClassMetrics([[2, 0], [0, 0]]);
    expect(a).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(b).toMatchObject({ precisionDefined: false, recallDefined: false, f1Defined: false, f1: 0 });
  });

  it('rejects a non-square matrix', () => {
    expect(() => perClassMetrics([[1, 2], [3]])).toThrow(/square/);
  });
});

describe('averages', () => {
  it('macro over classes with examples, weighted by support, accuracy', () => {
    const a = averages(perClassMetrics(confusionMatrix(labels, predicted, 4)));
    // macro over classes 0, 1, 2 (class 3 has no examples)
    expect(a.macroClasses).toBe(3);
    expect(a.macro.precision).toBeCloseTo((0.75 + 0.5 + 0) / 3, 12);
    expect(a.macro.recall).toBeCloseTo((0.75 + 2 / 3 + 0) / 3, 12);
    expect(a.macro.f1).toBeCloseTo((0.75 + 4 / 7 + 0) / 3, 12);
    // weights 4, 3, 2 of 9
    expect(a.weighted.precision).toBeCloseTo((4 * 0.75 + 3 * 0.5) / 9, 12);
    expect(a.weighted.recall).toBeCloseTo(5 / 9, 12);
    expect(a.weighted.f1).toBeCloseTo((4 * 0.75 + (3 * 4) / 7) / 9, 12);
    expect(a.accuracy).toBeCloseTo(5 / 9, 12);
  });

  it('is all ones for perfect predictions and zeros with no examples', () => {
    const perfect = averages(perClassMetrics(confusionMatrix([0, 1, 1, 2], [0, 1, 1, 2], 3)));
    expect(perfect).toEqual({ macro: { precision: 1, recall: 1, f1: 1 }, weighted: { precision: 1, recall: 1, f1: 1 }, accuracy: 1, macroClasses: 3 });
    const empty = averages(perClassMetrics(confusionMatrix([], [], 2)));
    expect(empty).toEqual({ macro: { precision: 0, recall: 0, f1: 0 }, weighted: { precision: 0, recall: 0, f1: 0 }, accuracy: 0, macroClasses: 0 });
  });
});

describe('topConfusions', () => {
  it('lists off-diagonal cells by count, then by rate', () => {
    const cm = [
      [5, 2, 1],
      [3, 7, 0],
      [0, 2, 1],
    ];
    const top = topConfusions(cm, ['cat', 'dog', 'fox']);
    expect(top.map((c) => [c.trueLabel, c.predictedLabel, c.count])).toEqual([
      ['dog', 'cat', 3],
      ['fox', 'dog', 2], // rate 2/3 beats cat→dog's 2/8
      ['cat', 'dog', 2],
      ['cat', 'fox', 1],
    ]);
    expect(top[0]).toEqual({ trueClass: 1, predictedClass: 0, trueLabel: 'dog', predictedLabel: 'cat', count: 3, rate: 0.3 });
    expect(topConfusions(cm, ['cat', 'dog', 'fox'], 2)).toHaveLength(2);
    expect(topConfusions([[4, 0], [0, 4]], ['a', 'b'])).toEqual([]);
  });

  it('needs one name per class', () => {
    expect(() => topConfusions([[1]], ['a', 'b'])).toThrow();
  });
});
