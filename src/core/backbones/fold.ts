// Inference-only execution of a frozen layers backbone with BatchNorm folded into the convolution
// before it and the following ReLU/ReLU6 fused into the same kernel (Conv → BN → ReLU6 becomes one
// fused conv with bias), and a ZeroPadding2D before a 'valid' conv folded into that conv's explicit
// padding. MobileNets spend much of a forward pass re-reading activations for their BatchNorm and
// ReLU layers and copying them into padded tensors; folding removes those passes. Results match
// the model's own forward (training: false) up to float rounding. Used where the backbone does not change while
// it runs: feature extraction for frozen training and the head warm-up stage.
import * as tf from '@tensorflow/tfjs';

type Activation = 'linear' | 'relu' | 'relu6';

interface FusedStep {
  kind: 'conv' | 'depthwise';
  /** Layer whose output the fused op produces (the ReLU, the BN, or the conv itself). */
  outputName: string;
  filter: tf.Tensor4D;
  bias: tf.Tensor1D | null;
  strides: [number, number];
  dilations: [number, number];
  pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding;
  activation: Activation;
}

type Step = { kind: 'layer'; layer: tf.layers.Layer; inputs: string[] } | { kind: 'fused'; fused: FusedStep; inputs: string[] };

export interface FoldedBackbone {
  /** The backbone's output for `x` (NHWC, already in the model's input range). */
  forward(x: tf.Tensor4D): tf.Tensor;
  /**
   * The output and the values of the `taps` layers (those produced: a tap that is not a layer of
   * the model is left out). Folding treats a tap like an output, so each tap equals the folded
   * forward of the sub-model that ends there (a boundary cache's prefix) exactly.
   */
  forwardTaps(x: tf.Tensor4D): { output: tf.Tensor; taps: Map<string, tf.Tensor> };
  /** How many BatchNorm layers were folded away. */
  readonly foldedBatchNorms: number;
  /** How many ZeroPadding2D layers became their conv's own padding. */
  readonly foldedPaddings: number;
  dispose(): void;
}

interface LayerGraph {
  order: tf.layers.Layer[];
  inputsOf: Map<string, string[]>;
  consumers: Map<string, number>;
  input: string;
  output: string;
}

const NESTED = new Set(['Model', 'Functional', 'Sequential']);

function graphOf(model: tf.LayersModel): LayerGraph | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const inputLayer = model.inputLayers[0];
  const outputLayer = model.outputLayers[0];
  const inputsOf = new Map<string, string[]>();
  const consumers = new Map<string, number>();
  const names = new Set(model.layers.map((l) => l.name));
  for (const layer of model.layers) {
    if (NESTED.has(layer.getClassName())) return null;
    if (layer === inputLayer) {
      inputsOf.set(layer.name, []);
      continue;
    }
    // Only plain graphs: each layer called once, single-output layers, all inside this model.
    const nodes = layer.inboundNodes.filter((n) => n.inboundLayers.every((l) => names.has(l.name)));
    if (nodes.length !== 1) return null;
    const node = nodes[0];
    if (node.nodeIndices.some((i) => i !== 0) || node.tensorIndices.some((i) => i !== 0)) return null;
    const ins = node.inboundLayers.map((l) => l.name);
    inputsOf.set(layer.name, ins);
    for (const n of ins) consumers.set(n, (consumers.get(n) ?? 0) + 1);
  }
  consumers.set(outputLayer.name, (consumers.get(outputLayer.name) ?? 0) + 1);
  return { order: model.layers, inputsOf, consumers, input: inputLayer.name, output: outputLayer.name };
}

function pair(v: unknown, what: string): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((n) => Number.isInteger(n))) throw new Error(`${what}: unexpected value ${JSON.stringify(v)}`);
  return [a[0], a[1]];
}

function reluActivation(layer: tf.layers.Layer): Activation | null {
  const cfg = layer.getConfig();
  if (layer.getClassName() === 'ReLU') {
    if ((cfg.threshold ?? 0) !== 0 || (cfg.negativeSlope ?? 0) !== 0) return null;
    if (cfg.maxValue == null) return 'relu';
    return cfg.maxValue === 6 ? 'relu6' : null;
  }
  if (layer.getClassName() === 'Activation') {
    if (cfg.activation === 'relu') return 'relu';
    if (cfg.activation === 'relu6') return 'relu6';
  }
  return null;
}

