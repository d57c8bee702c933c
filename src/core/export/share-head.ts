// Moves a trained head between tfjs and the share-link form: Dense layers become
// {units, activation, useBias} plus kernel/bias arrays (dropout is dropped), and back.
import * as tf from '@tensorflow/tfjs';
import { SHARE_ACTIVATIONS, type ShareActivation, type ShareHeadLayer } from './share-link-validate';

export interface ShareHead {
  layers: ShareHeadLayer[];
  weights: Float32Array[];
}

/** Reads a head made of Dense (and Dropout, skipped) layers. Throws on any other layer or activation. */
export async function shareHeadFromModel(head: tf.LayersModel): Promise<ShareHead> {
  const layers: ShareHeadLayer[] = [];
  const weights: Float32Array[] = [];
  for (const layer of head.layers) {
    const cls = layer.getClassName();
    if (cls === 'Dropout' || cls === 'InputLayer') continue;
    if (cls !== 'Dense') throw new Error(`layer ${layer.name} (${cls}) cannot be shared: only Dense and Dropout layers`);
    const cfg = layer.getConfig() as { units: number; activation: string; useBias: boolean };
    if (!(SHARE_ACTIVATIONS as readonly string[]).includes(cfg.activation)) throw new Error(`layer ${layer.name}: activation ${cfg.activation} cannot be shared`);
    layers.push({ units: cfg.units, activation: cfg.activation as ShareActivation, useBias: cfg.useBias });
    for (const w of layer.getWeights()) weights.push(new Float32Array(await w.data()));
  }
  return { layers, weights };
}

/** Rebuilds the head as a tf.Sequential (names as buildHead: head_hidden…, head_logits). The caller owns it. */
export function buildHeadFromShare(featureDim: number, head: ShareHead): tf.Sequential {
  const model = tf.sequential({ name: 'head' });
  let inDim = featureDim;
  let w = 0;
  head.layers.forEach((l, i) => {
    const last = i === head.layers.length - 1;
    const name = last ? 'head_logits' : i === 0 ? 'head_hidden' : `head_hidden_${i + 1}`;
    const dense = tf.layers.dense({ name, units: l.units, activation: l.activation, useBias: l.useBias, ...(i === 0 ? { inputShape: [featureDim] } : {}) });
    model.add(dense);
    const values = tf.tidy(() => {
      const kernel = tf.tensor2d(head.weights[w++], [inDim, l.units]);
      return l.useBias ? [kernel, tf.tensor1d(head.weights[w++])] : [kernel];
    });
    dense.setWeights(values);
    tf.dispose(values);
    inDim = l.units;
  });
  return model;
}
