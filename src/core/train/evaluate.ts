// Validation metrics from logits: mean cross-entropy, accuracy and the softmax probabilities
// (kept for the confusion matrix and error analysis).
import * as tf from '@tensorflow/tfjs';

export interface EvalResult {
  loss: number;
  accuracy: number;
  /** Row-major [N × K] softmax probabilities. */
  probabilities: Float32Array;
  numClasses: number;
  labels: number[];
}

export async function evaluateLogits(logits: tf.Tensor2D, labels: number[]): Promise<EvalResult> {
  const k = logits.shape[1];
  const [probs, losses] = tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), k).toFloat();
    return [tf.exp(logp), tf.neg(tf.sum(tf.mul(y, logp), 1))];
  });
  const p = (await probs.data()) as Float32Array;
  const l = await losses.data();
  tf.dispose([probs, losses]);
  return evaluateProbabilities(p, labels, k, Array.from(l));
}

/** The same figures from probabilities already computed (losses from them unless given). */
export function evaluateProbabilities(p: Float32Array, labels: number[], k: number, losses?: number[]): EvalResult {
  const n = labels.length;
  if (p.length !== n * k) throw new Error(`expected ${n * k} probabilities for ${n} images × ${k} classes, got ${p.length}`);
  let correct = 0;
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + arg]) arg = c;
    if (arg === labels[i]) correct++;
    lossSum += losses ? losses[i] : -Math.log(Math.max(p[i * k + labels[i]], 1e-12));
  }
  return { loss: n ? lossSum / n : 0, accuracy: n ? correct / n : 0, probabilities: p, numClasses: k, labels };
}
