// Opens a model for the demo page, from either source, into one interface: classify a square
// canvas (already cropped/resized to inputSize) → class probabilities and the time it took.
//   model.json source: metadata.json first (labels), then model.json validated (layers format,
//     size caps, image input) before any shard is fetched, shards checked byte-exact, then loaded.
//   share link source: decodeShareLink, catalog backbone from its public URL (cut at cutLayer),
//     head rebuilt; predict = softmax(head(GAP(backbone(x)))).
import * as tf from '@tensorflow/tfjs';
import { getBackbone, type BackbonePreprocessing } from '../core/backbones/catalog';
import { fetchModelFiles, loadBackbone, type LoadedBackbone } from '../core/backbones/load';
import { preprocess } from '../core/backbones/preprocess';
import { ttaViews } from '../core/train/tta';
import { ioHandlerFromFiles, validateModel } from '../core/backbones/validate';
import { buildHeadFromShare } from '../core/export/share-head';
import { decodeShareLink } from '../core/export/share-link';
import { budgetFetch, fetchJson, formatBytes } from './budget-fetch';
import type { DemoSource } from './hash';
import { parseMetadata } from './metadata';
import { isProbabilityVector, softmax } from '../core/metrics/topk';
import { errorText } from '../core/error-text';

/** Largest total weight size a #model= URL may have (the catalog backbones are far smaller). */
export const MAX_MODEL_BYTES = 100 * 1024 * 1024;
const MAX_MODEL_ELEMENTS = 50_000_000;
/** model.json and metadata.json on top of the weights. */
const JSON_ALLOWANCE = 16 * 1024 * 1024;
const MAX_METADATA_BYTES = 1024 * 1024;

export interface Classifier {
  name: string;
  labels: string[];
  /** Square side the canvas passed to classify must have. */
  inputSize: number;
  preprocessing: BackbonePreprocessing;
  /** Shortest side of the studio's training copies, when the model says (photos then go through the same copy). */
  trainingSize?: number;
  /** Whether classify averages over test-time augmented views unless told otherwise. */
  tta: boolean;
  /** One line for the page: where the model came from. */
  description: string;
  /** Probabilities for one image (length = labels.length) and wall time in ms, read-back included. */
  /** With `tta`, the mean of the class probabilities over the test-time augmented views (src/core/train/tta.ts). */
  classify(canvas: HTMLCanvasElement | OffscreenCanvas, tta?: boolean): Promise<{ probs: number[]; ms: number }>;
  dispose(): void;
}

export type LoadStage = 'metadata' | 'download' | 'build' | 'warmup';
export interface LoadProgress {
  stage: LoadStage;
  loadedBytes: number;
  totalBytes: number;
}

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** Called as soon as the name and labels are known (before the weights are downloaded). */
  onInfo?: (info: { name: string; labels: string[] }) => void;
  /** Injected in tests; defaults to the global fetch. */
  fetchFn?: (url: string, init?: RequestInit) => Promise<Response>;
}

/** Thrown for a share link that decodeShareLink rejects: the reason is shown as is. */
export class ModelOpenError extends Error {}

type Run = (x: tf.Tensor4D) => tf.Tensor;

/** The shared part: tensor from canvas → preprocessing → run → probabilities. */
function makeClassifier(base: Omit<Classifier, 'classify' | 'dispose'>, run: Run, outputIsProbs: boolean, dispose: () => void): Classifier {
  const spec = { inputSize: base.inputSize, preprocessing: base.preprocessing };
  return {
    ...base,
    async classify(canvas, tta = false) {
      const t0 = performance.now();
      const out = tf.tidy(() => {
        const pixels = tf.browser.fromPixels(canvas as HTMLCanvasElement).expandDims(0) as tf.Tensor4D;
        return run(preprocess(tta ? ttaViews(pixels) : pixels, spec));
      });
      let values: Float32Array | Int32Array | Uint8Array;
      try {
        values = await out.data();
      } finally {
        out.dispose();
      }
      // One row per view (one view without TTA); each row to probabilities, then their mean.
      const k = base.labels.length;
      const rows = Array.from({ length: values.length / k }, (_, v) => Array.from(values.subarray(v * k, v * k + k)));
      const probRows = rows.map((raw) => (outputIsProbs || isProbabilityVector(raw) ? raw : softmax(raw)));
      const probs = Array.from({ length: k }, (_, c) => probRows.reduce((s, r) => s + r[c], 0) / probRows.length);
      return { probs, ms: performance.now() - t0 };
    },
    dispose,
  };
}

