// Share service: lets a studio user publish an exported image classifier so that anyone with the
// link can open a demo page and run it. The studio itself is a static, in-browser app; this small
// HTTP API is the only server-side state. It is mounted by scripts/serve.mjs next to the static
// files, and it exists as its own module so the upload path — the one place where untrusted bytes
// reach the disk — can be reasoned about and tested in isolation.
//
// Safety rules the code below keeps:
//   * Upload bodies are streamed with a hard cap (413 as soon as it is passed); zip entries are
//     listed and checked (names, duplicates, declared sizes) before anything is inflated.
//   * Nothing from the request ever becomes a path: files are written under server-chosen names
//     (model.json, metadata.json, weights-<n>.bin, owner.json) in a folder named by a random id.
//   * Reads check the id and file name against strict patterns before touching the file system,
//     and the resolved path must stay inside the storage folder.
//   * Delete tokens are shown once; only their SHA-256 is stored and compared in constant time.
//   * Error responses are JSON `{ error }` with a clear reason and never carry paths or stacks.
//
// Storage is just the directory, so shares survive restarts.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { unzipSync } from 'fflate';

/**
 * @typedef {object} RateLimitOptions
 * @property {number} windowMs Length of the fixed window, in milliseconds.
 * @property {number} max Mutating requests (POST/DELETE) allowed per client per window.
 */

/**
 * @typedef {object} ShareServiceOptions
 * @property {string} [dir] Storage folder (created on demand). Default: $STUDIO_SHARE_DIR or `.studio-shares`.
 * @property {number} [maxBytes] Cap on the upload body and on the total uncompressed size of its entries.
 *   Default: $STUDIO_SHARE_MAX_BYTES or 50 MiB.
 * @property {RateLimitOptions} [rateLimit] Per-client limit on POST and DELETE. Default 30 per minute.
 * @property {() => number} [now] Clock, for tests.
 * @property {(err: unknown) => void} [onError] Receives unexpected (500) errors. Default: console.error.
 */

/**
 * @typedef {object} ShareService
 * @property {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => boolean} handle
 *   Handles `/api/models…` and `/m/…` requests; returns false (and touches nothing) for any other URL.
 * @property {() => void} close Clears timers and drops connections still being drained.
 */

/** An id is 16 random bytes in base64url: exactly 22 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** The only names a stored share ever has that may be served. */
export const SERVED_FILE_PATTERN = /^(?:model\.json|metadata\.json|weights-[1-9][0-9]{0,3}\.bin)$/;
/** Weight file names accepted inside an uploaded zip (root level only). */
const ZIP_BIN_PATTERN = /^[A-Za-z0-9_.-]+\.bin$/;

const MAX_ZIP_ENTRIES = 1000;
const MAX_JSON_BYTES = 8 * 1024 * 1024;
const MAX_TOTAL_ELEMENTS = 50_000_000;
const MAX_LABELS = 1000;
const MAX_LABEL_LENGTH = 200;
const MAX_IMAGE_SIZE = 4096;
/** After an early rejection, keep reading (and discarding) the body this long so the client sees the reply. */
const LINGER_MS = 10_000;

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

const SECURITY_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

const ACCEPTED_UPLOAD_TYPES = new Set(['application/zip', 'application/x-zip-compressed']);

class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message Shown to the client, so it must not contain paths or internals.
   * @param {Record<string, string>} [headers]
   */
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/** @param {string} s */
function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/**
 * The page served at `/m/<id>`: a redirect to the built demo page (`/demo.html`, src/demo/), which
 * reads the model location from its URL fragment — `#model=<model.json URL>`, with metadata.json
 * taken from next to it. The `model-url` and `metadata-url` meta tags stay for other readers.
 * Everything interpolated is escaped, although ids are already restricted to [A-Za-z0-9_-].
 * @param {string} id
 * @returns {string}
 */
