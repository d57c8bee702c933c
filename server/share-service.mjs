// Share service: lets a studio user publish an exported image classifier so that anyone with the
// link can open a demo page and run it. The studio itself is a static, in-browser app; this small
// HTTP API is the only server-side state. It is mounted by scripts/serve.mjs next to the static
// files through `handle`, and it exists as its own module so the upload path — the one place where
// untrusted bytes reach the disk — can be reasoned about and tested in isolation.
//
// Kept on node:http rather than a framework (Fastify was weighed): the studio's server mounts it
// as one `handle(req, res)` among its static handlers, the limits it needs are few and each is
// tested here, and the hard parts (unzipping off the event loop, bounded inflate, the model
// budget, quota and expiry) are ours either way.
//
// Safety rules:
//   * Upload bodies are streamed with a hard cap (413) and a deadline (408); uploads are limited in
//     flight per client (429) and in total (503), in count per client per day (429), and by the
//     storage quota (507). Shares expire (default 30 days; the upload answer says when).
//   * The zip is checked in a worker thread (upload-worker.mjs): names, declared sizes, each entry
//     inflated by the bounded reader (lying sizes and CRCs refused), the weight manifest against
//     the bytes, and the model's compute budget, before anything is written.
//   * Nothing from the request ever becomes a path; reads check id and file name against strict
//     patterns. Delete tokens are shown once; only their SHA-256 is stored, compared in constant time.
//   * Error responses are JSON `{ error }` with a clear reason and never carry paths or stacks.
//   * A rejected body is answered at once, then the connection is half-closed and the rest of the
//     body read and discarded (up to a time limit), so every client reads the 413 instead of a reset.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { demoPageHtml, drain, HttpError, readBody, SECURITY_HEADERS, sendJson } from './http-helpers.mjs';
import { checkInWorker } from './upload-check.mjs';
import { createShareStore, ID_PATTERN, SERVED_FILE_PATTERN } from './share-store.mjs';

export { demoPageHtml, ID_PATTERN, SERVED_FILE_PATTERN };

const DAY_MS = 86_400_000;
const ACCEPTED_UPLOAD_TYPES = new Set(['application/zip', 'application/x-zip-compressed']);

/**
 * @typedef {object} ShareServiceOptions
 * @property {string} [dir] Storage folder. Default: $STUDIO_SHARE_DIR or `.studio-shares`.
 * @property {number} [maxBytes] Cap on the upload body and on its uncompressed entries. $STUDIO_SHARE_MAX_BYTES, 50 MiB.
 * @property {{ windowMs: number, max: number }} [rateLimit] Per-client POST/DELETE requests per window. Default 30 per minute.
 * @property {number} [bodyTimeoutMs] Deadline for a whole upload body. $STUDIO_SHARE_BODY_TIMEOUT_MS, 30 s.
 * @property {number} [uploadsPerClient] Uploads in flight per client. $STUDIO_SHARE_UPLOADS_PER_CLIENT, 2.
 * @property {number} [uploadsTotal] Uploads in flight in all. $STUDIO_SHARE_UPLOADS_TOTAL, 8.
 * @property {number} [quotaBytes] Storage for all shares. $STUDIO_SHARE_QUOTA_BYTES, 5 GiB.
 * @property {number} [expiryDays] Days a share lives. $STUDIO_SHARE_EXPIRY_DAYS, 30.
 * @property {number} [sharesPerClientPerDay] New shares per client per 24 h. $STUDIO_SHARE_PER_CLIENT_DAY, 50.
 * @property {number} [checkTimeoutMs] Time the worker may spend checking one upload. 20 s.
 * @property {() => number} [now] Clock, for tests.
 * @property {(err: unknown) => void} [onError] Receives unexpected (500) errors. Default: console.error.
 * @property {(event: { stage: 'check-start' } | { stage: 'check-done', ok: boolean, ms: number }) => void} [onUpload] Observes uploads (tests).
 */

/** @param {string | undefined} v @param {number} fallback */
const envNumber = (v, fallback) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : fallback);
const env = process.env;

/** @param {string} token */
const sha256Hex = (token) => createHash('sha256').update(token, 'utf8').digest('hex');

/** @param {import('node:http').IncomingMessage} req */
const clientOf = (req) => req.socket.remoteAddress || 'unknown';

/**
 * @param {ShareServiceOptions} [options]
 */
