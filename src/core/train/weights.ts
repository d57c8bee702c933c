// Named weights to and from plain bytes, for checkpoints and model files: a spec list
// ({name, shape, dtype}) plus one ArrayBuffer, the layout tfjs's own weight files use.
import * as tf from '@tensorflow/tfjs';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface EncodedWeights {
  specs: WeightSpec[];
  data: ArrayBuffer;
}

export async function encodeNamed(tensors: { name: string; tensor: tf.Tensor }[]): Promise<EncodedWeights> {
  const map: tf.NamedTensorMap = {};
  const order: string[] = [];
  for (const t of tensors) {
    if (map[t.name]) throw new Error(`duplicate weight name ${t.name}`);
    map[t.name] = t.tensor;
    order.push(t.name);
  }
  const { data, specs } = await tf.io.encodeWeights(tensors.map((t) => ({ name: t.name, tensor: t.tensor })));
  return { data, specs: specs.map((s) => ({ name: s.name, shape: [...s.shape], dtype: s.dtype as WeightSpec['dtype'] })) };
}

/** Decodes to new tensors the caller owns. */
export function decodeNamed(w: EncodedWeights): { name: string; tensor: tf.Tensor }[] {
  const map = tf.io.decodeWeights(w.data, w.specs);
  return w.specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
}

/** Stable names for a layers model's weights: `${prefix}/${layer}/${index}`, independent of tfjs's variable naming. */
export function layerWeights(model: tf.LayersModel, prefix: string, filter?: (layer: tf.layers.Layer) => boolean) {
  const out: { name: string; variable: tf.LayerVariable }[] = [];
  for (const layer of model.layers) {
    if (filter && !filter(layer)) continue;
    layer.weights.forEach((v, i) => out.push({ name: `${prefix}/${layer.name}/${i}`, variable: v }));
  }
  return out;
}

/**
 * Writes weights into models by their stable names (see layerWeights); names with no match are
 * ignored and unmatched variables keep their values. Shapes must agree.
 */
export function applyNamedWeights(w: EncodedWeights, targets: { prefix: string; model: tf.LayersModel }[]): number {
  const decoded = decodeNamed(w);
  const byName = new Map(decoded.map((d) => [d.name, d.tensor]));
  let written = 0;
  for (const { prefix, model } of targets) {
    for (const t of layerWeights(model, prefix)) {
      const v = byName.get(t.name);
      if (v && v.shape.join() === t.variable.shape.join()) {
        t.variable.write(v);
        written++;
      }
    }
  }
  tf.dispose(decoded.map((d) => d.tensor));
  return written;
}
