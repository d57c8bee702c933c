// Tests for the share service over real HTTP on loopback (ephemeral port, temp folder, no network).
// Run: node --test server/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { demoPageHtml } from './share-service.mjs';
import { assertError, bytes, MAX_BYTES, makeZip, patchName, REQUEST_TIMEOUT_MS, req, startService, uploadZip, validParts, validZip } from './test-helpers.mjs';

// ---------------------------------------------------------------------------------------------

let dir = '';
/** @type {Awaited<ReturnType<typeof startService>>} */
let main;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'share-service-test-'));
  main = await startService({ dir: join(dir, 'shares'), rateLimit: { windowMs: 60_000, max: 1000 } });
});

after(async () => {
  await main.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('upload → page → files (bytes equal) → delete with token → 404', async () => {
  const { port } = main;
  const parts = validParts();
  const up = await uploadZip(port, makeZip(parts));
  assert.equal(up.status, 201, up.text);
  const { id, url, deleteToken } = up.json();
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(url, `/m/${id}`);
  assert.equal(typeof deleteToken, 'string');
  assert.ok(deleteToken.length >= 40);

  // The token itself is not stored anywhere, only its hash.
  const owner = JSON.parse(
    (await import('node:fs')).readFileSync(join(dir, 'shares', id, 'owner.json'), 'utf8'),
  );
  assert.match(owner.tokenSha256, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(owner).includes(deleteToken));
  assert.ok(!Number.isNaN(Date.parse(owner.createdAt)));

  const page = await req(port, { path: url });
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.ok(page.text.includes(`<meta name="model-url" content="/api/models/${id}/model.json">`));
  // The page sends the browser on to the built demo page (demo.html), which reads the fragment.
  assert.ok(page.text.includes(`<meta http-equiv="refresh" content="0; url=/demo.html#model=/api/models/${id}/model.json">`));
  assert.ok(page.text.includes(`<a href="/demo.html#model=/api/models/${id}/model.json">`));
  assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');

  const modelRes = await req(port, { path: `/api/models/${id}/model.json` });
  assert.equal(modelRes.status, 200);
  assert.match(String(modelRes.headers['content-type']), /^application\/json/);
  assert.equal(modelRes.headers['cross-origin-resource-policy'], 'same-origin');
  assert.equal(modelRes.headers['cross-origin-embedder-policy'], 'require-corp');
  const model = modelRes.json();
  assert.deepEqual(model.modelTopology, parts.model.modelTopology);
  assert.equal(model.format, 'layers-model');
  assert.deepEqual(
    model.weightsManifest.map((/** @type {any} */ g) => g.paths),
    [['weights-1.bin', 'weights-2.bin'], ['weights-3.bin']],
  );
  assert.deepEqual(model.weightsManifest[1].weights, parts.model.weightsManifest[1].weights);

  const meta = await req(port, { path: `/api/models/${id}/metadata.json` });
  assert.equal(meta.status, 200);
  assert.deepEqual(meta.json(), parts.metadata);

  const originals = [parts.bins['group1-shard1of2.bin'], parts.bins['group1-shard2of2.bin'], parts.bins['group2-shard1of1.bin']];
  for (let i = 0; i < originals.length; i++) {
    const w = await req(port, { path: `/api/models/${id}/weights-${i + 1}.bin` });
    assert.equal(w.status, 200);
    assert.equal(w.headers['content-type'], 'application/octet-stream');
    assert.equal(w.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(w.headers['cross-origin-resource-policy'], 'same-origin');
    assert.deepEqual(new Uint8Array(w.body), originals[i]);
  }
  assertError(await req(port, { path: `/api/models/${id}/weights-4.bin` }), 404);
  // owner.json exists on disk but is never served; nor are names outside the allowlist.
  assertError(await req(port, { path: `/api/models/${id}/owner.json` }), 404);
  assertError(await req(port, { path: `/api/models/${id}/..%2fowner.json` }), 404);
  assertError(await req(port, { path: `/api/models/${id}/group1-shard1of2.bin` }), 404);

  const head = await req(port, { method: 'HEAD', path: `/api/models/${id}/weights-1.bin` });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '32');

  // Delete: missing token 401, wrong token 403, right token 204.
  assertError(await req(port, { method: 'DELETE', path: `/api/models/${id}` }), 401, /token/);
  assertError(
    await req(port, { method: 'DELETE', path: `/api/models/${id}`, headers: { Authorization: 'Basic abc' } }),
    401,
  );
  assertError(
    await req(port, { method: 'DELETE', path: `/api/models/${id}`, headers: { Authorization: 'Bearer nope' } }),
    403,
    /wrong delete token/,
  );
  const del = await req(port, {
    method: 'DELETE',
    path: `/api/models/${id}`,
    headers: { Authorization: `Bearer ${deleteToken}` },
  });
  assert.equal(del.status, 204);
  assert.equal(existsSync(join(dir, 'shares', id)), false);

  assertError(await req(port, { path: url }), 404, /not found/);
  assertError(await req(port, { path: `/api/models/${id}/model.json` }), 404);
  assertError(await req(port, { path: `/api/models/${id}/weights-1.bin` }), 404);
  assertError(
    await req(port, { method: 'DELETE', path: `/api/models/${id}`, headers: { Authorization: `Bearer ${deleteToken}` } }),
    404,
  );
  // No temp or trash folders are left behind.
  assert.deepEqual(readdirSync(join(dir, 'shares')).filter((n) => n.startsWith('.')), []);
});

test('ids are unique and unguessable', async () => {
  const a = (await uploadZip(main.port, validZip())).json();
  const b = (await uploadZip(main.port, validZip())).json();
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.deleteToken, b.deleteToken);
});

test('rejects a body that streams past the cap with 413, before the whole body is sent', async () => {
  const total = 64 * 1024 * 1024; // far more than the 256 KiB cap; we stop sending once answered
  const chunk = Buffer.alloc(16 * 1024, 7);
  const result = await new Promise((resolvePromise, reject) => {
    let sent = 0;
    let answered = false;
    const r = httpRequest(
      {
        host: '127.0.0.1',
        port: main.port,
        method: 'POST',
        path: '/api/models',
        headers: { 'Content-Type': 'application/zip', 'Transfer-Encoding': 'chunked' },
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        answered = true;
        const sentAtAnswer = sent;
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          r.destroy();
          resolvePromise({ status: res.statusCode, body: Buffer.concat(chunks).toString(), sentAtAnswer });
        });
      },
    );
    r.on('timeout', () => r.destroy(new Error('timed out')));
    r.on('error', (err) => {
      if (!answered) reject(err);
    });
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!r.write(chunk)) {
          r.once('drain', pump);
          return;
        }
      }
      if (!answered) r.end();
    };
    pump();
  });
  assert.equal(result.status, 413);
  assert.match(JSON.parse(result.body).error, /larger than/);
  assert.ok(result.sentAtAnswer < total, 'the server answered before the client finished sending');
});

