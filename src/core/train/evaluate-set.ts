// Scores a set of images the training loop never saw (the test set) with the kept weights:
// pixels → backbone features → head, in batches, then the same loss/accuracy/probabilities as
// validation. Kept out of the trainer so nothing in the loop can read the test images.
import * as tf from '@tensorflow/tfjs';
import { toModelRange, toUnitBatch, type PixelSource, type TrainImage } from './data';
import { evaluateLogits, type EvalResult } from './evaluate';
import { pool, type FeatureExtractor } from './features';
import { gatherBoundary, type BoundaryCache, type BoundarySplit } from './boundary';

/** The same scoring on features already computed (N·dim floats, row i for images[i]). */
export async function evaluateFeatures(head: tf.LayersModel, features: Float32Array, dim: number, images: TrainImage[], numClasses: number): Promise<EvalResult> {
  const logits = images.length
    ? tf.tidy(() => head.apply(tf.tensor2d(features, [images.length, dim]), { training: false }) as tf.Tensor2D)
    : (tf.zeros([0, numClasses]) as tf.Tensor2D);
  try {
    return await evaluateLogits(logits, images.map((i) => i.label));
  } finally {
    logits.dispose();
  }
}

/** Scores `images` batch by batch: `logitsOf(start, end)` gives rows [start, end) (kept by the caller's tidy or not at all). */
async function scoreInBatches(images: TrainImage[], numClasses: number, batchSize: number, logitsOf: (start: number, end: number) => Promise<tf.Tensor2D>): Promise<EvalResult> {
  const logits: tf.Tensor2D[] = [];
  try {
    for (let s = 0; s < images.length; s += batchSize) logits.push(await logitsOf(s, Math.min(images.length, s + batchSize)));
    const all = logits.length ? (tf.concat(logits, 0) as tf.Tensor2D) : (tf.zeros([0, numClasses]) as tf.Tensor2D);
    try {
      return await evaluateLogits(all, images.map((i) => i.label));
    } finally {
      all.dispose();
    }
  } finally {
    tf.dispose(logits);
  }
}

export async function evaluateImages(
  extractor: FeatureExtractor,
  head: tf.LayersModel,
  source: PixelSource,
  images: TrainImage[],
  numClasses: number,
  batchSize = 16,
): Promise<EvalResult> {
  const size = extractor.spec.inputSize;
  return scoreInBatches(images, numClasses, batchSize, async (start, end) => {
    const unit = toUnitBatch(await source.load(images.slice(start, end).map((i) => i.id), size), size);
    try {
      return tf.tidy(() => head.apply(extractor.forward(toModelRange(unit, extractor.spec.preprocessing)), { training: false }) as tf.Tensor2D);
    } finally {
      unit.dispose();
    }
  });
}

/**
 * The same scoring from boundary activations (a fine-tune run's frozen prefix, computed once for
 * the images): the trainable suffix, pooling and the head run for the weights loaded now, so a
 * second set of weights (the last epoch's beside the kept one) costs only the suffix again.
 */
export async function evaluateBoundary(
  split: BoundarySplit,
  cache: BoundaryCache,
  head: tf.LayersModel,
  images: TrainImage[],
  numClasses: number,
  batchSize = 16,
): Promise<EvalResult> {
  return scoreInBatches(images, numClasses, batchSize, async (start, end) => {
    const idx = Array.from({ length: end - start }, (_, i) => start + i);
    return tf.tidy(() => head.apply(pool(split.suffix(gatherBoundary(cache, idx, idx.map(() => 0)))), { training: false }) as tf.Tensor2D);
  });
}
