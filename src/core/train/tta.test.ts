import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { cropBoxes, predictProbabilities, ttaMean, ttaViews, TTA_VIEWS } from './tta';

describe('test-time augmentation', () => {
  it('makes 7 views per image, view-major: the image, its mirror, and 90% crops resized back', () => {
    const before = tf.memory().numTensors;
    // Two 10×10 one-channel images whose pixel value is its column (image 0) or 100 + its row (image 1).
    const img = tf.tidy(() => tf.stack([
      tf.tile(tf.range(0, 10).reshape([1, 10, 1]), [10, 1, 1]),
      tf.tile(tf.range(100, 110).reshape([10, 1, 1]), [1, 10, 1]),
    ]) as tf.Tensor4D);
    const views = ttaViews(img);
    expect(views.shape).toEqual([TTA_VIEWS * 2, 10, 10, 1]);
    const v = views.arraySync() as number[][][][];
    expect(v[0][0].map((p) => p[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(v[1][0].map((p) => p[0])).toEqual([100, 100, 100, 100, 100, 100, 100, 100, 100, 100]);
    expect(v[2][0].map((p) => p[0])).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]); // mirror of image 0
    // Top-left 90% crop of image 0 spans columns 0 … 8.1 (normalised box 0 … 0.9 of 9 pixel steps).
    expect(v[4][0][0][0]).toBeCloseTo(0, 5);
    expect(v[4][0][9][0]).toBeCloseTo(8.1, 4);
    // Top-right crop spans 0.9 … 9; bottom-left of image 1 spans rows 100.9 … 109.
    expect(v[6][0][0][0]).toBeCloseTo(0.9, 4);
    expect(v[9][0][0][0]).toBeCloseTo(100.9, 4);
    expect(v[9][9][0][0]).toBeCloseTo(109, 4);
    // Centre crop: 0.45 … 8.55.
    expect(v[12][0][0][0]).toBeCloseTo(0.45, 4);
    expect(v[12][0][9][0]).toBeCloseTo(8.55, 4);
    tf.dispose([img, views]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('averages the views per image and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    // Per view v and image b: [v / 6, 1 − v / 6] for b = 0, [1, 0] for b = 1.
    const rows: number[][] = [];
    for (let v = 0; v < TTA_VIEWS; v++) rows.push([v / 6, 1 - v / 6], [1, 0]);
    const probs = tf.tensor2d(rows);
    const mean = ttaMean(probs, 2);
    const m = mean.arraySync();
    expect(m[0][0]).toBeCloseTo(0.5, 6);
    expect(m[1]).toEqual([1, 0]);
    expect(() => ttaMean(probs, 3)).toThrow(/expected 21 rows/);
    tf.dispose([probs, mean]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('predicts with and without the views through one model, no tensor growth over repeated calls', () => {
    const img = tf.randomUniform([3, 8, 8, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    // A model that only looks at the left half: the mirror changes its answer, so TTA differs from plain.
    const probsOf = (x: tf.Tensor4D) => tf.softmax(tf.stack([x.slice([0, 0, 0, 0], [-1, -1, 4, -1]).mean([1, 2, 3]), x.mean([1, 2, 3])], 1).div(10)) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const plain = predictProbabilities(img, probsOf, false);
      const tta = predictProbabilities(img, probsOf, true);
      expect(tta.shape).toEqual([3, 2]);
      const sums = tta.sum(1);
      for (const s of sums.arraySync() as number[]) expect(s).toBeCloseTo(1, 5);
      const d = tf.tidy(() => plain.sub(tta).abs().max().arraySync() as number);
      expect(d).toBeGreaterThan(1e-6);
      tf.dispose([plain, tta, sums]);
      expect(tf.memory().numTensors).toBe(before);
    }
    img.dispose();
  });

  it('states five 90% boxes inside the image', () => {
    for (const [y1, x1, y2, x2] of cropBoxes()) {
      expect(y2 - y1).toBeCloseTo(0.9, 9);
      expect(x2 - x1).toBeCloseTo(0.9, 9);
      expect(Math.min(y1, x1)).toBeGreaterThanOrEqual(0);
      expect(Math.max(y2, x2)).toBeLessThanOrEqual(1);
    }
  });
});