test('rejects a declared Content-Length over the cap with 413 without reading it', async () => {
  const res = await uploadZip(main.port, new Uint8Array(MAX_BYTES + 1));
  assertError(res, 413, /larger than/);
});

test('rejects entries whose declared uncompressed size passes the cap (zip bomb) with 413', async () => {
  const parts = validParts();
  const zip = makeZip({ ...parts, extra: { 'zeros.bin': new Uint8Array(4 * MAX_BYTES) } });
  assert.ok(zip.length < MAX_BYTES, 'the compressed zip itself is small');
  assertError(await uploadZip(main.port, zip), 413, /uncompressed/);
});

test('rejects the wrong content type with 415', async () => {
  assertError(await uploadZip(main.port, validZip(), 'application/json'), 415, /application\/zip/);
  assertError(
    await req(main.port, { method: 'POST', path: '/api/models', body: validZip() }),
    415,
  );
});

test('rejects a body that is not a zip with 400', async () => {
  assertError(await uploadZip(main.port, strToU8('this is not a zip file at all')), 400, /not a valid zip/);
  assertError(await uploadZip(main.port, new Uint8Array(0)), 400, /empty/);
});

test('rejects unsafe, nested, extra and duplicate entry names, naming the entry', async () => {
  const parts = validParts();
  const cases = [
    ['../x.bin', /"\.\.\/x\.bin"/],
    ['a/b.bin', /"a\/b\.bin".*folder/],
    ['/abs.bin', /"\/abs\.bin".*absolute/],
    ['evil.html', /"evil\.html".*not allowed/],
    ['sub/', /"sub\/"/],
    ['x..bin', /"x\.\.bin"/],
  ];
  for (const [name, reason] of cases) {
    const zip = makeZip({ ...parts, extra: { [/** @type {string} */ (name)]: bytes(4, 9) } });
    assertError(await uploadZip(main.port, zip), 400, /** @type {RegExp} */ (reason));
  }
  // Duplicate names: build a zip with a.bin and b.bin, then rename b.bin to a.bin in both headers.
  const dup = patchName(makeZip({ ...parts, extra: { 'aaaa.bin': bytes(4, 1), 'bbbb.bin': bytes(4, 2) } }), 'bbbb.bin', 'aaaa.bin');
  assertError(await uploadZip(main.port, dup), 400, /"aaaa\.bin" appears more than once/);
});

