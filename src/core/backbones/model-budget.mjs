// The compute budget every untrusted model must fit before any of it reaches tfjs: a Keras layers
// topology is walked from its declared input at batch 1, giving each layer's output shape, the
// total activation memory and the FLOPs per image, without allocating a tensor. Weight bytes can
// be tiny while weight-free layers (UpSampling2D, ZeroPadding2D, deep stacks) ask for gigabytes,
// so the weight caps alone do not protect a visitor's tab. Only known layer classes and
// activations pass. Plain JavaScript (typed by model-budget.d.mts) so the share service runs the
// very same checks before it stores a model.

export const DEFAULT_BUDGET = Object.freeze({
  maxLayers: 1000,
  /** Values in one layer's output at batch 1. */
  maxLayerOutputElements: 32 * 1024 * 1024,
  /** Sum of every layer's output at batch 1, float32. */
  maxActivationBytes: 1024 * 1024 * 1024,
  /** Multiply-adds count as 2. */
  maxFlops: 20e9,
  maxNesting: 8,
});

const IDENTITY = new Set([
  'BatchNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'ThresholdedReLU', 'Softmax',
  'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
  'LayerNormalization', 'Rescaling', 'Masking',
]);
const MERGE = new Set(['Add', 'Multiply', 'Subtract', 'Average', 'Maximum', 'Minimum']);
const MODELS = new Set(['Functional', 'Model', 'Sequential']);
const ACTIVATIONS = new Set([
  'linear', 'relu', 'relu6', 'sigmoid', 'softmax', 'tanh', 'elu', 'selu', 'softplus', 'softsign',
  'hard_sigmoid', 'hardsigmoid', 'hardSigmoid', 'swish', 'silu', 'mish', 'gelu', 'gelu_new', 'logsoftmax',
]);

class BudgetError extends Error {}
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const gb = (b) => `${(b / 1024 ** 3).toFixed(2)} GB`;
const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const pair = (v, d) => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : v === undefined || v === null ? [d, d] : [Number(v), Number(v)]);
const prod = (s) => s.reduce((a, b) => a * b, 1);

/**
 * Checks a layers-model topology (the `modelTopology` of model.json) against the budget.
 * @param {unknown} topology
 * @param {Partial<typeof DEFAULT_BUDGET>} [limits]
 * @returns {{ ok: true, layers: number, flops: number, activationBytes: number, largestLayer: { name: string, elements: number } } | { ok: false, reason: string }}
 */
export function checkModelBudget(topology, limits = {}) {
  const L = { ...DEFAULT_BUDGET, ...limits };
  const stats = { layers: 0, flops: 0, activationBytes: 0, largestLayer: { name: '', elements: 0 } };
  try {
    const model = isObj(topology) && isObj(topology.model_config) ? topology.model_config : topology;
    if (!isObj(model) || !MODELS.has(String(model.class_name))) throw new BudgetError('the topology is not a Keras Functional or Sequential model');
    walkModel(model, null, L, stats, 0);
    return { ok: true, ...stats };
  } catch (e) {
    if (e instanceof BudgetError) return { ok: false, reason: e.message };
    if (e instanceof RangeError) return { ok: false, reason: 'the model topology is nested too deeply to check' };
    throw e;
  }
}

/** Records one layer output; throws when a limit is passed. */
function account(name, cls, shape, flops, L, stats) {
  for (const d of shape) {
    if (!Number.isFinite(d) || d < 0 || !Number.isInteger(d)) throw new BudgetError(`layer '${name}' (${cls}) has an invalid output shape [${shape.join(', ')}]`);
  }
  const n = prod(shape);
  if (n > L.maxLayerOutputElements) {
    throw new BudgetError(`layer '${name}' (${cls}) would output ${shape.join(' × ')} = ${fmt(n)} values per image, over the limit of ${fmt(L.maxLayerOutputElements)} values per layer`);
  }
  if (n > stats.largestLayer.elements) stats.largestLayer = { name, elements: n };
  stats.activationBytes += n * 4;
  if (stats.activationBytes > L.maxActivationBytes) {
    throw new BudgetError(`the model's layer outputs need more than ${gb(L.maxActivationBytes)} per image (passed at layer '${name}' (${cls})), over the activation memory limit of ${gb(L.maxActivationBytes)}`);
  }
  stats.flops += flops;
  if (!(stats.flops <= L.maxFlops)) {
    throw new BudgetError(`the model needs more than ${(L.maxFlops / 1e9).toFixed(1)} GFLOP per image (passed at layer '${name}' (${cls})), over the compute limit of ${(L.maxFlops / 1e9).toFixed(1)} GFLOP`);
  }
}

