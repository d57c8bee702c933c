// Scores a finished run's validation and test images again with test-time augmentation
// (src/core/train/tta.ts), from the same training copies and crop-and-resize path as training,
// so the Evaluate tab can show what TTA buys beside the plain figures.
import * as tf from '@tensorflow/tfjs';
import { toUnitBatch } from '../../core/train/data';
import type { RunEvaluation, StudioDB } from '../../persistence/db';
import { IdbPixelSource } from './idb-pixel-source';
import { runProbabilities, type OpenRun } from './run-model';

const BATCH = 8;

async function scoreWithTta(source: IdbPixelSource, m: OpenRun, plain: RunEvaluation, onProgress: (done: number) => void): Promise<RunEvaluation> {
  const size = m.spec.inputSize;
  const probabilities: number[] = [];
  for (let s = 0; s < plain.imageIds.length; s += BATCH) {
    const images = await source.load(plain.imageIds.slice(s, s + BATCH), size);
    const probs = tf.tidy(() => runProbabilities(m, toUnitBatch(images, size), true));
    try {
      probabilities.push(...(await probs.data()));
    } finally {
      probs.dispose();
    }
    onProgress(Math.min(plain.imageIds.length, s + BATCH));
  }
  return { imageIds: plain.imageIds, labels: plain.labels, probabilities, numClasses: plain.numClasses };
}

/** TTA predictions for the run's validation (and test) images; progress counts images over both. */
export async function evaluateWithTta(db: StudioDB, m: OpenRun, onProgress: (done: number, total: number) => void) {
  const { testEvaluation } = m.run;
  // Out-of-fold predictions came from cross-validation models: the kept model trained on those images.
  const evaluation = m.run.evaluation?.outOfFold ? undefined : m.run.evaluation;
  if (!evaluation && !testEvaluation) throw new Error('This run has no validation or test images the kept model did not train on.');
  const source = new IdbPixelSource(db, m.spec.preprocessing.resize);
  const total = (evaluation?.imageIds.length ?? 0) + (testEvaluation?.imageIds.length ?? 0);
  const validation = evaluation ? await scoreWithTta(source, m, evaluation, (d) => onProgress(d, total)) : undefined;
  const offset = evaluation?.imageIds.length ?? 0;
  const test = testEvaluation ? await scoreWithTta(source, m, testEvaluation, (d) => onProgress(offset + d, total)) : undefined;
  return { validation, test };
}