test('rejects bad model.json', async () => {
  const p = validParts();
  const port = main.port;
  assertError(await uploadZip(port, makeZip({ ...p, model: '{ not json' })), 400, /model\.json is not valid JSON/);
  assertError(await uploadZip(port, makeZip({ ...p, model: undefined })), 400, /no model\.json/);
  assertError(await uploadZip(port, makeZip({ ...p, model: [] })), 400, /object/);
  assertError(
    await uploadZip(port, makeZip({ ...p, model: { ...p.model, modelTopology: undefined } })),
    400,
    /modelTopology/,
  );
  assertError(
    await uploadZip(port, makeZip({ ...p, model: { ...p.model, weightsManifest: {} } })),
    400,
    /weightsManifest/,
  );
  const badDtype = structuredClone(p.model);
  badDtype.weightsManifest[0].weights[0].dtype = 'complex64';
  assertError(await uploadZip(port, makeZip({ ...p, model: badDtype })), 400, /dtype/);
  const badShape = structuredClone(p.model);
  badShape.weightsManifest[0].weights[0].shape = [4, -3];
  assertError(await uploadZip(port, makeZip({ ...p, model: badShape })), 400, /shape/);
  const fracShape = structuredClone(p.model);
  fracShape.weightsManifest[0].weights[0].shape = [4, 1.5];
  assertError(await uploadZip(port, makeZip({ ...p, model: fracShape })), 400, /shape/);
});

test('rejects a manifest path with no .bin in the zip, and unreferenced .bin files', async () => {
  const p = validParts();
  const bins = { ...p.bins };
  delete bins['group1-shard2of2.bin'];
  assertError(await uploadZip(main.port, makeZip({ ...p, bins })), 400, /"group1-shard2of2\.bin", which is not in the zip/);
  assertError(
    await uploadZip(main.port, makeZip({ ...p, extra: { 'stray.bin': bytes(8, 1) } })),
    400,
    /"stray\.bin" is not referenced/,
  );
});

test('rejects a wrong byte count', async () => {
  const p = validParts();
  const short = { ...p, bins: { ...p.bins, 'group1-shard2of2.bin': bytes(27, 2) } };
  assertError(await uploadZip(main.port, makeZip(short)), 400, /59 bytes but the listed weights need 60 bytes/);
  // Quantized weights are counted with the quantization dtype: 5 × uint8 = 5 bytes, not 20.
  /** @type {any} */
  const asFloat = structuredClone(p.model);
  delete asFloat.weightsManifest[1].weights[0].quantization;
  assertError(await uploadZip(main.port, makeZip({ ...p, model: asFloat })), 400, /need 20 bytes/);
});

test('rejects huge shapes', async () => {
  const p = validParts();
  const huge = structuredClone(p.model);
  huge.weightsManifest[0].weights[0].shape = [100_000, 100_000];
  assertError(await uploadZip(main.port, makeZip({ ...p, model: huge })), 400, /more than 50000000 elements/);
  const many = structuredClone(p.model);
  many.weightsManifest[0].weights = Array.from({ length: 3 }, (_, i) => ({
    name: `w${i}`,
    shape: [20_000_000],
    dtype: 'uint8',
  }));
  assertError(await uploadZip(main.port, makeZip({ ...p, model: many })), 400, /elements in total/);
  const overflow = structuredClone(p.model);
  overflow.weightsManifest[0].weights[0].shape = [2 ** 52, 2 ** 52, 0];
  // A zero dimension makes it empty, so this is only a byte-count error, not an overflow.
  assertError(await uploadZip(main.port, makeZip({ ...p, model: overflow })), 400, /bytes/);
});

