// The classifier head trained on backbone features: optional hidden Dense (ReLU) + dropout, then
// a Dense layer giving logits. Layer names are fixed so checkpoints and exports can find them.
import * as tf from '@tensorflow/tfjs';
import type { HeadConfig } from './run-config';

export function buildHead(featureDim: number, numClasses: number, cfg: HeadConfig, seed: number): tf.Sequential {
  const head = tf.sequential({ name: 'head' });
  if (cfg.hiddenUnits > 0) {
    head.add(
      tf.layers.dense({
        name: 'head_hidden',
        inputShape: [featureDim],
        units: cfg.hiddenUnits,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
    );
  }
  if (cfg.dropout > 0) {
    head.add(tf.layers.dropout({ name: 'head_dropout', rate: cfg.dropout, ...(cfg.hiddenUnits > 0 ? {} : { inputShape: [featureDim] }) }));
  }
  head.add(
    tf.layers.dense({
      name: 'head_logits',
      units: numClasses,
      ...(cfg.hiddenUnits > 0 || cfg.dropout > 0 ? {} : { inputShape: [featureDim] }),
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  return head;
}

/** L2 penalty on the head's kernels (biases excluded), as Keras kernel_regularizer would add. */
export function headL2(head: tf.LayersModel, l2: number): tf.Scalar | null {
  if (!(l2 > 0)) return null;
  const kernels = head.layers.flatMap((l) => (l.getClassName() === 'Dense' ? [l.getWeights(false)[0] ?? null] : [])).filter((k): k is tf.Tensor => k != null);
  return tf.tidy(() => tf.addN(kernels.map((k) => tf.sum(tf.square(k)))).mul(l2) as tf.Scalar);
}