/** Layer configs of a Functional/Sequential config, in order. */
function layerList(model) {
  const c = model.config;
  const layers = Array.isArray(c) ? c : isObj(c) && Array.isArray(c.layers) ? c.layers : null;
  if (!layers) throw new BudgetError(`model '${String(model.name ?? c?.name ?? '?')}' lists no layers`);
  return layers;
}

/** Every keras_history / [name, node, tensor] reference in one inbound node, in order. */
function refsOf(node) {
  const out = [];
  const visit = (v, depth) => {
    if (depth > 6 || out.length > 64) return;
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && Number.isInteger(v[1])) out.push([v[0], v[1], Number.isInteger(v[2]) ? v[2] : 0]);
      else for (const x of v) visit(x, depth + 1);
    } else if (isObj(v)) {
      if (isObj(v.config) && Array.isArray(v.config.keras_history)) visit(v.config.keras_history, depth + 1);
      else if (Array.isArray(v.args)) visit(v.args, depth + 1);
    }
  };
  visit(node, 0);
  return out;
}

/** Batch-1 shape (without the batch dimension) declared on an input/first layer, or null. */
function declaredInput(cfg) {
  const s = cfg?.batch_input_shape ?? cfg?.batch_shape;
  return Array.isArray(s) ? s.slice(1).map(Number) : null;
}

/**
 * Walks a model; `inputs` are the shapes fed to it (null: use its declared input). Returns its output shapes.
 * @returns {number[][]}
 */
function walkModel(model, inputs, L, stats, depth) {
  if (depth > L.maxNesting) throw new BudgetError(`models are nested more than ${L.maxNesting} deep`);
  const layers = layerList(model);
  const name = String(model.config?.name ?? model.name ?? 'model');
  if (model.class_name === 'Sequential') {
    let shape = inputs ? inputs[0] : null;
    let first = true;
    for (const l of layers) {
      if (!isObj(l)) throw new BudgetError(`model '${name}' has a malformed layer entry`);
      if (first && !shape) shape = declaredInput(l.config);
      first = false;
      if (l.class_name === 'InputLayer') continue;
      if (!shape) throw new BudgetError(`model '${name}' declares no input shape`);
      shape = applyLayer(l, [shape], L, stats, depth)[0];
    }
    if (!shape) throw new BudgetError(`model '${name}' declares no input shape`);
    return [shape];
  }
  const cfg = model.config;
  const outputs = new Map();
  const refList = (v) => (Array.isArray(v) ? (typeof v[0] === 'string' ? [v] : v) : []);
  const inputLayers = refList(cfg.input_layers).map((r) => (Array.isArray(r) ? r[0] : r));
  for (const l of layers) {
    if (!isObj(l)) throw new BudgetError(`model '${name}' has a malformed layer entry`);
    const lname = String(l.name ?? l.config?.name);
    if (l.class_name === 'InputLayer') {
      const i = inputLayers.indexOf(lname);
      const shape = inputs && i >= 0 && inputs[i] ? inputs[i] : declaredInput(l.config);
      if (!shape) throw new BudgetError(`input layer '${lname}' declares no shape`);
      account(lname, 'InputLayer', shape, 0, L, stats);
      outputs.set(`${lname}#0`, [shape]);
      continue;
    }
    const nodes = Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
    if (nodes.length === 0) throw new BudgetError(`layer '${lname}' (${String(l.class_name)}) is not connected to anything`);
    // A nested model already owns node 0 (its own graph), so its calls are numbered from 1, as tfjs and Keras do.
    const base = MODELS.has(String(l.class_name)) ? 1 : 0;
    nodes.forEach((node, ni) => {
      const ins = refsOf(node).map(([src, n, t]) => {
        const shapes = outputs.get(`${src}#${n}`);
        if (!shapes || !shapes[t]) throw new BudgetError(`layer '${lname}' uses '${src}' before it is defined`);
        return shapes[t];
      });
      if (ins.length === 0) throw new BudgetError(`layer '${lname}' (${String(l.class_name)}) has no inputs`);
      outputs.set(`${lname}#${ni + base}`, applyLayer(l, ins, L, stats, depth));
    });
  }
  const outs = refList(cfg.output_layers).filter(Array.isArray);
  const result = outs.map((r) => outputs.get(`${r[0]}#${r[1] ?? 0}`)?.[r[2] ?? 0]).filter(Boolean);
  if (result.length === 0) throw new BudgetError(`model '${name}' has no outputs`);
  return result;
}

