// What an uploaded share must be, checked before anything is stored: the zip's entries (names,
// duplicates, declared sizes, then each entry inflated by the bounded reader that refuses lying
// sizes and CRCs), model.json's weight manifest against the real .bin bytes, the model's compute
// budget (the same walk the studio runs on every untrusted model), and metadata.json. It runs in a
// worker thread (upload-worker.mjs) so no upload can hold the share service's event loop.
import { listZip, readZipEntry, ZipError } from '../src/core/data/bounded-unzip.mjs';
import { checkModelBudget } from '../src/core/backbones/model-budget.mjs';
import { HttpError, quoteName } from './http-helpers.mjs';

/** Weight file names accepted inside an uploaded zip (root level only). */
const ZIP_BIN_PATTERN = /^[A-Za-z0-9_.-]+\.bin$/;

const MAX_ZIP_ENTRIES = 1000;
const MAX_JSON_BYTES = 8 * 1024 * 1024;
const MAX_TOTAL_ELEMENTS = 50_000_000;
const MAX_LABELS = 1000;
const MAX_LABEL_LENGTH = 200;
const MAX_IMAGE_SIZE = 4096;
/** @type {Record<string, number>} */
const DTYPE_BYTES = {
  float32: 4,
  int32: 4,
  float16: 2,
  uint16: 2,
  int16: 2,
  uint8: 1,
  int8: 1,
  bool: 1,
};

/** @param {unknown} v @returns {v is Record<string, unknown>} */
function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** @param {Uint8Array} bytes @param {string} what */
function parseJsonFile(bytes, what) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, `${what} is not valid UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, `${what} is not valid JSON`);
  }
}

/**
 * Checks the names and declared sizes of every entry, then inflates each one bounded by its
 * declared size: an entry that inflates to more or less, or fails its CRC, is refused by name.
 * @param {Uint8Array} body
 * @param {number} maxBytes
 * @returns {Map<string, Uint8Array>}
 */
export function unzipUpload(body, maxBytes) {
  /** @type {import('../src/core/data/bounded-unzip.mjs').ZipEntryInfo[]} */
  let list;
  try {
    list = listZip(body, { maxEntries: MAX_ZIP_ENTRIES });
  } catch (err) {
    if (err instanceof ZipError && err.code === 'too-large') throw new HttpError(400, `zip has more than ${MAX_ZIP_ENTRIES} entries`);
    throw new HttpError(400, 'the upload is not a valid zip archive');
  }
  /** @type {Set<string>} */
  const names = new Set();
  let total = 0;
  for (const f of list) {
    const name = f.name;
    if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
      throw new HttpError(400, `zip entry ${quoteName(name)} has an absolute path; files must be at the zip root`);
    }
    if (name.includes('..')) {
      throw new HttpError(400, `zip entry ${quoteName(name)} contains '..'; files must be at the zip root`);
    }
    if (name.includes('/') || name.includes('\\')) {
      throw new HttpError(400, `zip entry ${quoteName(name)} is inside a folder; files must be at the zip root`);
    }
    if (name !== 'model.json' && name !== 'metadata.json' && !ZIP_BIN_PATTERN.test(name)) {
      throw new HttpError(
        400,
        `zip entry ${quoteName(name)} is not allowed; expected only model.json, metadata.json and *.bin weight files`,
      );
    }
    if (names.has(name)) throw new HttpError(400, `zip entry ${quoteName(name)} appears more than once`);
    if (f.method !== 0 && f.method !== 8) {
      throw new HttpError(400, `zip entry ${quoteName(name)} uses an unsupported compression method`);
    }
    if (f.method === 0 && f.compressedSize !== f.size) {
      throw new HttpError(400, `zip entry ${quoteName(name)} has inconsistent sizes`);
    }
    if (name.endsWith('.json') && f.size > MAX_JSON_BYTES) {
      throw new HttpError(413, `zip entry ${quoteName(name)} is larger than ${MAX_JSON_BYTES} bytes`);
    }
    total += f.size;
    if (total > maxBytes) {
      throw new HttpError(413, `the zip's uncompressed contents exceed the ${maxBytes}-byte limit`);
    }
    names.add(name);
  }
  const out = new Map();
  for (const f of list) {
    try {
      out.set(f.name, readZipEntry(body, f, { maxBytes }));
    } catch (err) {
      if (err instanceof ZipError) throw new HttpError(400, `${err.message}; the upload was refused`);
      throw err;
    }
  }
  return out;
}

/**
 * Number of elements of a shape, or throws. Stops multiplying once past the limit.
 * @param {unknown} shape
 * @param {string} weightName
 */
function shapeElements(shape, weightName) {
  if (!Array.isArray(shape) || shape.length > 32) {
    throw new HttpError(400, `model.json: weight ${quoteName(weightName)} has an invalid shape`);
  }
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new HttpError(
        400,
        `model.json: weight ${quoteName(weightName)} has an invalid shape (dimensions must be non-negative integers)`,
      );
    }
  }
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > MAX_TOTAL_ELEMENTS) {
      throw new HttpError(400, `model.json: weights have more than ${MAX_TOTAL_ELEMENTS} elements in total`);
    }
  }
  return n;
}

/**
 * Checks model.json against the uploaded .bin files and returns it with the manifest's paths renamed
 * to weights-<n>.bin, plus the bytes to write under each new name.
 * @param {Map<string, Uint8Array>} entries
 * @returns {{ modelJson: string, weightFiles: { name: string, data: Uint8Array }[] }}
 */