/** Runs one all-zero image and checks the output is [1, labels.length]. */
async function warmUp(run: Run, inputSize: number, classes: number): Promise<void> {
  const out = tf.tidy(() => run(tf.zeros([1, inputSize, inputSize, 3]) as tf.Tensor4D));
  try {
    const shape = out.shape;
    if (shape.length !== 2 || shape[0] !== 1 || shape[1] !== classes) {
      throw new ModelOpenError(`the model outputs shape [${shape.join(', ')}] but there are ${classes} labels (expected [1, ${classes}])`);
    }
    await out.data();
  } finally {
    out.dispose();
  }
}

/**
 * Classifies one blank canvas, so the pixel path (fromPixels, scaling) is compiled too and the
 * first real prediction's time is representative. Disposes the classifier if that fails.
 */
async function warmPixels(c: Classifier): Promise<Classifier> {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = c.inputSize;
  try {
    await c.classify(canvas);
  } catch (e) {
    c.dispose();
    throw new ModelOpenError(`the model failed on a test image (${errorText(e)})`);
  }
  return c;
}

/** Whether a layers model's last layer (looking inside nested models) ends in softmax. */
function endsInSoftmax(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  if (!last) return false;
  if (last instanceof tf.LayersModel) return endsInSoftmax(last);
  const cls = last.getClassName();
  if (cls === 'Softmax') return true;
  const cfg = last.getConfig() as { activation?: unknown };
  return cfg.activation === 'softmax';
}

