// Checks a user-supplied TF.js model (dropped folder, zip or URL) before any of it reaches tfjs, so a
// broken, hostile or unsuitable file is rejected with a reason instead of crashing or exhausting memory.
import * as tf from '@tensorflow/tfjs';
import {
  bytesPerElement,
  concatShards,
  elementCount,
  isObject,
  isPlainFileName,
  parseModelJson,
  type JsonObject,
  type ManifestGroup,
} from './manifest';
import { checkGraphBudget, checkModelBudget, type ModelBudget } from './model-budget.mjs';

export type ModelFormat = 'layers-model' | 'graph-model';
export type ImageInputShape = [null, number, number, 3];

export interface ValidateOptions {
  /** Largest total weight size accepted (default 200 MB). */
  maxBytes?: number;
  /** Largest total number of weight elements accepted (default 100 million). */
  maxElements?: number;
  /** Accepted range of input height and width (default 32..1024). */
  minSide?: number;
  maxSide?: number;
  /** Compute budget at batch 1 (layer count, per-layer output, activation memory, FLOPs); see model-budget.mjs. */
  budget?: Partial<ModelBudget>;
}

export type ValidationResult =
  | { ok: true; format: ModelFormat; inputShape: ImageInputShape; totalBytes: number; weightCount: number }
  | { ok: false; reason: string };

/** A model as dropped: model.json (text, bytes or parsed) and the other files by plain file name. */
export interface ModelFiles {
  modelJson: unknown;
  files: ReadonlyMap<string, Uint8Array>;
}

export const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;
export const DEFAULT_MAX_ELEMENTS = 100_000_000;

type Step<T> = { ok: true; value: T } | { ok: false; reason: string };
const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** The Keras model config inside a layers topology (tfjs-saved or Keras-converted `model_config`). */
function kerasModelConfig(topology: JsonObject): JsonObject | null {
  const inner = isObject(topology.model_config) ? topology.model_config : topology;
  return typeof inner.class_name === 'string' ? inner : null;
}

function detectFormat(json: JsonObject): Step<ModelFormat> {
  if (json.format === 'layers-model' || json.format === 'graph-model') return { ok: true, value: json.format };
  if (json.format !== undefined) return fail(`unknown model format '${String(json.format)}'`);
  const t = json.modelTopology;
  if (!isObject(t)) return fail('model.json has no modelTopology object');
  if (Array.isArray(t.node)) return { ok: true, value: 'graph-model' };
  if (kerasModelConfig(t) || typeof t.keras_version === 'string') return { ok: true, value: 'layers-model' };
  return fail('cannot tell whether this is a layers model or a graph model');
}

function checkManifest(json: JsonObject, opts: Required<ValidateOptions>): Step<{ groups: ManifestGroup[]; bytes: number; count: number }> {
  const m = json.weightsManifest;
  if (!Array.isArray(m) || m.length === 0) return fail('weightsManifest must be a non-empty array of weight groups');
  let bytes = 0;
  let elements = 0;
  let count = 0;
  for (const [gi, g] of m.entries()) {
    if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      return fail(`weightsManifest[${gi}] must have 'paths' and 'weights' arrays`);
    }
    for (const p of g.paths) {
      if (typeof p !== 'string' || !isPlainFileName(p)) {
        return fail(`weight path ${JSON.stringify(p)} must be a plain file name (no folders, '..' or absolute paths)`);
      }
    }
    for (const w of g.weights) {
      if (!isObject(w) || typeof w.name !== 'string' || typeof w.dtype !== 'string') {
        return fail(`weightsManifest[${gi}] has a weight without a name and dtype`);
      }
      const shape = w.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
        return fail(`weight '${w.name}' has an invalid shape ${JSON.stringify(shape)}`);
      }
      const n = elementCount(shape as number[]);
      elements += n;
      if (n > opts.maxElements || elements > opts.maxElements) {
        return fail(`weight '${w.name}' makes the model too large (${elements} elements; limit ${opts.maxElements})`);
      }
      const q = w.quantization;
      if (q !== undefined && !(isObject(q) && typeof q.dtype === 'string')) {
        return fail(`weight '${w.name}' has an invalid quantization entry`);
      }
      const per = bytesPerElement({ dtype: w.dtype, quantization: q as ManifestGroup['weights'][number]['quantization'] });
      if (per === null) return fail(`weight '${w.name}' has unsupported dtype '${q ? String(q.dtype) : w.dtype}'`);
      bytes += per * n;
      count++;
    }
  }
  if (bytes > opts.maxBytes) return fail(`weights total ${bytes} bytes, over the ${opts.maxBytes}-byte limit`);
  return { ok: true, value: { groups: m as ManifestGroup[], bytes, count } };
}

/** [batch, h, w, c] from a Keras layer config (`batch_input_shape`, Keras 3 `batch_shape`). */
function kerasInputShape(model: JsonObject): Step<unknown[]> {
  const config = model.config;
  const layers = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : null;
  if (!layers || layers.length === 0) return fail('the layers topology lists no layers');
  let first: unknown = layers[0];
  if (isObject(config) && Array.isArray(config.input_layers)) {
    if (config.input_layers.length !== 1) return fail(`the model must have exactly one input (has ${config.input_layers.length})`);
    const ref = config.input_layers[0];
    const name = Array.isArray(ref) ? ref[0] : undefined;
    first = layers.find((l) => isObject(l) && (l.name === name || (isObject(l.config) && l.config.name === name)));
  }
  if (!isObject(first) || !isObject(first.config)) return fail('cannot find the input layer in the topology');
  if (['Model', 'Functional', 'Sequential'].includes(String(first.class_name))) return kerasInputShape(first);
  const shape = first.config.batch_input_shape ?? first.config.batch_shape;
  if (!Array.isArray(shape)) return fail('the input layer declares no batch_input_shape');
  return { ok: true, value: shape };
}

