// Helpers for the share service's Node tests: a service on an ephemeral loopback port, bounded
// requests with raw paths, and small valid (and broken) model zips.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { zipSync, strToU8 } from 'fflate';
import { createShareService } from './share-service.mjs';

export const MAX_BYTES = 256 * 1024;
export const REQUEST_TIMEOUT_MS = 5000;

// ---------------------------------------------------------------------------------------------
// Helpers

/** @param {Partial<import('./share-service.mjs').ShareServiceOptions>} options */
export async function startService(options) {
  const svc = createShareService({ maxBytes: MAX_BYTES, onError: () => {}, ...options });
  const server = createServer((req, res) => {
    if (!svc.handle(req, res)) res.writeHead(418, { 'Content-Type': 'text/plain' }).end('not mine');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    svc,
    port,
    async stop() {
      svc.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}

/**
 * @typedef {{ status: number, headers: import('node:http').IncomingHttpHeaders, body: Buffer, text: string, json: () => any }} Res
 */

/**
 * One bounded HTTP request with a raw path (no URL normalization).
 * @param {number} port
 * @param {{ method?: string, path: string, headers?: Record<string, string>, body?: Uint8Array | string, timeout?: number }} opts
 * @returns {Promise<Res>}
 */
export function req(port, { method = 'GET', path, headers = {}, body, timeout = REQUEST_TIMEOUT_MS }) {
  return new Promise((resolvePromise, reject) => {
    const r = httpRequest(
      { host: '127.0.0.1', port, method, path, headers, agent: false, timeout },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: buf,
            text: buf.toString('utf8'),
            json: () => JSON.parse(buf.toString('utf8')),
          });
        });
      },
    );
    r.on('timeout', () => r.destroy(new Error(`request timed out: ${method} ${path}`)));
    r.on('error', reject);
    r.end(body === undefined ? undefined : Buffer.from(body));
  });
}

/** @param {number} port @param {Uint8Array} zip @param {string} [type] */
export function uploadZip(port, zip, type = 'application/zip') {
  return req(port, { method: 'POST', path: '/api/models', headers: { 'Content-Type': type }, body: zip });
}

/** Deterministic bytes. @param {number} n @param {number} seed */
export function bytes(n, seed) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

/**
 * A small valid export: group 1 (kernel [4,3] + bias [3], float32 = 60 bytes) split over two
 * shards, group 2 a uint8-quantized [5] weight (5 bytes) in one shard.
 */
export function validParts() {
  const model = {
    format: 'layers-model',
    generatedBy: 'test',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'seq',
        layers: [{ class_name: 'Dense', config: { name: 'dense', units: 3, activation: 'softmax', batch_input_shape: [null, 4] } }],
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
        weights: [
          { name: 'dense/kernel', shape: [4, 3], dtype: 'float32' },
          { name: 'dense/bias', shape: [3], dtype: 'float32' },
        ],
      },
      {
        paths: ['./group2-shard1of1.bin'],
        weights: [{ name: 'q', shape: [5], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: 0 } }],
      },
    ],
  };
  const metadata = { labels: ['cat', 'dog', 'bird'], imageSize: 224, tfjsVersion: '4.22.0' };
  /** @type {Record<string, Uint8Array>} */
  const bins = {
    'group1-shard1of2.bin': bytes(32, 1),
    'group1-shard2of2.bin': bytes(28, 2),
    'group2-shard1of1.bin': bytes(5, 3),
  };
  return { model, metadata, bins };
}

/** @param {{ model?: unknown, metadata?: unknown, bins?: Record<string, Uint8Array>, extra?: Record<string, Uint8Array>, raw?: Record<string, Uint8Array> }} parts */
export function makeZip({ model, metadata, bins = {}, extra = {}, raw }) {
  if (raw) return zipSync(raw);
  /** @type {Record<string, Uint8Array>} */
  const files = { ...bins, ...extra };
  if (model !== undefined) files['model.json'] = typeof model === 'string' ? strToU8(model) : strToU8(JSON.stringify(model));
  if (metadata !== undefined) {
    files['metadata.json'] = typeof metadata === 'string' ? strToU8(metadata) : strToU8(JSON.stringify(metadata));
  }
  return zipSync(files);
}

export function validZip() {
  return makeZip(validParts());
}

/**
 * Replaces every occurrence of an ASCII string of the same length inside a zip (names live in two headers).
 * @param {Uint8Array} zip @param {string} from @param {string} to
 */
export function patchName(zip, from, to) {
  assert.equal(from.length, to.length);
  const out = Uint8Array.from(zip);
  const f = Buffer.from(from);
  const t = Buffer.from(to);
  let i = 0;
  const buf = Buffer.from(out.buffer);
  while ((i = buf.indexOf(f, i)) !== -1) {
    t.copy(buf, i);
    i += t.length;
  }
  return out;
}

/** @param {Res} res @param {number} status @param {RegExp} [reason] */
export function assertError(res, status, reason) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.equal(typeof body.error, 'string');
  assert.ok(body.error.length > 0);
  if (reason) assert.match(body.error, reason);
  return body.error;
}

