// Ranking of confident mistakes and unsure correct predictions.
import { describe, expect, it } from 'vitest';
import { rankErrors } from './rank-mistakes';

describe('rankErrors', () => {
  const probs = new Float32Array([
    0.9, 0.1, // a: label 1, wrong at 0.9
    0.6, 0.4, // b: label 0, right at 0.6
    0.3, 0.7, // c: label 0, wrong at 0.7
    0.2, 0.8, // d: label 1, right at 0.8
    0.55, 0.45, // e: label 0, right at 0.55
    0.5, 0.5, // f: label 1, tie → predicts 0, wrong at 0.5
  ]);
  const labels = [1, 0, 0, 1, 0, 1];
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];

  it('sorts mistakes by confidence descending and correct ones ascending', () => {
    const r = rankErrors(probs, labels, 2, ids);
    expect(r.misclassified.map((e) => e.id)).toEqual(['a', 'c', 'f']);
    expect(r.leastConfident.map((e) => e.id)).toEqual(['e', 'b', 'd']);
    expect(r.misclassified[0]).toEqual({ id: 'a', label: 1, predicted: 0, confidence: Math.fround(0.9), labelProbability: Math.fround(0.1) });
    expect(r.leastConfident[0]).toMatchObject({ id: 'e', label: 0, predicted: 0, confidence: Math.fround(0.55) });
  });

  it('keeps input order on ties and applies the limit', () => {
    const r = rankErrors([0.7, 0.3, 0.7, 0.3, 0.7, 0.3], [1, 1, 0], 2, ['x', 'y', 'z'], 1);
    expect(r.misclassified.map((e) => e.id)).toEqual(['x']);
    expect(r.leastConfident.map((e) => e.id)).toEqual(['z']);
    expect(rankErrors([], [], 3, [])).toEqual({ misclassified: [], leastConfident: [] });
  });

  it('rejects mismatched inputs', () => {
    expect(() => rankErrors(probs, labels, 2, ['a'])).toThrow(/ids/);
    expect(() => rankErrors(probs, labels, 3, ids)).toThrow(/length/);
    expect(() => rankErrors([0.5, 0.5], [2], 2, ['a'])).toThrow(/labels\[0\]/);
  });
});
