// Classification loss for the training loop: cross-entropy from logits (stable log-softmax)
// with label smoothing and per-class weights normalised like Keras sample weights.
import * as tf from '@tensorflow/tfjs';

export interface CrossEntropyOptions {
  /** Weight per class (length K), applied to each example by its true class. */
  classWeights?: number[];
  /** ε in [0, 1): targets become y·(1−ε) + ε/K. */
  labelSmoothing?: number;
}

/**
 * Mean categorical cross-entropy over the batch, from raw `logits` [N, K] and one-hot (or soft)
 * `labelsOneHot` [N, K]:
 *   l_i = −Σ_k ỹ_ik · log_softmax(logits)_ik,   ỹ = y·(1−ε) + ε/K
 *   loss = Σ_i w_i·l_i / Σ_i w_i,               w_i = Σ_k y_ik · classWeights_k
 * (w_i is the weight of example i's true class; soft labels mix class weights.) Without class
 * weights this is the plain batch mean. If every weight is 0 the loss is 0. Differentiable.
 */
export function weightedCategoricalCrossEntropy(
  labelsOneHot: tf.Tensor2D,
  logits: tf.Tensor2D,
  opts: CrossEntropyOptions = {},
): tf.Scalar {
  const [n, k] = logits.shape;
  if (labelsOneHot.shape[0] !== n || labelsOneHot.shape[1] !== k) {
    throw new Error(`labels shape [${labelsOneHot.shape}] does not match logits [${logits.shape}]`);
  }
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1)) throw new Error(`labelSmoothing must be in [0, 1), got ${eps}`);
  const cw = opts.classWeights;
  if (cw && cw.length !== k) throw new Error(`classWeights has ${cw.length} entries for ${k} classes`);

  return tf.tidy(() => {
    const y = tf.cast(labelsOneHot, 'float32');
    const target = eps > 0 ? tf.add(tf.mul(y, 1 - eps), eps / k) : y;
    const perExample = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1)); // [N]
    if (!cw) return tf.mean(perExample) as tf.Scalar;
    const w = tf.squeeze(tf.matMul(y, tf.tensor2d(cw, [k, 1])), [1]); // [N]
    const weightSum = tf.sum(w);
    // max(Σw, tiny) keeps an all-zero-weight batch at 0 instead of NaN.
    return tf.div(tf.sum(tf.mul(w, perExample)), tf.maximum(weightSum, 1e-12)) as tf.Scalar;
  });
}