test('rejects bad metadata labels', async () => {
  const p = validParts();
  const port = main.port;
  assertError(await uploadZip(port, makeZip({ ...p, metadata: undefined })), 400, /no metadata\.json/);
  assertError(await uploadZip(port, makeZip({ ...p, metadata: 'nope{' })), 400, /metadata\.json is not valid JSON/);
  assertError(await uploadZip(port, makeZip({ ...p, metadata: { imageSize: 224 } })), 400, /labels array/);
  assertError(await uploadZip(port, makeZip({ ...p, metadata: { labels: 'cat,dog' } })), 400, /labels array/);
  assertError(await uploadZip(port, makeZip({ ...p, metadata: { labels: [] } })), 400, /empty/);
  assertError(await uploadZip(port, makeZip({ ...p, metadata: { labels: ['a', 3] } })), 400, /string/);
  assertError(
    await uploadZip(port, makeZip({ ...p, metadata: { labels: ['a', 'x'.repeat(201)] } })),
    400,
    /longer than 200/,
  );
  assertError(
    await uploadZip(port, makeZip({ ...p, metadata: { labels: Array.from({ length: 1001 }, (_, i) => `c${i}`) } })),
    400,
    /more than 1000 labels/,
  );
  assertError(await uploadZip(port, makeZip({ ...p, metadata: { labels: ['a'], imageSize: -1 } })), 400, /imageSize/);
});

test('rejects malformed ids and path traversal before touching the file system', async () => {
  const port = main.port;
  for (const path of [
    '/api/models/..%2f..%2fetc/passwd',
    '/api/models/..%2F..%2F..%2Fetc%2Fpasswd/model.json',
    '/api/models/short/model.json',
    '/api/models/AAAAAAAAAAAAAAAAAAAAA%2e/model.json',
    '/api/models/AAAAAAAAAAAAAAAAAAAAAAA/model.json',
    '/m/..%2f..%2fetc%2fpasswd',
    '/m/not-an-id',
  ]) {
    assertError(await req(port, { path }), 400, /invalid model id/);
  }
  for (const path of [
    '/api/models/../../etc/passwd',
    '/api/models/AAAAAAAAAAAAAAAAAAAAAA/..%2f..%2fetc%2fpasswd',
    '/api/models/AAAAAAAAAAAAAAAAAAAAAA/%2e%2e/model.json',
    '/m/AAAAAAAAAAAAAAAAAAAAAA',
    '/api/models/AAAAAAAAAAAAAAAAAAAAAA/model.json',
  ]) {
    const res = await req(port, { path });
    assertError(res, 404);
    assert.ok(!res.text.includes('passwd') && !res.text.includes(dir), `no path echoed for ${path}`);
  }
  assertError(
    await req(port, { method: 'DELETE', path: '/api/models/..%2f..%2fetc', headers: { Authorization: 'Bearer x' } }),
    400,
    /invalid model id/,
  );
  assertError(
    await req(port, {
      method: 'DELETE',
      path: '/api/models/AAAAAAAAAAAAAAAAAAAAAA',
      headers: { Authorization: 'Bearer x' },
    }),
    404,
  );
});

test('wrong methods get 405; other URLs are left to the caller', async () => {
  const port = main.port;
  const put = await req(port, { method: 'PUT', path: '/api/models', body: 'x' });
  assertError(put, 405);
  assert.equal(put.headers.allow, 'POST');
  assertError(await req(port, { path: '/api/models' }), 405);
  assertError(await req(port, { method: 'POST', path: '/api/models/AAAAAAAAAAAAAAAAAAAAAA/model.json' }), 405);
  assertError(await req(port, { method: 'POST', path: '/m/AAAAAAAAAAAAAAAAAAAAAA' }), 405);
  for (const path of ['/', '/index.html', '/api/modelsx', '/mx/abc', '/demo.js']) {
    const res = await req(port, { path });
    assert.equal(res.status, 418, path);
    assert.equal(res.text, 'not mine');
  }
});

test('demoPageHtml escapes what it interpolates', () => {
  const html = demoPageHtml('"><script>alert(1)</script>');
  assert.ok(!html.includes('<script>alert'));
  assert.ok(html.includes('&quot;&gt;&lt;script&gt;') || html.includes('%22%3E%3Cscript%3E'));
  // The id cannot add parameters to the demo page's fragment either.
  assert.ok(demoPageHtml('x&link=y').includes('/demo.html#model=/api/models/x%26link%3Dy/model.json'));
});
