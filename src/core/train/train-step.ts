// The update half of a training step: gradients summed over accumulated batches, then applied to
// each parameter group (the head, and each unfrozen backbone block) at its own learning rate.
import * as tf from '@tensorflow/tfjs';
import { setLearningRate } from './optimizers';

/** Weights trained together with one optimizer, at `mult` × the run's learning rate. */
export interface ParamGroup {
  name: string;
  mult: number;
  vars: { name: string; variable: tf.LayerVariable }[];
  opt: tf.Optimizer;
}

/** Gradients by variable name, summed over the batches of one update. */
export type GradSums = Record<string, tf.Tensor>;

/** Adds a batch's gradients to the sums so far (and frees the parts); the first batch's are the sums. */
export function addGrads(acc: GradSums | null, grads: GradSums): GradSums {
  if (!acc) return grads;
  const sums = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, acc[k].add(g)]));
  tf.dispose([...Object.values(acc), ...Object.values(grads)]);
  return sums;
}

/** Applies the summed gradients, each group at lr × its multiplier, then frees them. */
export function applyGroups(groups: ParamGroup[], acc: GradSums, lr: number): void {
  for (const g of groups) {
    setLearningRate(g.opt, lr * g.mult);
    const mine: tf.NamedTensorMap = {};
    for (const v of g.vars) {
      const key = (v.variable.read() as tf.Variable).name;
      if (acc[key]) mine[key] = acc[key];
    }
    g.opt.applyGradients(mine);
  }
  tf.dispose(Object.values(acc));
}