export function createShareService({
  dir = env.STUDIO_SHARE_DIR || '.studio-shares',
  maxBytes = envNumber(env.STUDIO_SHARE_MAX_BYTES, 50 * 1024 * 1024),
  rateLimit = { windowMs: 60_000, max: 30 },
  bodyTimeoutMs = envNumber(env.STUDIO_SHARE_BODY_TIMEOUT_MS, 30_000),
  uploadsPerClient = envNumber(env.STUDIO_SHARE_UPLOADS_PER_CLIENT, 2),
  uploadsTotal = envNumber(env.STUDIO_SHARE_UPLOADS_TOTAL, 8),
  quotaBytes = envNumber(env.STUDIO_SHARE_QUOTA_BYTES, 5 * 1024 ** 3),
  expiryDays = envNumber(env.STUDIO_SHARE_EXPIRY_DAYS, 30),
  sharesPerClientPerDay = envNumber(env.STUDIO_SHARE_PER_CLIENT_DAY, 50),
  checkTimeoutMs = 20_000,
  now = Date.now,
  onError = (err) => console.error('[share-service]', err),
  onUpload = () => {},
} = {}) {
  const store = createShareStore({ dir, expiryMs: expiryDays * DAY_MS, now });
  const ready = store.load().catch(onError);
  const windowMs = Math.max(1, Number(rateLimit.windowMs) || 60_000);
  const maxRequests = Math.max(1, Number(rateLimit.max) || 30);

  /** @type {Map<string, { start: number, count: number }>} */
  const buckets = new Map();
  /** @type {Map<string, { start: number, count: number }>} */
  const daily = new Map();
  /** @type {Map<string, number>} */
  const inFlight = new Map();
  let inFlightTotal = 0;
  let reservedBytes = 0;
  const timers = [
    setInterval(() => {
      const t = now();
      for (const [key, b] of buckets) if (t - b.start >= windowMs) buckets.delete(key);
      for (const [key, b] of daily) if (t - b.start >= DAY_MS) daily.delete(key);
    }, windowMs),
    setInterval(() => void store.sweep().catch(onError), 3_600_000),
  ];
  for (const t of timers) t.unref();
  /** @type {Set<() => void>} */
  const lingering = new Set();
  /** @type {Set<import('node:worker_threads').Worker>} */
  const workers = new Set();
  let closed = false;

  /** @param {Map<string, { start: number, count: number }>} map @param {string} key @param {number} window */
  function bucket(map, key, window) {
    const t = now();
    let b = map.get(key);
    if (!b || t - b.start >= window) map.set(key, (b = { start: t, count: 0 }));
    return b;
  }

  /** @param {import('node:http').IncomingMessage} req */
  function checkRateLimit(req) {
    const b = bucket(buckets, clientOf(req), windowMs);
    b.count += 1;
    if (b.count > maxRequests) {
      const retry = Math.max(1, Math.ceil((b.start + windowMs - now()) / 1000));
      throw new HttpError(429, `too many requests; try again in ${retry} s`, { 'Retry-After': String(retry) });
    }
  }

  /**
   * Answers an error. A body still arriving is drained first for clients that close after this
   * request (so they read the reply), else drained after the reply (keep-alive clients see it early).
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {unknown} err
   */
  function sendError(req, res, err) {
    let status = 500;
    let message = 'internal server error';
    /** @type {Record<string, string>} */
    let headers = {};
    if (err instanceof HttpError) ({ status, message, headers } = err);
    else onError(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const pending = !(req.complete || req.readableEnded || req.destroyed);
    if (pending) {
      // The body is still arriving: answer now, then only half-close (FIN) and keep reading and
      // discarding it, so a client that writes its whole body before reading still finds the reply.
      // Node's default for a closing response destroys the socket with the body unread, which
      // resets the connection and loses the reply (EPIPE / ECONNRESET on the client).
      const sock = req.socket;
      sock.destroySoon = () => {
        if (sock.writable) sock.end();
      };
      headers = { ...headers, Connection: 'close' };
    }
    sendJson(res, status, { error: message }, headers);
    if (pending) drain(req, { maxBytes: 64 * maxBytes, track: lingering }, (finished) => finished || req.socket.destroy());
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function upload(req, res) {
    checkRateLimit(req);
    const client = clientOf(req);
    const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    if (!ACCEPTED_UPLOAD_TYPES.has(type)) {
      throw new HttpError(415, 'expected Content-Type: application/zip (a zip of model.json, metadata.json and *.bin)');
    }
    const day = bucket(daily, client, DAY_MS);
    if (day.count >= sharesPerClientPerDay) {
      const retry = Math.max(1, Math.ceil((day.start + DAY_MS - now()) / 1000));
      throw new HttpError(429, `this client has made ${sharesPerClientPerDay} shares in the last 24 hours, the most allowed; try again later`, { 'Retry-After': String(retry) });
    }
    if ((inFlight.get(client) ?? 0) >= uploadsPerClient) {
      throw new HttpError(429, `this client already has ${uploadsPerClient} uploads in progress; wait for one to finish`, { 'Retry-After': '5' });
    }
    if (inFlightTotal >= uploadsTotal) {
      throw new HttpError(503, `the share service is handling ${uploadsTotal} uploads already; try again shortly`, { 'Retry-After': '5' });
    }
    inFlight.set(client, (inFlight.get(client) ?? 0) + 1);
    inFlightTotal++;
    let reserved = 0;
    try {
      const body = await readBody(req, maxBytes, bodyTimeoutMs);
      if (body.length === 0) throw new HttpError(400, 'the upload is empty');
      await ready;
      const checked = await checkInWorker(body, { maxBytes, timeoutMs: checkTimeoutMs, workers, onUpload });
      let size = Buffer.byteLength(checked.modelJson) + Buffer.byteLength(checked.metadataJson);
      for (const w of checked.weightFiles) size += w.data.length;
      if (store.usedBytes + reservedBytes + size > quotaBytes) {
        throw new HttpError(507, `the share service's storage is full (its ${quotaBytes}-byte quota would be passed); try again after older shares expire`);
      }
      reservedBytes += reserved = size;
      const token = randomBytes(32).toString('base64url');
      const { id, expiresAt } = await store.writeShare({ ...checked, tokenSha256: sha256Hex(token) });
      day.count++;
      const url = `/m/${id}`;
      sendJson(
        res,
        201,
        { id, url, modelUrl: `/api/models/${id}/model.json`, deleteToken: token, expiresAt: new Date(expiresAt).toISOString() },
        { Location: url },
      );
    } finally {
      reservedBytes -= reserved;
      inFlightTotal--;
      const n = (inFlight.get(client) ?? 1) - 1;
      if (n <= 0) inFlight.delete(client);
      else inFlight.set(client, n);
    }
  }

  /**
   * The share's folder when it exists and has not expired; 404/410 otherwise.
   * @param {string} id
   */
  async function liveShare(id) {
    const folder = store.shareDir(id);
    if (!folder) throw new HttpError(400, 'invalid model id');
    await ready;
    const info = store.info(id);
    if (!info) throw new HttpError(404, 'model not found');
    if (info.expiresAt <= now()) {
      void store.removeShare(id).catch(onError);
      throw new HttpError(410, `this shared model expired on ${new Date(info.expiresAt).toISOString().slice(0, 10)}`);
    }
    return folder;
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {string} id
   */
  async function remove(req, res, id) {
    checkRateLimit(req);
    const folder = await liveShare(id);
    const m = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i.exec(String(req.headers.authorization || ''));
    if (!m) {
      throw new HttpError(401, 'missing delete token (send Authorization: Bearer <deleteToken>)', { 'WWW-Authenticate': 'Bearer' });
    }
    let owner;
    try {
      owner = JSON.parse(await readFile(join(folder, 'owner.json'), 'utf8'));
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') throw new HttpError(404, 'model not found');
      throw err;
    }
    const stored = typeof owner?.tokenSha256 === 'string' && /^[0-9a-f]{64}$/.test(owner.tokenSha256) ? Buffer.from(owner.tokenSha256, 'hex') : null;
    if (!stored) throw new Error('share owner record is unreadable');
    if (!timingSafeEqual(Buffer.from(sha256Hex(m[1]), 'hex'), stored)) throw new HttpError(403, 'wrong delete token');
    if (!(await store.removeShare(id))) throw new HttpError(404, 'model not found');
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
    if (!store.shareDir(id)) throw new HttpError(400, 'invalid model id');
    if (!SERVED_FILE_PATTERN.test(name)) throw new HttpError(404, 'file not found');
    const folder = await liveShare(id);
    const path = resolve(folder, name);
    if (!path.startsWith(folder + sep)) throw new HttpError(404, 'file not found');
    const st = await lstat(path).catch(() => null);
    if (!st?.isFile()) throw new HttpError(404, 'file not found');
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
    await liveShare(id);
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

  /** @param {string} method @param {string[]} allowed */
  function requireMethod(method, allowed) {
    if (!allowed.includes(method)) throw new HttpError(405, `method ${method} is not allowed here`, { Allow: allowed.join(', ') });
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @returns {boolean}
   */
  function handle(req, res) {
    const path = (req.url || '/').split(/[?#]/, 1)[0];
    const isApi = path === '/api/models' || path.startsWith('/api/models/');
    const isPage = path.startsWith('/m/');
    const isHealth = path === '/api/health';
    if (!isApi && !isPage && !isHealth) return false;
    const method = req.method || 'GET';
    const parts = path.split('/').slice(1); // ['api','models',...] or ['m', id, ...]
    const route = async () => {
      if (closed) throw new HttpError(503, 'the share service is shutting down');
      if (isHealth) {
        requireMethod(method, ['GET', 'HEAD']);
        return sendJson(res, 200, { ok: true, shares: store.count, usedBytes: store.usedBytes, quotaBytes, uploadsInFlight: inFlightTotal });
      }
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
    for (const t of timers) clearInterval(t);
    for (const stop of [...lingering]) stop();
    for (const w of workers) void w.terminate();
    buckets.clear();
  }

  return { handle, close, ready };
}
