// Checks the JSON part of a share link against hard limits before any weight is read, so a hostile
// link is rejected with a readable reason. Labels stay plain strings: escaping is the renderer's job.
import { getBackbone, type BackbonePreprocessing } from '../backbones/catalog';

export const SHARE_ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'swish', 'gelu'] as const;
export type ShareActivation = (typeof SHARE_ACTIVATIONS)[number];

export interface ShareHeadLayer {
  units: number;
  activation: ShareActivation;
  useBias: boolean;
}

/** What a link carries besides the weights. */
export interface ShareMeta {
  v: 1;
  /** A catalog id (BACKBONES); the recipient downloads the backbone from its public URL. */
  backbone: string;
  labels: string[];
  name: string;
  preprocessing: BackbonePreprocessing;
  head: { layers: ShareHeadLayer[] };
  /** Shortest side of the studio's training copies (src/core/data/crop-resize.ts); optional. */
  trainingSize?: number;
  /** Whether the demo page averages over test-time augmented views (src/core/train/tta.ts); optional. */
  tta?: boolean;
}

export interface ShareLinkLimits {
  /** Cap on the inflated payload, checked while inflating (zip-bomb guard). */
  maxDecompressedBytes: number;
  maxLabels: number;
  maxLabelLength: number;
  maxNameLength: number;
  maxLayers: number;
  maxUnits: number;
  /** Cap on the total number of head weights (kernels and biases). */
  maxWeights: number;
}

export const DEFAULT_SHARE_LINK_LIMITS: ShareLinkLimits = {
  maxDecompressedBytes: 5 * 1024 * 1024,
  maxLabels: 1000,
  maxLabelLength: 100,
  maxNameLength: 200,
  maxLayers: 8,
  maxUnits: 4096,
  maxWeights: 2_000_000,
};

/** One tensor of the head, in link order: each layer's kernel [in × units], then its bias if any. */
export interface TensorShape {
  shape: number[];
  size: number;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown, max: number): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0 && x <= max;

/** Validates parsed JSON; on success returns the metadata (a fresh, clean object) and the tensor shapes it implies. */
export function validateShareMeta(raw: unknown, limits: ShareLinkLimits): Checked<{ meta: ShareMeta; tensors: TensorShape[] }> {
  if (!isObject(raw)) return fail('metadata is not a JSON object');
  if (raw.v !== 1) return fail(`unsupported share link version ${JSON.stringify(raw.v) ?? 'undefined'} (this app reads version 1)`);
  if (typeof raw.backbone !== 'string') return fail('backbone id is missing');
  const spec = getBackbone(raw.backbone);
  if (!spec) return fail(`unknown backbone "${raw.backbone.slice(0, 60)}": only the built-in catalog backbones can be shared`);

  const labels = raw.labels;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) return fail('labels must be an array of strings');
  if (labels.length < 1 || labels.length > limits.maxLabels) return fail(`labels: ${labels.length} classes (allowed 1 to ${limits.maxLabels})`);
  const long = labels.findIndex((l: string) => l.length > limits.maxLabelLength);
  if (long >= 0) return fail(`label ${long + 1} is longer than ${limits.maxLabelLength} characters`);
  if (typeof raw.name !== 'string' || raw.name.length > limits.maxNameLength) return fail(`name must be a string of at most ${limits.maxNameLength} characters`);

  const pre = raw.preprocessing;
  if (!isObject(pre) || typeof pre.scale !== 'number' || !Number.isFinite(pre.scale) || typeof pre.offset !== 'number' || !Number.isFinite(pre.offset)) {
    return fail('preprocessing must have finite numeric scale and offset');
  }
  if (pre.resize !== 'center-crop' && pre.resize !== 'stretch') return fail('preprocessing.resize must be "center-crop" or "stretch"');

  if (raw.trainingSize !== undefined && !(Number.isInteger(raw.trainingSize) && (raw.trainingSize as number) >= 16 && (raw.trainingSize as number) <= 4096)) {
    return fail('trainingSize must be an integer from 16 to 4096');
  }
  if (raw.tta !== undefined && typeof raw.tta !== 'boolean') return fail('tta must be true or false');
  if (!isObject(raw.head) || !Array.isArray(raw.head.layers)) return fail('head.layers is missing');
  const rawLayers: unknown[] = raw.head.layers;
  if (rawLayers.length < 1 || rawLayers.length > limits.maxLayers) return fail(`head has ${rawLayers.length} layers (allowed 1 to ${limits.maxLayers})`);
  const layers: ShareHeadLayer[] = [];
  const tensors: TensorShape[] = [];
  let inDim = spec.featureDim;
  let total = 0;
  for (const [i, l] of rawLayers.entries()) {
    if (!isObject(l)) return fail(`head layer ${i + 1} is not an object`);
    if (!isCount(l.units, limits.maxUnits)) return fail(`head layer ${i + 1}: units must be an integer from 1 to ${limits.maxUnits}`);
    if (!(SHARE_ACTIVATIONS as readonly unknown[]).includes(l.activation)) return fail(`head layer ${i + 1}: unsupported activation ${JSON.stringify(l.activation)?.slice(0, 40)}`);
    if (typeof l.useBias !== 'boolean') return fail(`head layer ${i + 1}: useBias must be true or false`);
    total += inDim * l.units + (l.useBias ? l.units : 0);
    if (total > limits.maxWeights) return fail(`head has more than ${limits.maxWeights} weights`);
    tensors.push({ shape: [inDim, l.units], size: inDim * l.units });
    if (l.useBias) tensors.push({ shape: [l.units], size: l.units });
    layers.push({ units: l.units, activation: l.activation as ShareActivation, useBias: l.useBias });
    inDim = l.units;
  }
  if (inDim !== labels.length) return fail(`head outputs ${inDim} values but there are ${labels.length} labels`);

  const meta: ShareMeta = {
    v: 1,
    backbone: spec.id,
    labels: [...labels],
    name: raw.name,
    preprocessing: { scale: pre.scale, offset: pre.offset, resize: pre.resize },
    head: { layers },
    ...(raw.trainingSize !== undefined ? { trainingSize: raw.trainingSize as number } : {}),
    ...(raw.tta !== undefined ? { tta: raw.tta as boolean } : {}),
  };
  return { ok: true, value: { meta, tensors } };
}