/** A channels-last ZeroPadding2D's [[top, bottom], [left, right]], or null for anything else. */
function zeroPadding(layer: tf.layers.Layer): [[number, number], [number, number]] | null {
  const cfg = layer.getConfig();
  if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') return null;
  const p = cfg.padding as number | [number, number] | [[number, number], [number, number]] | undefined;
  const both = (v: unknown): [number, number] | null => {
    const a = typeof v === 'number' ? [v, v] : v;
    return Array.isArray(a) && a.length === 2 && a.every((n) => Number.isInteger(n) && n >= 0) ? [a[0], a[1]] : null;
  };
  if (typeof p === 'number') return [[p, p], [p, p]];
  if (!Array.isArray(p) || p.length !== 2) return null;
  const [h, w] = [both(p[0]), both(p[1])];
  return h && w ? [h, w] : null;
}

/**
 * Folds `model`'s Conv2D/DepthwiseConv2D → BatchNormalization [→ ReLU] chains. Returns null when
 * the model is not a plain single-input graph of layers (shared or nested layers), in which case
 * the caller runs the model as it is. The folded weights are copies: fold again after the
 * model's weights change.
 */
export function foldBackbone(model: tf.LayersModel, options: { taps?: string[] } = {}): FoldedBackbone | null {
  const g = graphOf(model);
  if (!g) return null;
  // A tap ends a sub-model: nothing may fold across it, as nothing folds across the output.
  const taps = new Set((options.taps ?? []).filter((t) => g.inputsOf.has(t) && t !== g.input));
  const ends = (name: string) => name === g.output || taps.has(name);
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const soleConsumer = new Map<string, string>();
  for (const [name, ins] of g.inputsOf) for (const i of ins) if (g.consumers.get(i) === 1) soleConsumer.set(i, name);
  const absorbed = new Set<string>();
  const fused = new Map<string, FusedStep>();
  let foldedBatchNorms = 0;
  const made: tf.Tensor[] = [];
  try {
    for (const layer of g.order) {
      const cls = layer.getClassName();
      if ((cls !== 'Conv2D' && cls !== 'DepthwiseConv2D') || taps.has(layer.name)) continue;
      const cfg = layer.getConfig();
      if ((cfg.activation ?? 'linear') !== 'linear' || (cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') continue;
      if (cfg.padding !== 'same' && cfg.padding !== 'valid') continue;
      const bnName = soleConsumer.get(layer.name);
      const bn = bnName ? byName.get(bnName) : undefined;
      if (!bn || bn.getClassName() !== 'BatchNormalization' || ends(bnName!)) continue;
      const bnCfg = bn.getConfig();
      const axis = bnCfg.axis;
      if (axis !== -1 && axis !== 3 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3))) continue;
      const reluName = soleConsumer.get(bn.name);
      const relu = reluName ? byName.get(reluName) : undefined;
      const act = relu && !ends(reluName!) ? reluActivation(relu) : null;
      // Weights in declaration order: conv [kernel, bias?]; BN [gamma?, beta?, movingMean, movingVariance].
      const convW = layer.getWeights();
      const bnW = bn.getWeights();
      const scaleOn = bnCfg.scale !== false;
      const centerOn = bnCfg.center !== false;
      let k = 0;
      const gamma = scaleOn ? bnW[k++] : null;
      const beta = centerOn ? bnW[k++] : null;
      const mean = bnW[k++];
      const variance = bnW[k++];
      const eps = (bnCfg.epsilon as number | undefined) ?? 1e-3;
      const kernel = convW[0] as tf.Tensor4D;
      const convBias = cfg.useBias !== false ? convW[1] : null;
      const step = tf.tidy(() => {
        const scale = tf.div(gamma ?? tf.onesLike(mean), tf.sqrt(tf.add(variance, eps))) as tf.Tensor1D;
        const [, , cin, m] = kernel.shape;
        const filter = (cls === 'Conv2D' ? tf.mul(kernel, scale) : tf.mul(kernel, tf.reshape(scale, [1, 1, cin, m]))) as tf.Tensor4D;
        let bias = tf.mul(tf.sub(convBias ?? tf.zerosLike(mean), mean), scale);
        if (beta) bias = tf.add(bias, beta);
        return { filter: tf.keep(filter), bias: tf.keep(bias as tf.Tensor1D) };
      });
      made.push(step.filter, step.bias);
      const strides = pair(cfg.strides ?? 1, `${layer.name} strides`);
      const dilations = pair(cfg.dilationRate ?? 1, `${layer.name} dilations`);
      const outputName = act ? reluName! : bn.name;
      fused.set(layer.name, {
        kind: cls === 'Conv2D' ? 'conv' : 'depthwise',
        outputName,
        filter: step.filter,
        bias: step.bias,
        strides,
        dilations,
        pad: cfg.padding as 'same' | 'valid',
        activation: act ?? 'linear',
      });
      absorbed.add(bn.name);
      if (act) absorbed.add(reluName!);
      foldedBatchNorms++;
    }
  } catch (e) {
    tf.dispose(made);
    throw e;
  }

  // ZeroPadding2D → fused 'valid' conv: the conv pads itself (explicit padding), no padded copy.
  const inputsOf = new Map(g.inputsOf);
  let foldedPaddings = 0;
  for (const [convName, f] of fused) {
    const padName = inputsOf.get(convName)![0];
    const pad = byName.get(padName);
    if (f.pad !== 'valid' || !pad || pad.getClassName() !== 'ZeroPadding2D' || soleConsumer.get(padName) !== convName || ends(padName)) continue;
    const amounts = zeroPadding(pad);
    if (!amounts) continue;
    f.pad = [[0, 0], amounts[0], amounts[1], [0, 0]];
    inputsOf.set(convName, inputsOf.get(padName)!);
    absorbed.add(padName);
    foldedPaddings++;
  }

  const steps: { name: string; step: Step }[] = [];
  for (const layer of g.order) {
    if (layer.name === g.input || absorbed.has(layer.name)) continue;
    const inputs = inputsOf.get(layer.name)!;
    const f = fused.get(layer.name);
    steps.push({ name: f ? f.outputName : layer.name, step: f ? { kind: 'fused', fused: f, inputs } : { kind: 'layer', layer, inputs } });
  }
  // Remaining uses of each value, so intermediates are freed as soon as nothing needs them.
  const uses = new Map<string, number>();
  for (const { step } of steps) for (const i of step.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);

  const run = (x: tf.Tensor4D) => {
    const values = new Map<string, tf.Tensor>([[g.input, x]]);
    const left = new Map(uses);
    for (const { name, step } of steps) {
      const ins = step.inputs.map((i) => values.get(i)!);
      let out: tf.Tensor;
      if (step.kind === 'fused') {
        const f = step.fused;
        const args = { x: ins[0] as tf.Tensor4D, filter: f.filter, strides: f.strides, pad: f.pad, dilations: f.dilations, bias: f.bias ?? undefined, activation: f.activation };
        // tfjs types leave explicit padding out of fused.depthwiseConv2d; its kernels take it.
        out = f.kind === 'conv' ? tf.fused.conv2d(args) : tf.fused.depthwiseConv2d(args as typeof args & { pad: 'valid' });
      } else {
        out = step.layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor;
      }
      values.set(name, out);
      for (const i of step.inputs) {
        const n = left.get(i)! - 1;
        left.set(i, n);
        if (n === 0 && i !== g.input && !ends(i)) {
          const t = values.get(i)!;
          values.delete(i);
          // A layer may pass its input through unchanged (Dropout at inference): free a tensor
          // only when no live value is that same tensor.
          if (t !== x && ![...values.values()].includes(t)) t.dispose();
        }
      }
    }
    return values;
  };
  return {
    foldedBatchNorms,
    foldedPaddings,
    forward(x) {
      const values = run(x);
      const out = values.get(g.output)!;
      for (const t of taps) if (values.get(t) !== out && values.get(t) !== x) values.get(t)?.dispose();
      return out;
    },
    forwardTaps(x) {
      const values = run(x);
      return { output: values.get(g.output)!, taps: new Map([...taps].flatMap((t) => (values.has(t) ? [[t, values.get(t)!] as const] : []))) };
    },
    dispose() {
      tf.dispose(made);
    },
  };
}
