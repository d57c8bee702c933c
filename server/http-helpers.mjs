// HTTP plumbing for the share service, kept apart from routing and validation: the error type
// whose message is safe to show, JSON replies with the security headers, a request body reader
// with a size cap and a deadline, and the "linger" that keeps reading a body already answered so
// the client reads the reply instead of a connection reset.

export const SECURITY_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

/** After an early reply, keep reading (and discarding) the body this long so the client sees the reply. */
export const LINGER_MS = 10_000;

export class HttpError extends Error {
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
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/**
 * Quotes a client-supplied name for an error message: JSON-quoted, control characters escaped, and
 * shortened so a hostile name cannot bloat the reply.
 * @param {string} name
 */
export function quoteName(name) {
  const short = name.length > 120 ? `${name.slice(0, 120)}…` : name;
  return JSON.stringify(short);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
export function sendJson(res, status, body, headers = {}) {
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
 * Keeps reading and discarding a request body; calls `onDone(finished)` once it ended (true) or the
 * limits were passed (false). The caller decides what to do with the socket then.
 * @param {import('node:http').IncomingMessage} req
 * @param {{ maxBytes: number, ms?: number, track?: Set<() => void> }} limits
 * @param {(finished: boolean) => void} onDone
 */
export function drain(req, { maxBytes, ms = LINGER_MS, track }, onDone) {
  if (req.complete || req.readableEnded || req.destroyed) {
    onDone(req.complete || req.readableEnded);
    return;
  }
  let discarded = 0;
  let settled = false;
  const finish = (/** @type {boolean} */ ok) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    track?.delete(abort);
    onDone(ok);
  };
  const abort = () => finish(false);
  const timer = setTimeout(abort, ms);
  timer.unref();
  track?.add(abort);
  req.on('data', (/** @type {Buffer} */ chunk) => {
    discarded += chunk.length;
    if (discarded > maxBytes) finish(false);
  });
  req.once('end', () => finish(true));
  req.once('close', () => finish(req.complete));
  req.on('error', () => finish(false));
  req.resume();
}

/**
 * Reads the body into memory: 413 as soon as more than maxBytes arrive, 408 when it has not all
 * arrived within `timeoutMs`.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} maxBytes
 * @param {number} timeoutMs
 * @returns {Promise<Buffer>}
 */
export function readBody(req, maxBytes, timeoutMs) {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(new HttpError(413, `the upload is larger than the ${maxBytes}-byte limit`));
  }
  return new Promise((resolvePromise, reject) => {
    /** @type {Buffer[]} */
    let chunks = [];
    let total = 0;
    let settled = false;
    const timer = setTimeout(() => {
      fail(new HttpError(408, `the upload did not arrive within ${Math.round(timeoutMs / 1000)} s`, { Connection: 'close' }));
    }, timeoutMs);
    timer.unref();
    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFail);
      req.off('close', onClose);
    };
    /** @param {HttpError} err */
    const fail = (err) => {
      if (settled) return;
      cleanup();
      chunks = [];
      reject(err);
    };
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      total += chunk.length;
      if (total > maxBytes) {
        fail(new HttpError(413, `the upload is larger than the ${maxBytes}-byte limit`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolvePromise(Buffer.concat(chunks, total));
    };
    const onFail = () => fail(new HttpError(400, 'the upload was interrupted'));
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
 * The page served at `/m/<id>`: a redirect to the built demo page (`/demo.html`, src/demo/), which
 * reads the model location from its URL fragment. Everything interpolated is escaped.
 * @param {string} id
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

