#!/usr/bin/env node
// Serves the built studio (dist/) on localhost with the cross-origin-isolation headers that
// threaded WASM needs. `npm start` builds, then runs this. Tests import `startServer` directly.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

/** Resolves a URL path inside `root`, or null when it would escape it. */
function safeJoin(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = normalize(join(root, decoded));
  return full === root || full.startsWith(root + sep) ? full : null;
}

function fileAt(path) {
  try {
    const st = statSync(path);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}

/**
 * Starts the static server. `routes` lets callers (tests) mount extra folders: { '/prefix/': dir }.
 * Resolves to { server, port, url, close }.
 */
export function startServer({ root = 'dist', port = 5173, host = '127.0.0.1', routes = {}, handlers = [] } = {}) {
  const rootDir = resolve(root);
  const mounts = Object.entries(routes).map(([prefix, dir]) => [prefix, resolve(dir)]);
  const server = createServer((req, res) => {
    // API handlers (the share service) see every request first; each returns true if it answered.
    for (const handle of handlers) if (handle(req, res)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, SECURITY_HEADERS).end();
      return;
    }
    const url = req.url || '/';
    let base = rootDir;
    let rel = url;
    for (const [prefix, dir] of mounts) {
      if (url.startsWith(prefix)) {
        base = dir;
        rel = url.slice(prefix.length - 1);
        break;
      }
    }
    let path = safeJoin(base, rel);
    if (!path) {
      res.writeHead(400, SECURITY_HEADERS).end('bad path');
      return;
    }
    let st = fileAt(path);
    if (!st && base === rootDir && !extname(path)) {
      path = join(rootDir, 'index.html'); // single-page app fallback
      st = fileAt(path);
    }
    if (!st) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const type = MIME[extname(path).toLowerCase()] || 'application/octet-stream';
    const immutable = path.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Content-Length': st.size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolvePromise({
        server,
        port: actual,
        url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}/`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT || 5173);
  const { createShareService } = await import('../server/share-service.mjs');
  const share = createShareService();
  const { url } = await startServer({ port, host: process.env.HOST || '127.0.0.1', handlers: [share.handle] });
  console.log(`Finetune Studio is running at ${url.replace('127.0.0.1', 'localhost')}`);
  console.log(`Shared models are stored in ${process.env.STUDIO_SHARE_DIR || '.studio-shares'} (STUDIO_SHARE_DIR to change)`);
}