/** [batch, h, w, c] of a graph model's single input (signature first, else its Placeholder node). */
function graphInputShape(json: JsonObject): Step<unknown[]> {
  const sig = json.signature;
  let dims: unknown;
  if (isObject(sig) && isObject(sig.inputs)) {
    const inputs = Object.values(sig.inputs);
    if (inputs.length !== 1) return fail(`the model must have exactly one input (has ${inputs.length})`);
    const ts = isObject(inputs[0]) ? inputs[0].tensorShape : undefined;
    dims = isObject(ts) ? ts.dim : undefined;
  } else {
    const nodes = (json.modelTopology as JsonObject).node as unknown[];
    const ph = nodes.filter((n) => isObject(n) && n.op === 'Placeholder');
    if (ph.length !== 1) return fail(`the model must have exactly one input (has ${ph.length})`);
    const attr = (ph[0] as JsonObject).attr;
    const shape = isObject(attr) && isObject(attr.shape) ? attr.shape.shape : undefined;
    dims = isObject(shape) ? shape.dim : undefined;
  }
  if (!Array.isArray(dims)) return fail('the graph input has no known shape');
  return { ok: true, value: dims.map((d) => (isObject(d) ? Number(d.size ?? -1) : NaN)) };
}

function checkImageShape(shape: unknown[], opts: Required<ValidateOptions>): Step<ImageInputShape> {
  const shown = JSON.stringify(shape);
  const [b, h, w, c] = shape;
  if (shape.length !== 4) return fail(`the input must be a 4D image batch [null, h, w, 3], not ${shown}`);
  if (b !== null && b !== -1) return fail(`the input batch size must be unspecified, not ${String(b)} (${shown})`);
  if (c !== 3) return fail(`the input must have 3 colour channels, not ${String(c)} (${shown})`);
  for (const side of [h, w]) {
    if (typeof side !== 'number' || !Number.isInteger(side) || side < opts.minSide || side > opts.maxSide) {
      return fail(`the input height and width must be whole numbers in ${opts.minSide}..${opts.maxSide} (${shown})`);
    }
  }
  return { ok: true, value: [null, h as number, w as number, 3] };
}

/** Every check that needs only model.json: run before downloading weight shards. */
export function validateModelJson(modelJson: unknown, options: ValidateOptions = {}): ValidationResult {
  const opts: Required<ValidateOptions> = {
    maxBytes: DEFAULT_MAX_BYTES,
    maxElements: DEFAULT_MAX_ELEMENTS,
    minSide: 32,
    maxSide: 1024,
    budget: {},
    ...options,
  };
  const parsed = parseModelJson(modelJson);
  if (!parsed.ok) return parsed;
  const json = parsed.json;
  const format = detectFormat(json);
  if (!format.ok) return format;
  if (!isObject(json.modelTopology)) return fail('model.json has no modelTopology object');
  const manifest = checkManifest(json, opts);
  if (!manifest.ok) return manifest;
  let rawShape: Step<unknown[]>;
  if (format.value === 'graph-model') {
    if (!Array.isArray(json.modelTopology.node)) return fail('a graph model needs modelTopology.node');
    rawShape = graphInputShape(json);
  } else {
    const model = kerasModelConfig(json.modelTopology);
    if (!model) return fail('the layers topology has no Keras model config (class_name)');
    rawShape = kerasInputShape(model);
  }
  if (!rawShape.ok) return rawShape;
  const shape = checkImageShape(rawShape.value, opts);
  if (!shape.ok) return shape;
  // Weight bytes say nothing about what a model computes: check its cost before tfjs builds it.
  const budget = format.value === 'graph-model' ? checkGraphBudget(json.modelTopology.node) : checkModelBudget(json.modelTopology, opts.budget);
  if (!budget.ok) return fail(budget.reason);
  const { bytes, count } = manifest.value;
  return { ok: true, format: format.value, inputShape: shape.value, totalBytes: bytes, weightCount: count };
}

/** Full validation of a dropped model: model.json checks, then every shard present and sized exactly. */
export function validateModel(input: ModelFiles, options: ValidateOptions = {}): ValidationResult {
  const result = validateModelJson(input.modelJson, options);
  if (!result.ok) return result;
  const parsed = parseModelJson(input.modelJson) as { ok: true; json: JsonObject };
  const groups = parsed.json.weightsManifest as ManifestGroup[];
  for (const [gi, g] of groups.entries()) {
    let have = 0;
    for (const p of g.paths) {
      const f = input.files.get(p);
      if (!f) return fail(`weight file '${p}' is missing`);
      have += f.byteLength;
    }
    let want = 0;
    for (const w of g.weights) want += (bytesPerElement(w) ?? 0) * elementCount(w.shape);
    if (have !== want) {
      return fail(`weight group ${gi} (${g.paths.join(', ')}) has ${have} bytes but its weights need ${want}`);
    }
  }
  return result;
}

/** A tfjs IOHandler over an in-memory model (e.g. a validated drop), so loading needs no network. */
export function ioHandlerFromFiles(modelJson: unknown, files: ReadonlyMap<string, Uint8Array>): tf.io.IOHandler {
  const parsed = parseModelJson(modelJson);
  if (!parsed.ok) throw new Error(parsed.reason);
  const json = parsed.json as unknown as tf.io.ModelJSON;
  const groups = json.weightsManifest as unknown as ManifestGroup[];
  const weightData = concatShards(groups, files);
  const artifacts = tf.io.getModelArtifactsForJSONSync(json, tf.io.getWeightSpecs(json.weightsManifest), weightData);
  return tf.io.fromMemory(artifacts);
}
