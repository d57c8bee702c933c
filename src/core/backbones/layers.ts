// Inspects and freezes/unfreezes a cut layers-model backbone by MobileNet block, and runs it the
// one way that keeps frozen BatchNorm layers frozen (see applyBackbone).
import * as tf from '@tensorflow/tfjs';

export interface LayerInfo {
  name: string;
  className: string;
  /** Output shape without the batch dimension, e.g. '7x7x1280'. */
  outputShape: string;
  params: number;
  trainableParams: number;
  /** 'stem', 'block_N' (MobileNetV2), 'conv_N' (MobileNet v1), 'head', or a custom layer's own name. */
  block: string;
}

const V2_STEM = /^(Conv1(_pad|_relu)?|bn_Conv1|expanded_conv_.*)$/;
const V2_HEAD = /^(Conv_1|Conv_1_bn|out_relu)$/;
const V2_BLOCK = /^block_(\d+)_/;
const V1_STEM = /^conv1(_pad|_bn|_relu)?$/;
const V1_BLOCK = /^conv_(?:dw|pw|pad)_(\d+)(?:_|$)/;

/** The block a layer belongs to by its Keras MobileNet name, or null for a name no rule knows. */
export function blockOfName(name: string): string | null {
  const v2 = V2_BLOCK.exec(name);
  if (v2) return `block_${v2[1]}`;
  if (V2_STEM.test(name) || V1_STEM.test(name)) return 'stem';
  if (V2_HEAD.test(name)) return 'head';
  const v1 = V1_BLOCK.exec(name);
  if (v1) return `conv_${v1[1]}`;
  return null;
}

const size = (w: tf.LayerVariable) => w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
const sum = (ws: tf.LayerVariable[]) => ws.reduce((n, w) => n + size(w), 0);

function formatShape(shape: tf.Shape | tf.Shape[]): string {
  const one = (s: tf.Shape) => s.slice(1).map((d) => (d == null ? '?' : String(d))).join('x');
  return Array.isArray(shape[0]) ? (shape as tf.Shape[]).map(one).join(', ') : one(shape as tf.Shape);
}

/**
 * One entry per layer, in model order. Unknown names (custom models): a layer with weights starts
 * a block named after itself; one without weights joins the block before it (or 'stem').
 */
export function describeLayers(model: tf.LayersModel): LayerInfo[] {
  let current = 'stem';
  return model.layers.map((layer) => {
    const className = layer.getClassName();
    let block = className === 'InputLayer' ? 'stem' : blockOfName(layer.name);
    if (block === null) block = layer.weights.length > 0 ? layer.name : current;
    current = block;
    return {
      name: layer.name,
      className,
      outputShape: formatShape(layer.outputShape),
      params: sum(layer.weights),
      trainableParams: sum(layer.trainableWeights),
      block,
    };
  });
}

/** Block names in model order, each once. */
export function listBlocks(model: tf.LayersModel): string[] {
  return [...new Set(describeLayers(model).map((l) => l.block))];
}

export interface ParamCounts {
  /** All weights, BatchNorm moving statistics included (the Keras "Total params"). */
  total: number;
  trainable: number;
}

export function countParams(model: tf.LayersModel): ParamCounts {
  return { total: sum(model.weights), trainable: sum(model.trainableWeights) };
}

export function setLayerTrainable(model: tf.LayersModel, name: string, trainable: boolean): void {
  model.getLayer(name).trainable = trainable;
}

export interface TrainableOptions {
  /**
   * Also unfreeze gamma/beta of BatchNormalization layers in the unfrozen blocks (default false,
   * as Keras recommends for fine-tuning). Moving statistics are never trained: see applyBackbone.
   */
  trainBatchNorm?: boolean;
  /** Per-layer choices (layer name → trainable) that win over the block rule. */
  overrides?: Record<string, boolean>;
}

/** The last `n` blocks of `blocks` (in model order); none for n <= 0. */
export function openBlocks(blocks: string[], n: number): Set<string> {
  return new Set(n > 0 ? blocks.slice(Math.max(0, blocks.length - n)) : []);
}

/**
 * The studio's one trainable-layer rule, used by the trainer, the benchmark and the freeze panel:
 * a per-layer override wins; otherwise a layer with weights trains when its block is open, except
 * BatchNormalization (unless `trainBatchNorm`).
 */
export function layerTrainable(layer: Pick<LayerInfo, 'name' | 'block' | 'className' | 'params'>, open: Set<string>, opts: TrainableOptions = {}): boolean {
  if (opts.overrides && layer.name in opts.overrides) return opts.overrides[layer.name];
  const isBn = layer.className === 'BatchNormalization';
  return open.has(layer.block) && layer.params > 0 && (!isBn || opts.trainBatchNorm === true);
}

/**
 * Makes the layers of the last `n` blocks (of listBlocks) trainable and freezes every other layer
 * (by layerTrainable, overrides included). n <= 0 freezes everything; n >= the number of blocks
 * unfreezes all. Returns the new counts.
 * Train with an explicit variable list (`model.trainableWeights.map(w => w.read())` or
 * optimizer.minimize(f, false, vars)), never with minimize's default of every trainable variable.
 */
export function setTrainableLastBlocks(model: tf.LayersModel, n: number, opts: TrainableOptions = {}): ParamCounts {
  const open = openBlocks(listBlocks(model), n);
  const infos = describeLayers(model);
  model.trainable = true;
  model.layers.forEach((layer, i) => {
    layer.trainable = layerTrainable(infos[i], open, opts);
  });
  return countParams(model);
}

/**
 * Runs the backbone for training or inference. Always `training: false`, on purpose:
 * in tfjs-layers 4.22 BatchNormalization.call picks batch statistics whenever `training` is true and
 * then overwrites moving_mean/moving_variance, whatever the layer's `trainable` flag says (unlike
 * Keras >= 2.1.3, where trainable=false forces inference mode). `training: false` makes every BN
 * layer use its moving statistics (Keras' recommended fine-tuning setup); gradients still flow to
 * the trainable kernels (and BN gamma/beta, when unfrozen). The backbone has no dropout layers.
 */
export function applyBackbone(model: tf.LayersModel, x: tf.Tensor4D): tf.Tensor {
  return model.apply(x, { training: false }) as tf.Tensor;
}