export function validateModel(entries) {
  const raw = entries.get('model.json');
  if (!raw) throw new HttpError(400, 'the zip has no model.json');
  const model = parseJsonFile(raw, 'model.json');
  if (!isPlainObject(model)) throw new HttpError(400, 'model.json must be a JSON object');
  if (!isPlainObject(model.modelTopology) && !Array.isArray(model.modelTopology)) {
    throw new HttpError(400, 'model.json has no modelTopology');
  }
  if (!Array.isArray(model.weightsManifest)) throw new HttpError(400, 'model.json has no weightsManifest array');

  /** @type {Set<string>} */
  const used = new Set();
  /** @type {{ name: string, data: Uint8Array }[]} */
  const weightFiles = [];
  let totalElements = 0;

  const manifest = model.weightsManifest.map((/** @type {unknown} */ group, /** @type {number} */ gi) => {
    const where = `model.json: weightsManifest[${gi}]`;
    if (!isPlainObject(group)) throw new HttpError(400, `${where} must be an object`);
    if (!Array.isArray(group.paths) || group.paths.length === 0) {
      throw new HttpError(400, `${where}.paths must be a non-empty array`);
    }
    if (!Array.isArray(group.weights)) throw new HttpError(400, `${where}.weights must be an array`);

    let expected = 0;
    for (const w of group.weights) {
      if (!isPlainObject(w) || typeof w.name !== 'string' || w.name.length === 0) {
        throw new HttpError(400, `${where}.weights has an entry without a name`);
      }
      const dtype = w.dtype;
      if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
        throw new HttpError(400, `model.json: weight ${quoteName(w.name)} has an unsupported dtype`);
      }
      let bytes = DTYPE_BYTES[dtype];
      if (w.quantization !== undefined) {
        const q = w.quantization;
        if (!isPlainObject(q) || typeof q.dtype !== 'string' || !(q.dtype in DTYPE_BYTES)) {
          throw new HttpError(400, `model.json: weight ${quoteName(w.name)} has an unsupported quantization dtype`);
        }
        bytes = DTYPE_BYTES[q.dtype];
      }
      const n = shapeElements(w.shape, w.name);
      totalElements += n;
      if (totalElements > MAX_TOTAL_ELEMENTS) {
        throw new HttpError(400, `model.json: weights have more than ${MAX_TOTAL_ELEMENTS} elements in total`);
      }
      expected += n * bytes;
    }

    let actual = 0;
    const newPaths = group.paths.map((/** @type {unknown} */ p) => {
      if (typeof p !== 'string') throw new HttpError(400, `${where}.paths must contain strings`);
      const name = p.startsWith('./') ? p.slice(2) : p;
      const data = ZIP_BIN_PATTERN.test(name) ? entries.get(name) : undefined;
      if (!data) throw new HttpError(400, `model.json refers to weight file ${quoteName(p)}, which is not in the zip`);
      if (used.has(name)) throw new HttpError(400, `model.json refers to weight file ${quoteName(p)} more than once`);
      used.add(name);
      actual += data.length;
      const newName = `weights-${weightFiles.length + 1}.bin`;
      weightFiles.push({ name: newName, data });
      return newName;
    });
    if (actual !== expected) {
      throw new HttpError(
        400,
        `${where}: weight files hold ${actual} bytes but the listed weights need ${expected} bytes`,
      );
    }
    return { ...group, paths: newPaths };
  });

  for (const name of entries.keys()) {
    if (name.endsWith('.bin') && !used.has(name)) {
      throw new HttpError(400, `zip entry ${quoteName(name)} is not referenced by model.json`);
    }
  }
  return { modelJson: JSON.stringify({ ...model, weightsManifest: manifest }), weightFiles, topology: model.modelTopology };
}

/**
 * Checks metadata.json (Teachable Machine format) and returns it re-serialized.
 * @param {Map<string, Uint8Array>} entries
 */
export function validateMetadata(entries) {
  const raw = entries.get('metadata.json');
  if (!raw) throw new HttpError(400, 'the zip has no metadata.json');
  const meta = parseJsonFile(raw, 'metadata.json');
  if (!isPlainObject(meta)) throw new HttpError(400, 'metadata.json must be a JSON object');
  const labels = meta.labels;
  if (!Array.isArray(labels)) throw new HttpError(400, 'metadata.json must have a labels array');
  if (labels.length === 0) throw new HttpError(400, 'metadata.json: labels must not be empty');
  if (labels.length > MAX_LABELS) throw new HttpError(400, `metadata.json: more than ${MAX_LABELS} labels`);
  for (const l of labels) {
    if (typeof l !== 'string') throw new HttpError(400, 'metadata.json: every label must be a string');
    if (l.length > MAX_LABEL_LENGTH) {
      throw new HttpError(400, `metadata.json: a label is longer than ${MAX_LABEL_LENGTH} characters`);
    }
  }
  if (
    meta.imageSize !== undefined &&
    (!Number.isSafeInteger(meta.imageSize) || /** @type {number} */ (meta.imageSize) < 1 ||
      /** @type {number} */ (meta.imageSize) > MAX_IMAGE_SIZE)
  ) {
    throw new HttpError(400, `metadata.json: imageSize must be an integer from 1 to ${MAX_IMAGE_SIZE}`);
  }
  return JSON.stringify(meta);
}

/**
 * Everything an upload must pass; returns what is to be written.
 * @param {Uint8Array} body
 * @param {number} maxBytes
 */
export function checkUpload(body, maxBytes) {
  const entries = unzipUpload(body, maxBytes);
  const { modelJson, weightFiles, topology } = validateModel(entries);
  const budget = checkModelBudget(topology);
  if (!budget.ok) throw new HttpError(400, `model.json: ${budget.reason}`);
  const metadataJson = validateMetadata(entries);
  return { modelJson, metadataJson, weightFiles };
}