export function demoPageHtml(id) {
  const base = `/api/models/${encodeURIComponent(id)}`;
  const target = `/demo.html#model=${base}/model.json`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="model-url" content="${escapeHtml(`${base}/model.json`)}">
<meta name="metadata-url" content="${escapeHtml(`${base}/metadata.json`)}">
<meta http-equiv="refresh" content="${escapeHtml(`0; url=${target}`)}">
<title>Shared model · Finetune Studio</title>
</head>
<body>
<main id="demo-root" data-model-id="${escapeHtml(id)}">
<h1>Shared image classifier</h1>
<p><a href="${escapeHtml(target)}">Open the model demo</a></p>
</main>
</body>
</html>
`;
}

/**
 * Quotes a client-supplied name for an error message: JSON-quoted, control characters escaped, and
 * shortened so a hostile name cannot bloat the reply.
 * @param {string} name
 */
function quoteName(name) {
  const short = name.length > 120 ? `${name.slice(0, 120)}…` : name;
  return JSON.stringify(short);
}

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
 * Lists and checks the zip's entries without inflating anything, then inflates the accepted ones.
 * @param {Uint8Array} body
 * @param {number} maxBytes
 * @returns {Map<string, Uint8Array>}
 */
function unzipUpload(body, maxBytes) {
  /** @type {Map<string, number>} */
  const declared = new Map();
  let total = 0;
  /** @param {{ name: string, size: number, originalSize: number, compression: number }} f */
  const check = (f) => {
    const name = f.name;
    if (declared.size >= MAX_ZIP_ENTRIES) throw new HttpError(400, `zip has more than ${MAX_ZIP_ENTRIES} entries`);
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
    if (declared.has(name)) throw new HttpError(400, `zip entry ${quoteName(name)} appears more than once`);
    if (f.compression !== 0 && f.compression !== 8) {
      throw new HttpError(400, `zip entry ${quoteName(name)} uses an unsupported compression method`);
    }
    const size = f.originalSize;
    if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(f.size) || f.size < 0) {
      throw new HttpError(400, `zip entry ${quoteName(name)} has an invalid size`);
    }
    if (f.compression === 0 && f.size !== size) {
      throw new HttpError(400, `zip entry ${quoteName(name)} has inconsistent sizes`);
    }
    if (name.endsWith('.json') && size > MAX_JSON_BYTES) {
      throw new HttpError(413, `zip entry ${quoteName(name)} is larger than ${MAX_JSON_BYTES} bytes`);
    }
    total += size;
    if (total > maxBytes) {
      throw new HttpError(413, `the zip's uncompressed contents exceed the ${maxBytes}-byte limit`);
    }
    declared.set(name, size);
  };

  try {
    // Pass 1: names and declared sizes only (the filter refuses every entry, so nothing inflates).
    unzipSync(body, { filter: (f) => (check(f), false) });
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, 'the upload is not a valid zip archive');
  }

  /** @type {Record<string, Uint8Array>} */
  let files;
  try {
    // Pass 2: inflate. fflate inflates into a buffer of the declared size, so output cannot grow past it.
    files = unzipSync(body, { filter: (f) => declared.get(f.name) === f.originalSize });
  } catch {
    throw new HttpError(400, 'the upload is not a valid zip archive (an entry could not be decompressed)');
  }
  const out = new Map();
  for (const [name, size] of declared) {
    const data = files[name];
    if (!data || data.length !== size) {
      throw new HttpError(400, `zip entry ${quoteName(name)} is truncated or corrupt`);
    }
    out.set(name, data);
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
function validateModel(entries) {
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
  return { modelJson: JSON.stringify({ ...model, weightsManifest: manifest }), weightFiles };
}

/**
 * Checks metadata.json (Teachable Machine format) and returns it re-serialized.
 * @param {Map<string, Uint8Array>} entries
 */
function validateMetadata(entries) {
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

/** @param {string} token */
function sha256Hex(token) {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * @param {ShareServiceOptions} [options]
 * @returns {ShareService}
 */
export function createShareService({
  dir = process.env.STUDIO_SHARE_DIR || '.studio-shares',
  maxBytes = Number(process.env.STUDIO_SHARE_MAX_BYTES) || 50 * 1024 * 1024,
  rateLimit = { windowMs: 60_000, max: 30 },
  now = Date.now,
  onError = (err) => console.error('[share-service]', err),
} = {}) {
  const root = resolve(dir);
  const windowMs = Math.max(1, Number(rateLimit.windowMs) || 60_000);
  const maxRequests = Math.max(1, Number(rateLimit.max) || 30);

  /** @type {Map<string, { start: number, count: number }>} */
  const buckets = new Map();
  const sweep = setInterval(() => {
    const t = now();
    for (const [key, b] of buckets) if (t - b.start >= windowMs) buckets.delete(key);
  }, windowMs);
  sweep.unref();

  /** Stop functions of requests being drained after an early reply. */
  /** @type {Set<() => void>} */
  const lingering = new Set();
  let closed = false;

  // Remove leftovers of interrupted uploads/deletes (older than an hour, so a second live
  // instance on the same folder is not disturbed). Best effort.
  void (async () => {
    try {
      for (const e of await readdir(root, { withFileTypes: true })) {
        if (!e.isDirectory() || !/^\.(?:tmp|trash)-[0-9a-f]{32}$/.test(e.name)) continue;
        const p = join(root, e.name);
        const st = await lstat(p);
        if (now() - st.mtimeMs > 3_600_000) await rm(p, { recursive: true, force: true });
      }
    } catch {
      /* folder missing or unreadable: nothing to clean */
    }
  })();

  /** @param {import('node:http').IncomingMessage} req */
  function checkRateLimit(req) {
    const key = req.socket.remoteAddress || 'unknown';
    const t = now();
    let b = buckets.get(key);
    if (!b || t - b.start >= windowMs) {
      b = { start: t, count: 0 };
      buckets.set(key, b);
    }
    b.count += 1;
    if (b.count > maxRequests) {
      const retry = Math.max(1, Math.ceil((b.start + windowMs - t) / 1000));
      throw new HttpError(429, `too many requests; try again in ${retry} s`, { 'Retry-After': String(retry) });
    }
  }

  /**
   * Keeps reading and discarding a request body we already answered, so the client reads the reply
   * instead of a connection reset; gives up after LINGER_MS or once another maxBytes arrived.
   * @param {import('node:http').IncomingMessage} req
   */
  function linger(req) {
    if (req.complete || req.readableEnded || req.destroyed) return;
    let discarded = 0;
    const done = () => {
      clearTimeout(timer);
      lingering.delete(stop);
    };
    const stop = () => {
      done();
      req.socket.destroy();
    };
    const timer = setTimeout(stop, LINGER_MS);
    timer.unref();
    lingering.add(stop);
    req.on('data', (/** @type {Buffer} */ chunk) => {
      discarded += chunk.length;
      if (discarded > maxBytes) stop();
    });
    req.once('end', done);
    req.once('close', done);
    req.on('error', () => {});
    req.resume();
  }

  /**
   * @param {import('node:http').ServerResponse} res
   * @param {number} status
   * @param {unknown} body
   * @param {Record<string, string>} [headers]
   */
  function sendJson(res, status, body, headers = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(res.req?.method === 'HEAD' ? undefined : text);
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {unknown} err
   */
  function sendError(req, res, err) {
    let status = 500;
    let message = 'internal server error';
    /** @type {Record<string, string>} */
    let headers = {};
    if (err instanceof HttpError) {
      ({ status, message, headers } = err);
    } else {
      onError(err);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, status, { error: message }, headers);
    linger(req);
  }

  /**
   * Reads the body into memory, failing with 413 as soon as more than maxBytes arrive.
   * @param {import('node:http').IncomingMessage} req
   * @returns {Promise<Buffer>}
   */
  function readBody(req) {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      return Promise.reject(new HttpError(413, `the upload is larger than the ${maxBytes}-byte limit`));
    }
    return new Promise((resolvePromise, reject) => {
      /** @type {Buffer[]} */
      let chunks = [];
      let total = 0;
      let settled = false;
      const cleanup = () => {
        settled = true;
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onFail);
        req.off('close', onClose);
      };
      /** @param {Buffer} chunk */
      const onData = (chunk) => {
        total += chunk.length;
        if (total > maxBytes) {
          cleanup();
          chunks = [];
          reject(new HttpError(413, `the upload is larger than the ${maxBytes}-byte limit`));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        resolvePromise(Buffer.concat(chunks, total));
      };
      const onFail = () => {
        cleanup();
        reject(new HttpError(400, 'the upload was interrupted'));
      };
      const onClose = () => {
        if (!settled) onFail();
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onFail);
      req.on('close', onClose);
    });
  }

  /**
   * The folder of a share, or null when the id is malformed. Checked before any file-system access.
   * @param {string} id
   */
  function shareDir(id) {
    if (!ID_PATTERN.test(id)) return null;
    const p = resolve(root, id);
    return p.startsWith(root + sep) ? p : null;
  }

  /** @param {string} path */
  async function isFile(path) {
    try {
      const st = await lstat(path);
      return st.isFile() ? st : null;
    } catch {
      return null;
    }
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function upload(req, res) {
    checkRateLimit(req);
    const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    if (!ACCEPTED_UPLOAD_TYPES.has(type)) {
      throw new HttpError(415, 'expected Content-Type: application/zip (a zip of model.json, metadata.json and *.bin)');
    }
    const body = await readBody(req);
    if (body.length === 0) throw new HttpError(400, 'the upload is empty');
    const entries = unzipUpload(body, maxBytes);
    const { modelJson, weightFiles } = validateModel(entries);
    const metadataJson = validateMetadata(entries);

    const id = randomBytes(16).toString('base64url');
    const token = randomBytes(32).toString('base64url');
    const finalDir = shareDir(id);
    if (!finalDir) throw new Error('generated id failed validation');
    const tmpDir = join(root, `.tmp-${randomBytes(16).toString('hex')}`);
    await mkdir(root, { recursive: true });
    await mkdir(tmpDir);
    try {
      await writeFile(join(tmpDir, 'model.json'), modelJson, { flag: 'wx' });
      await writeFile(join(tmpDir, 'metadata.json'), metadataJson, { flag: 'wx' });
      for (const w of weightFiles) {
        if (!SERVED_FILE_PATTERN.test(w.name)) throw new Error('generated weight name failed validation');
        await writeFile(join(tmpDir, w.name), w.data, { flag: 'wx' });
      }
      const owner = { tokenSha256: sha256Hex(token), createdAt: new Date(now()).toISOString() };
      await writeFile(join(tmpDir, 'owner.json'), JSON.stringify(owner), { flag: 'wx', mode: 0o600 });
      await rename(tmpDir, finalDir);
    } catch (err) {
      await rm(tmpDir, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
    const url = `/m/${id}`;
    sendJson(
      res,
      201,
      { id, url, modelUrl: `/api/models/${id}/model.json`, deleteToken: token },
      { Location: url },
    );
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {string} id
   */
  async function remove(req, res, id) {
    checkRateLimit(req);
    const folder = shareDir(id);
    if (!folder) throw new HttpError(400, 'invalid model id');
    const auth = String(req.headers.authorization || '');
    const m = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i.exec(auth);
    if (!m) {
      throw new HttpError(401, 'missing delete token (send Authorization: Bearer <deleteToken>)', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    let owner;
    try {
      owner = JSON.parse(await readFile(join(folder, 'owner.json'), 'utf8'));
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') throw new HttpError(404, 'model not found');
      throw err;
    }
    const stored = typeof owner?.tokenSha256 === 'string' && /^[0-9a-f]{64}$/.test(owner.tokenSha256)
      ? Buffer.from(owner.tokenSha256, 'hex')
      : null;
    if (!stored) throw new Error('share owner record is unreadable');
    const given = Buffer.from(sha256Hex(m[1]), 'hex');
    if (!timingSafeEqual(given, stored)) throw new HttpError(403, 'wrong delete token');
    // Move out of the way first so the share disappears at once, then remove it.
    const trash = join(root, `.trash-${randomBytes(16).toString('hex')}`);
    try {
      await rename(folder, trash);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') throw new HttpError(404, 'model not found');
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
    res.writeHead(204, { ...SECURITY_HEADERS, 'Cache-Control': 'no-store' });
    res.end();
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {string} id
   * @param {string} name
   */
  async function serveFile(req, res, id, name) {
    const folder = shareDir(id);
    if (!folder) throw new HttpError(400, 'invalid model id');
    if (!SERVED_FILE_PATTERN.test(name)) throw new HttpError(404, 'file not found');
    const path = resolve(folder, name);
    if (!path.startsWith(folder + sep)) throw new HttpError(404, 'file not found');
    const st = await isFile(path);
    if (!st) throw new HttpError(404, (await isFile(join(folder, 'model.json'))) ? 'file not found' : 'model not found');
    const isBin = name.endsWith('.bin');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': isBin ? 'application/octet-stream' : 'application/json; charset=utf-8',
      'Content-Length': st.size,
      'Cache-Control': isBin ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {string} id
   */
  async function servePage(req, res, id) {
    const folder = shareDir(id);
    if (!folder) throw new HttpError(400, 'invalid model id');
    if (!(await isFile(join(folder, 'model.json')))) throw new HttpError(404, 'model not found');
    const html = demoPageHtml(id);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
      'Cache-Control': 'no-cache',
      'Referrer-Policy': 'same-origin',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  /**
   * @param {string} method
   * @param {string[]} allowed
   */
  function requireMethod(method, allowed) {
    if (!allowed.includes(method)) {
      throw new HttpError(405, `method ${method} is not allowed here`, { Allow: allowed.join(', ') });
    }
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @returns {boolean}
   */
  function handle(req, res) {
    const rawUrl = req.url || '/';
    const path = rawUrl.split(/[?#]/, 1)[0];
    const isApi = path === '/api/models' || path.startsWith('/api/models/');
    const isPage = path.startsWith('/m/');
    if (!isApi && !isPage) return false;

    const method = req.method || 'GET';
    const parts = path.split('/').slice(1); // ['api','models',...] or ['m', id, ...]
    /** @returns {Promise<void>} */
    const route = async () => {
      if (closed) throw new HttpError(503, 'the share service is shutting down');
      if (isPage) {
        if (parts.length !== 2) throw new HttpError(404, 'not found');
        requireMethod(method, ['GET', 'HEAD']);
        return servePage(req, res, parts[1]);
      }
      const rest = parts.slice(2);
      if (rest.length === 0) {
        requireMethod(method, ['POST']);
        return upload(req, res);
      }
      if (rest.length === 1) {
        requireMethod(method, ['DELETE']);
        return remove(req, res, rest[0]);
      }
      if (rest.length === 2) {
        requireMethod(method, ['GET', 'HEAD']);
        return serveFile(req, res, rest[0], rest[1]);
      }
      throw new HttpError(404, 'not found');
    };
    route().catch((err) => sendError(req, res, err));
    return true;
  }

  function close() {
    closed = true;
    clearInterval(sweep);
    for (const stop of [...lingering]) stop();
    buckets.clear();
  }

  return { handle, close };
}
