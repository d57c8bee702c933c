// Downloads and opens a backbone: fetches model.json and its shards with byte-accurate progress
// through an injectable fetch, then loads the layers model (cut at its feature layer) or graph model.
import * as tf from '@tensorflow/tfjs';
import { modelJsonUrl, type BackboneSpec } from './catalog';
import { manifestByteSize, parseModelJson, type ManifestGroup } from './manifest';
import { ioHandlerFromFiles, validateModel, validateModelJson, type ModelFiles, type ValidateOptions } from './validate';
import { errorText } from '../error-text';

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;
/** Bytes received so far and the expected total (model.json plus every weight shard). */
export type ProgressFn = (loadedBytes: number, totalBytes: number) => void;

export interface FetchModelOptions {
  /** Defaults to the global fetch. */
  fetchFn?: FetchFn;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  /** Check model.json (see validateModelJson) before fetching any shard, and every shard's bytes after; false skips both. */
  validate?: ValidateOptions | false;
}

export interface LoadBackboneOptions extends Omit<FetchModelOptions, 'validate'> {
  /** Load from this handler (e.g. ioHandlerFromFiles) instead of the network. */
  ioHandler?: tf.io.IOHandler;
}

export type LoadedBackbone =
  | { kind: 'layers'; model: tf.LayersModel; spec: BackboneSpec }
  | { kind: 'graph'; model: tf.GraphModel; spec: BackboneSpec };

/** Largest model.json read from a URL (MobileNet's is about 100 KB; TF Hub graphs a few MB). */
export const MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;

/**
 * Reads a response body chunk by chunk (ReadableStream reader), reporting each chunk's size, and
 * stops with `tooLarge()` as soon as more than `maxBytes` arrived.
 */
export async function readBody(res: Response, onChunk: (bytes: number) => void, maxBytes = Infinity, tooLarge = () => `the response is larger than ${maxBytes} bytes`): Promise<Uint8Array> {
  if (!res.body) {
    const all = new Uint8Array(await res.arrayBuffer());
    if (all.byteLength > maxBytes) throw new Error(tooLarge());
    onChunk(all.byteLength);
    return all;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error(tooLarge());
    }
    chunks.push(value);
    onChunk(value.byteLength);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Where tfjs looks for shards: next to model.json, keeping its query string (TF Hub's ?tfjs-format=file). */
export function weightUrl(modelUrl: string, path: string): string {
  const slash = modelUrl.lastIndexOf('/');
  const query = modelUrl.lastIndexOf('?');
  const suffix = query > slash ? modelUrl.slice(query) : '';
  return `${modelUrl.slice(0, slash + 1)}${path}${suffix}`;
}

async function get(fetchFn: FetchFn, url: string, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(url, signal ? { signal } : undefined);
  } catch (e) {
    if (signal?.aborted) throw e;
    // fetch only says "Failed to fetch": name the host, and the likely causes.
    const host = URL.canParse(url) ? new URL(url).host : url;
    throw new Error(`could not reach ${host} (offline, or the server refused the request): ${errorText(e)}`);
  }
  if (!res.ok) throw new Error(`request to ${url} failed: HTTP ${res.status}`);
  return res;
}

/**
 * Fetches model.json and every shard it names into memory. Progress counts bytes as they stream in;
 * the total is model.json's size plus the weight bytes the manifest implies (Content-Length is not
 * trusted: compressed transfers report the wire size). Throws with the validation reason on a bad model.
 */
export async function fetchModelFiles(url: string, opts: FetchModelOptions = {}): Promise<ModelFiles> {
  const fetchFn = opts.fetchFn ?? ((input: string, init?: RequestInit) => fetch(input, init));
  let loaded = 0;
  let total = 0;
  const report = (bytes: number) => {
    loaded += bytes;
    total = Math.max(total, loaded);
    opts.onProgress?.(loaded, total);
  };
  const jsonRes = await get(fetchFn, url, opts.signal);
  total = Number(jsonRes.headers.get('content-length')) || 0;
  const jsonBytes = await readBody(jsonRes, report, MAX_MODEL_JSON_BYTES, () => `model.json is larger than the ${MAX_MODEL_JSON_BYTES}-byte limit`);
  const parsed = parseModelJson(jsonBytes);
  if (!parsed.ok) throw new Error(parsed.reason);
  if (opts.validate !== false) {
    const check = validateModelJson(parsed.json, opts.validate ?? {});
    if (!check.ok) throw new Error(check.reason);
  }
  const groups = (parsed.json.weightsManifest ?? []) as ManifestGroup[];
  total = jsonBytes.byteLength + manifestByteSize(groups);
  opts.onProgress?.(loaded, Math.max(total, loaded));
  const paths = groups.flatMap((g) => g.paths);
  // No shard can be larger than all the weights the manifest lists; a server sending more is cut off.
  const weightBytes = manifestByteSize(groups);
  const bodies = await Promise.all(
    paths.map(async (p) =>
      readBody(await get(fetchFn, weightUrl(url, p), opts.signal), report, weightBytes, () => `weight file '${p}' is larger than the ${weightBytes} bytes the manifest lists in all`),
    ),
  );
  const files: ModelFiles = { modelJson: parsed.json, files: new Map(paths.map((p, i) => [p, bodies[i]])) };
  if (opts.validate !== false) {
    const full = validateModel(files, opts.validate ?? {});
    if (!full.ok) throw new Error(full.reason);
  }
  return files;
}

/** An IOHandler that loads over HTTP through fetchModelFiles (so with byte progress). */
export function httpHandler(url: string, opts: FetchModelOptions = {}): tf.io.IOHandler {
  return {
    load: async () => {
      const { modelJson, files } = await fetchModelFiles(url, opts);
      return ioHandlerFromFiles(modelJson, files).load!();
    },
  };
}

/**
 * A model whose output is `cutLayer`'s output. Layers past the cut are disposed at once; the
 * returned model owns all the rest, so disposing it frees every weight (do not dispose `full`).
 */
export function cutLayersModel(full: tf.LayersModel, cutLayer: string): tf.LayersModel {
  let output: tf.SymbolicTensor | tf.SymbolicTensor[];
  try {
    output = full.getLayer(cutLayer).output;
  } catch {
    full.dispose();
    throw new Error(`the model has no layer named '${cutLayer}'`);
  }
  if (full.outputs.length === 1 && full.outputs[0] === output) return full;
  const cut = tf.model({ inputs: full.inputs, outputs: output, name: `${full.name}_cut` });
  const kept = new Set(cut.layers);
  for (const layer of full.layers) if (!kept.has(layer)) layer.dispose();
  return cut;
}

/** Loads a backbone: layers models are cut at spec.cutLayer; graph models load as they are. */
export async function loadBackbone(spec: BackboneSpec, opts: LoadBackboneOptions = {}): Promise<LoadedBackbone> {
  // Custom URLs are untrusted: validated like a drop. Catalog models come from their known publishers.
  const handler = opts.ioHandler ?? httpHandler(modelJsonUrl(spec), { ...opts, validate: spec.family === 'custom' ? {} : false });
  if (spec.format === 'graph') return { kind: 'graph', model: await tf.loadGraphModel(handler), spec };
  const full = await tf.loadLayersModel(handler);
  const model = spec.cutLayer ? cutLayersModel(full, spec.cutLayer) : full;
  return { kind: 'layers', model, spec };
}