async function openModelUrl(source: Extract<DemoSource, { kind: 'model' }>, opts: LoadOptions): Promise<Classifier> {
  const fetchFn = budgetFetch({ maxBytes: MAX_MODEL_BYTES + JSON_ALLOWANCE, maxRequests: 1 + 1 + 500 }, opts.fetchFn);
  opts.onProgress?.({ stage: 'metadata', loadedBytes: 0, totalBytes: 0 });
  const metaFetch = budgetFetch({ maxBytes: MAX_METADATA_BYTES, maxRequests: 1 }, fetchFn);
  const rawMeta = await fetchJson(metaFetch, source.metadataUrl, 'metadata.json', opts.signal);
  const meta = parseMetadata(rawMeta);
  if (!meta.ok) throw new ModelOpenError(meta.reason);
  opts.onInfo?.({ name: meta.value.name, labels: meta.value.labels });

  opts.onProgress?.({ stage: 'download', loadedBytes: 0, totalBytes: 0 });
  const files = await fetchModelFiles(source.modelUrl, {
    fetchFn,
    signal: opts.signal,
    validate: { maxBytes: MAX_MODEL_BYTES, maxElements: MAX_MODEL_ELEMENTS },
    onProgress: (loadedBytes, totalBytes) => opts.onProgress?.({ stage: 'download', loadedBytes, totalBytes }),
  });
  // Shards present and exactly the size the manifest implies (fetchModelFiles checked model.json only).
  const check = validateModel(files, { maxBytes: MAX_MODEL_BYTES, maxElements: MAX_MODEL_ELEMENTS });
  if (!check.ok) throw new ModelOpenError(check.reason);
  if (check.format !== 'layers-model') throw new ModelOpenError('this is a TF.js graph model; the demo page opens layers models (the Teachable Machine format)');
  const [, h, w] = check.inputShape;
  if (h !== w) throw new ModelOpenError(`the model's input is ${h}×${w}; only square inputs are supported`);

  opts.onProgress?.({ stage: 'build', loadedBytes: 0, totalBytes: 0 });
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(ioHandlerFromFiles(files.modelJson, files.files));
  } catch (e) {
    throw new ModelOpenError(`TensorFlow.js could not build the model (${errorText(e)})`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    model.dispose();
    throw new ModelOpenError(`the model must have one input and one output (has ${model.inputs.length} and ${model.outputs.length})`);
  }
  const run: Run = (x) => model.predict(x) as tf.Tensor;
  opts.onProgress?.({ stage: 'warmup', loadedBytes: 0, totalBytes: 0 });
  try {
    await warmUp(run, h, meta.value.labels.length);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const pre = meta.value.preprocessing;
  const preText = meta.value.preprocessingFrom === 'metadata' ? 'preprocessing from metadata.json' : "Teachable Machine's preprocessing";
  const classifier = makeClassifier(
    {
      name: meta.value.name,
      labels: meta.value.labels,
      inputSize: h,
      preprocessing: pre,
      trainingSize: meta.value.trainingSize,
      tta: meta.value.tta ?? false,
      description: `TF.js layers model · ${h}×${h} input · ${formatBytes(check.totalBytes)} · ${preText}${meta.value.score ? ` · ${meta.value.score}` : ''}`,
    },
    run,
    endsInSoftmax(model),
    () => model.dispose(),
  );
  return warmPixels(classifier);
}

async function openShareLink(link: string, opts: LoadOptions): Promise<Classifier> {
  const decoded = decodeShareLink(link);
  if (!decoded.ok) throw new ModelOpenError(`the share link is not valid: ${decoded.reason}`);
  const share = decoded.model;
  const name = share.name.trim() === '' ? 'Untitled model' : share.name;
  opts.onInfo?.({ name, labels: share.labels });
  const spec = getBackbone(share.backbone);
  if (!spec) throw new ModelOpenError(`unknown backbone "${share.backbone}"`);
  const fetchFn = budgetFetch({ maxBytes: MAX_MODEL_BYTES + JSON_ALLOWANCE, maxRequests: 200 }, opts.fetchFn);
  opts.onProgress?.({ stage: 'download', loadedBytes: 0, totalBytes: spec.downloadBytes });
  let backbone: LoadedBackbone;
  try {
    backbone = await loadBackbone(spec, {
      fetchFn,
      signal: opts.signal,
      onProgress: (loadedBytes, totalBytes) => opts.onProgress?.({ stage: 'download', loadedBytes, totalBytes }),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ModelOpenError(`the ${spec.name} backbone could not be loaded (${errorText(e)})`);
  }
  opts.onProgress?.({ stage: 'build', loadedBytes: 0, totalBytes: 0 });
  let head: tf.Sequential;
  try {
    head = buildHeadFromShare(spec.featureDim, share.head);
  } catch (e) {
    backbone.model.dispose();
    throw new ModelOpenError(`the head could not be rebuilt (${errorText(e)})`);
  }
  const lastActivation = share.head.layers[share.head.layers.length - 1].activation;
  const featureModel = backbone.model;
  const run: Run = (x) => {
    let f = featureModel.predict(x) as tf.Tensor;
    if (f.rank === 4) f = tf.mean(f, [1, 2]);
    if (f.rank !== 2 || f.shape[1] !== spec.featureDim) {
      throw new ModelOpenError(`the backbone gives features of shape [${f.shape.join(', ')}], the head needs ${spec.featureDim}`);
    }
    const y = head.predict(f) as tf.Tensor;
    return lastActivation === 'softmax' ? y : tf.softmax(y);
  };
  const dispose = () => {
    head.dispose();
    featureModel.dispose();
  };
  opts.onProgress?.({ stage: 'warmup', loadedBytes: 0, totalBytes: 0 });
  try {
    await warmUp(run, spec.inputSize, share.labels.length);
  } catch (e) {
    dispose();
    throw e;
  }
  const classifier = makeClassifier(
    {
      name,
      labels: share.labels,
      inputSize: spec.inputSize,
      preprocessing: share.preprocessing,
      trainingSize: share.trainingSize,
      tta: share.tta ?? false,
      description: `${spec.name} + shared head · from a share link`,
    },
    run,
    true,
    dispose,
  );
  return warmPixels(classifier);
}

export async function openClassifier(source: DemoSource, opts: LoadOptions = {}): Promise<Classifier> {
  await tf.ready();
  return source.kind === 'link' ? openShareLink(source.link, opts) : openModelUrl(source, opts);
}
