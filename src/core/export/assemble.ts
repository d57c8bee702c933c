// One layers model from a trained backbone and head, for export and prediction: image in,
// class probabilities out. A first Rescaling layer converts the pixel convention the model
// will be fed (Teachable Machine's x/127 − 1 by default) to the backbone's own.
import * as tf from '@tensorflow/tfjs';
import type { BackbonePreprocessing } from '../backbones/catalog';

/** Teachable Machine's image library feeds models pixels as x/127 − 1. */
export const TM_INPUT = { scale: 1 / 127, offset: -1 };

/**
 * backbone → global average pool → head → softmax. `input` says how pixels (0..255) will be
 * scaled when the model is called; the model maps that to the backbone's `pre`.
 */
export function combineModel(backbone: tf.LayersModel, head: tf.LayersModel, pre: Pick<BackbonePreprocessing, 'scale' | 'offset'>, input = TM_INPUT): tf.LayersModel {
  const [, h, w, c] = backbone.inputs[0].shape as number[];
  const x0 = tf.input({ shape: [h, w, c], name: 'image' });
  // v = x·input.scale + input.offset  →  x·pre.scale + pre.offset = v·a + b
  const a = pre.scale / input.scale;
  const b = pre.offset - input.offset * a;
  let x = x0 as tf.SymbolicTensor;
  if (Math.abs(a - 1) > 1e-9 || Math.abs(b) > 1e-9) x = tf.layers.rescaling({ scale: a, offset: b, name: 'to_backbone_range' }).apply(x) as tf.SymbolicTensor;
  x = backbone.apply(x) as tf.SymbolicTensor;
  if (x.shape.length === 4) x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  x = head.apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'softmax', name: 'probabilities' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: x0, outputs: x, name: 'finetune_studio_classifier' });
}

/** Saves a model to in-memory artifacts: model.json contents and one weights buffer. */
export async function modelArtifacts(model: tf.LayersModel, weightsFile = 'weights.bin'): Promise<{ modelJson: Record<string, unknown>; weights: Uint8Array }> {
  let out: { modelJson: Record<string, unknown>; weights: Uint8Array } | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = a.weightData instanceof ArrayBuffer ? a.weightData : tf.io.concatenateArrayBuffers(a.weightData as ArrayBuffer[]);
      out = {
        modelJson: {
          format: 'layers-model',
          generatedBy: a.generatedBy,
          convertedBy: null,
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: [weightsFile], weights: a.weightSpecs }],
        },
        weights: new Uint8Array(data),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}