function checkActivation(lname, cls, act) {
  if (act === undefined || act === null) return;
  const a = isObj(act) ? act.class_name ?? act.config?.name : act;
  if (typeof a !== 'string' || !ACTIVATIONS.has(a)) {
    throw new BudgetError(`layer '${lname}' (${cls}) uses activation ${JSON.stringify(a)}, which is not one of the known activations (${[...ACTIVATIONS].join(', ')})`);
  }
}

function convOut(size, k, s, d, padding) {
  return padding === 'same' ? Math.ceil(size / s) : Math.floor((size - (k - 1) * d - 1) / s) + 1;
}

/** Output shapes of one layer call; accounts for it. */
function applyLayer(l, ins, L, stats, depth) {
  const cls = String(l.class_name);
  const c = isObj(l.config) ? l.config : {};
  const lname = String(l.name ?? c.name ?? cls);
  if (MODELS.has(cls)) {
    const out = walkModel(l, ins, L, stats, depth + 1);
    return out;
  }
  stats.layers++;
  if (stats.layers > L.maxLayers) throw new BudgetError(`the model has more than ${fmt(L.maxLayers)} layers, over the layer limit`);
  if (c.data_format !== undefined && c.data_format !== 'channels_last') {
    throw new BudgetError(`layer '${lname}' (${cls}) uses data_format ${JSON.stringify(c.data_format)}; only channels_last is supported`);
  }
  checkActivation(lname, cls, c.activation);
  const x = ins[0];
  let out;
  let flops = 0;
  const spatial = () => {
    if (x.length !== 3) throw new BudgetError(`layer '${lname}' (${cls}) needs an image-shaped input, got [${x.join(', ')}]`);
    return x;
  };
  if (IDENTITY.has(cls)) {
    out = x;
    flops = prod(x) * 4;
  } else if (MERGE.has(cls)) {
    out = x.map((_, i) => Math.max(...ins.map((s) => s[i] ?? 1)));
    flops = prod(out) * ins.length;
  } else if (cls === 'Concatenate') {
    const axis = Number(c.axis ?? -1);
    const ax = axis < 0 ? x.length + axis + 1 : axis;
    out = x.slice();
    out[ax - 1] = ins.reduce((a, s) => a + s[ax - 1], 0);
  } else if (cls === 'Conv2D' || cls === 'DepthwiseConv2D' || cls === 'SeparableConv2D' || cls === 'Conv2DTranspose') {
    const [h, w, cin] = spatial();
    const [kh, kw] = pair(c.kernel_size, 1);
    const [sh, sw] = pair(c.strides, 1);
    const [dh, dw] = pair(c.dilation_rate, 1);
    if (![kh, kw, sh, sw, dh, dw].every((v) => Number.isInteger(v) && v >= 1)) throw new BudgetError(`layer '${lname}' (${cls}) has an invalid kernel, stride or dilation`);
    const pad = c.padding === 'same' ? 'same' : 'valid';
    let oh, ow;
    if (cls === 'Conv2DTranspose') {
      oh = pad === 'same' ? h * sh : (h - 1) * sh + kh;
      ow = pad === 'same' ? w * sw : (w - 1) * sw + kw;
    } else {
      oh = convOut(h, kh, sh, dh, pad);
      ow = convOut(w, kw, sw, dw, pad);
    }
    const dm = Number(c.depth_multiplier ?? 1);
    const filters = Number(c.filters);
    const cout = cls === 'DepthwiseConv2D' ? cin * dm : filters;
    if (!(cout >= 1)) throw new BudgetError(`layer '${lname}' (${cls}) has an invalid number of filters`);
    out = [oh, ow, cout];
    if (cls === 'Conv2DTranspose') flops = 2 * h * w * cin * kh * kw * filters;
    else if (cls === 'DepthwiseConv2D') flops = 2 * oh * ow * cin * dm * kh * kw;
    else if (cls === 'SeparableConv2D') flops = 2 * oh * ow * cin * dm * (kh * kw + filters);
    else flops = 2 * oh * ow * cin * kh * kw * filters;
    flops += prod(out);
  } else if (cls === 'Dense') {
    const units = Number(c.units);
    if (!(units >= 1)) throw new BudgetError(`layer '${lname}' (Dense) has an invalid number of units`);
    out = [...x.slice(0, -1), units];
    flops = 2 * prod(x) * units;
  } else if (cls === 'MaxPooling2D' || cls === 'AveragePooling2D') {
    const [h, w, ch] = spatial();
    const [ph, pw] = pair(c.pool_size, 2);
    const [sh, sw] = c.strides == null ? [ph, pw] : pair(c.strides, ph);
    const pad = c.padding === 'same' ? 'same' : 'valid';
    out = [convOut(h, ph, sh, 1, pad), convOut(w, pw, sw, 1, pad), ch];
    flops = prod(out) * ph * pw;
  } else if (cls === 'GlobalAveragePooling2D' || cls === 'GlobalMaxPooling2D') {
    const [, , ch] = spatial();
    out = c.keepdims ? [1, 1, ch] : [ch];
    flops = prod(x);
  } else if (cls === 'ZeroPadding2D' || cls === 'Cropping2D') {
    const [h, w, ch] = spatial();
    const p = c.padding ?? c.cropping ?? 1;
    const [[t, b], [le, r]] = Array.isArray(p) && Array.isArray(p[0]) ? [pair(p[0], 0), pair(p[1], 0)] : ((q) => [[q[0], q[0]], [q[1], q[1]]])(pair(p, 1));
    const sign = cls === 'ZeroPadding2D' ? 1 : -1;
    out = [h + sign * (t + b), w + sign * (le + r), ch];
  } else if (cls === 'UpSampling2D') {
    const [h, w, ch] = spatial();
    const [fh, fw] = pair(c.size, 2);
    out = [h * fh, w * fw, ch];
  } else if (cls === 'Flatten') {
    out = [prod(x)];
  } else if (cls === 'Reshape') {
    const t = Array.isArray(c.target_shape) ? c.target_shape.map(Number) : null;
    if (!t || t.filter((d) => d === -1).length > 1) throw new BudgetError(`layer '${lname}' (Reshape) has an invalid target_shape`);
    const known = prod(t.filter((d) => d !== -1));
    out = t.map((d) => (d === -1 ? prod(x) / known : d));
    if (prod(out) !== prod(x)) throw new BudgetError(`layer '${lname}' (Reshape) cannot reshape [${x.join(', ')}] to [${t.join(', ')}]`);
  } else if (cls === 'Permute') {
    const dims = Array.isArray(c.dims) ? c.dims.map(Number) : [];
    out = dims.map((d) => x[d - 1]);
  } else if (cls === 'RepeatVector') {
    out = [Number(c.n), ...x];
  } else {
    throw new BudgetError(`layer '${lname}' has class '${cls}', which is not one of the layer classes the studio can check and run`);
  }
  account(lname, cls, out, flops, L, stats);
  return [out];
}

/** A graph model (TF Hub) is bounded by its node count; its ops are checked by tfjs when it loads. */
export function checkGraphBudget(nodes, maxNodes = 20_000) {
  if (!Array.isArray(nodes)) return { ok: false, reason: 'a graph model needs modelTopology.node' };
  if (nodes.length > maxNodes) return { ok: false, reason: `the graph has ${fmt(nodes.length)} nodes, over the limit of ${fmt(maxNodes)}` };
  return { ok: true };
}
