// Checks dataset warnings (levels, codes, exact wording) and the summary numbers.
import { describe, expect, it } from 'vitest';
import { datasetSummary, datasetWarnings } from './stats';

const cls = (name: string, count: number) => ({ id: `id-${name}`, name, count });

describe('datasetWarnings', () => {
  it('is quiet for a healthy dataset (exactly 3:1 is still balanced)', () => {
    expect(datasetWarnings([cls('a', 15), cls('b', 5), cls('c', 10)])).toEqual([]);
  });

  it('asks for at least 2 classes', () => {
    expect(datasetWarnings([])).toEqual([
      { level: 'error', code: 'few-classes', message: 'Add at least 2 classes to train a classifier', classIds: [] },
    ]);
    expect(datasetWarnings([cls('cats', 10)])).toMatchObject([{ level: 'error', code: 'few-classes', classIds: ['id-cats'] }]);
  });

  it('needs 2 classes with images, and flags empty classes as errors', () => {
    const w = datasetWarnings([cls('cats', 10), cls('dogs', 0)]);
    expect(w).toEqual([
      {
        level: 'error',
        code: 'few-classes',
        message: 'At least 2 classes need images to train a classifier',
        classIds: ['id-cats', 'id-dogs'],
      },
      {
        level: 'error',
        code: 'empty-class',
        message: '"dogs" has no images; add at least 5 or remove the class',
        classIds: ['id-dogs'],
      },
    ]);
  });

  it('warns about each class under 5 images, with correct plurals', () => {
    const w = datasetWarnings([cls('cats', 3), cls('dogs', 1), cls('birds', 5), cls('fish', 4)]);
    expect(w.filter((x) => x.code === 'small-class').map((x) => [x.level, x.message, x.classIds])).toEqual([
      ['warning', '"cats" has 3 images; add at least 5', ['id-cats']],
      ['warning', '"dogs" has 1 image; add at least 5', ['id-dogs']],
      ['warning', '"fish" has 4 images; add at least 5', ['id-fish']],
    ]);
  });

  it('warns about imbalance between the largest and smallest non-empty class', () => {
    const w = datasetWarnings([cls('a', 40), cls('b', 10), cls('c', 20), cls('e', 0)]);
    const imbalance = w.filter((x) => x.code === 'imbalance');
    expect(imbalance).toEqual([
      {
        level: 'warning',
        code: 'imbalance',
        message:
          'Classes are out of balance: "a" has 40 images, "b" has 10 (4.0:1). ' +
          'Add images to smaller classes or enable class balancing when training',
        classIds: ['id-a', 'id-b'],
      },
    ]);
    expect(datasetWarnings([cls('a', 31), cls('b', 10)]).map((x) => x.code)).toEqual(['imbalance']);
    expect(datasetWarnings([cls('a', 30), cls('b', 10)])).toEqual([]);
  });
});

describe('datasetSummary', () => {
  it('summarises counts', () => {
    expect(datasetSummary([cls('a', 40), cls('b', 10), cls('c', 0)])).toEqual({
      classes: 3,
      images: 50,
      minCount: 0,
      maxCount: 40,
      ratio: 4,
    });
  });

  it('handles no classes and a single class', () => {
    expect(datasetSummary([])).toEqual({ classes: 0, images: 0, minCount: 0, maxCount: 0, ratio: 1 });
    expect(datasetSummary([cls('a', 7)])).toEqual({ classes: 1, images: 7, minCount: 7, maxCount: 7, ratio: 1 });
  });
});
