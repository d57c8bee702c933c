// The share service's limits over real HTTP on loopback: rate limit, storage quota (507), expiry
// (410), uploads in flight per client (429) and in total (503), shares per client per day, the body
// deadline (408), the 413 reaching a Connection: close client, and a lying zip refused in a worker
// thread while other requests go on. Also restarts and internal errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgeZip, deflatedZeros } from '../scripts/zip-forge.mjs';
import { assertError, bytes, MAX_BYTES, makeZip, req, startService, uploadZip, validParts, validZip } from './test-helpers.mjs';

let dir = '';
let n = 0;
const fresh = () => join(dir, `s${++n}`);
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'share-limits-test-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Sends raw bytes on a new loopback connection and resolves with everything the server sent back
 * (write errors are ignored: the point is what the client can read).
 * @param {number} port @param {string} head @param {Buffer} [body] @param {{ holdOpenMs?: number }} [o]
 */
function raw(port, head, body, o = {}) {
  return new Promise((resolvePromise) => {
    const chunks = [];
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('data', (c) => chunks.push(c));
    const done = () => resolvePromise(Buffer.concat(chunks).toString('latin1'));
    s.on('close', done);
    s.setTimeout(15_000, () => s.destroy());
    s.write(head);
    if (body) {
      let at = 0;
      const pump = () => {
        while (at < body.length) {
          const ok = s.write(body.subarray(at, at + 16384));
          at += 16384;
          if (!ok) return void s.once('drain', pump);
        }
        if (!o.holdOpenMs) s.end();
      };
      pump();
    }
  });
}

/** @param {number} bytesLength */
const uploadHead = (bytesLength, extra = '') =>
  `POST /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/zip\r\nContent-Length: ${bytesLength}\r\n${extra}\r\n`;

test('a zip whose weights declare 32 bytes but inflate to 1 GiB is refused by name in a worker while a GET is answered first', async () => {
  const { model, metadata, bins } = validParts();
  const zip = forgeZip([
    { name: 'model.json', data: Buffer.from(JSON.stringify(model)) },
    { name: 'metadata.json', data: Buffer.from(JSON.stringify(metadata)) },
    { name: 'group1-shard1of2.bin', raw: deflatedZeros(1024), size: 32, crc: 0 },
    { name: 'group1-shard2of2.bin', data: bins['group1-shard2of2.bin'] },
    { name: 'group2-shard1of1.bin', data: bins['group2-shard1of1.bin'] },
  ]);
  assert.ok(zip.length < 1_100_000, `the upload is small (${zip.length} bytes)`);
  const order = [];
  /** @type {Promise<unknown> | null} */
  let get = null;
  const checks = [];
  const svc = await startService({
    dir: fresh(),
    maxBytes: 4 * 1024 * 1024,
    onUpload: (e) => {
      checks.push(e);
      if (e.stage === 'check-start') get = req(svc.port, { path: '/api/health' }).then((r) => order.push(`get ${r.status}`));
    },
  });
  try {
    const up = await uploadZip(svc.port, zip).then((r) => (order.push(`upload ${r.status}`), r));
    await get;
    assertError(up, 400, /zip entry "group1-shard1of2\.bin" inflates to more than the 32 bytes it declares/);
    assert.deepEqual(order, ['get 200', 'upload 400']);
    const done = checks.find((c) => c.stage === 'check-done');
    console.log(`lying zip: ${zip.length} bytes uploaded, refused after ${done.ms.toFixed(1)} ms in the worker`);
    assert.equal((await req(svc.port, { path: '/api/health' })).json().shares, 0);
  } finally {
    await svc.stop();
  }
});

/**
 * A client that writes its whole request (Connection: close, Content-Length) before it reads
 * anything, as many simple clients do. Resolves with the start of what it could read afterwards,
 * or the error it got (a server that hangs up on an unread body resets the connection, and the
 * reply is lost with it).
 * @param {number} port @param {Buffer} body
 */
function writeThenRead(port, body) {
  return new Promise((resolvePromise) => {
    const s = connect(port, '127.0.0.1');
    s.pause();
    let err = '';
    const chunks = [];
    s.on('error', (e) => (err ||= /** @type {NodeJS.ErrnoException} */ (e).code ?? e.message));
    s.setTimeout(20_000, () => s.destroy());
    s.write(uploadHead(body.length, 'Connection: close\r\n'));
    s.end(body, () => {
      s.on('data', (c) => chunks.push(c));
      s.resume();
    });
    s.on('close', () => resolvePromise(Buffer.concat(chunks).toString('latin1').slice(0, 4000) || `nothing (${err})`));
  });
}

test('a 413 reaches a Connection: close client that writes its whole 5 MB body before reading, 20 of 20 times', async () => {
  const svc = await startService({ dir: fresh() });
  try {
    const body = Buffer.alloc(20 * MAX_BYTES, 7);
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await writeThenRead(svc.port, body));
    const ok = answers.filter((a) => /^HTTP\/1\.1 413 [^]*byte limit/.test(a));
    assert.equal(ok.length, 20, `answers: ${[...new Set(answers.map((a) => a.slice(0, 30)))].join(' | ')}`);
  } finally {
    await svc.stop();
  }
});

test('the server checks the topology against the compute budget before storing anything', async () => {
  const svc = await startService({ dir: fresh() });
  try {
    const parts = validParts();
    parts.model.modelTopology = {
      class_name: 'Sequential',
      config: {
        name: 'seq',
        layers: [
          { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 32, 32, 3] } },
          ...[1, 2, 3, 4, 5].map((i) => ({ class_name: 'UpSampling2D', config: { name: `up${i}`, size: [4, 4] } })),
        ],
      },
    };
    assertError(await uploadZip(svc.port, makeZip(parts)), 400, /layer 'up4' \(UpSampling2D\) would output 8192 × 8192 × 3 = 201,326,592 values per image/);
    assert.equal((await req(svc.port, { path: '/api/health' })).json().shares, 0);
  } finally {
    await svc.stop();
  }
});

test('storage quota: 507 with a clear reason once a share would pass it; room again after a delete', async () => {
  const probe = await startService({ dir: fresh() });
  const first = await uploadZip(probe.port, validZip());
  const size = (await req(probe.port, { path: '/api/health' })).json().usedBytes;
  await probe.stop();
  assert.equal(first.status, 201);
  const svc = await startService({ dir: fresh(), quotaBytes: size * 2 + 10 });
  try {
    const a = await uploadZip(svc.port, validZip());
    const b = await uploadZip(svc.port, validZip());
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assertError(await uploadZip(svc.port, validZip()), 507, /storage is full/);
    const del = await req(svc.port, { method: 'DELETE', path: `/api/models/${a.json().id}`, headers: { Authorization: `Bearer ${a.json().deleteToken}` } });
    assert.equal(del.status, 204);
    assert.equal((await uploadZip(svc.port, validZip())).status, 201);
  } finally {
    await svc.stop();
  }
});

test('expiry: the upload answer says when (30 days by default); after that the share answers 410 and is removed', async () => {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const svc = await startService({ dir: fresh(), now: () => t });
  try {
    const up = await uploadZip(svc.port, validZip());
    assert.equal(up.status, 201);
    const { id, expiresAt } = up.json();
    assert.equal(expiresAt, '2026-01-31T00:00:00.000Z');
    t = Date.parse('2026-01-30T23:59:00Z');
    assert.equal((await req(svc.port, { path: `/api/models/${id}/model.json` })).status, 200);
    t = Date.parse('2026-01-31T00:00:01Z');
    assertError(await req(svc.port, { path: `/m/${id}` }), 410, /expired on 2026-01-31/);
    assertError(await req(svc.port, { path: `/api/models/${id}/model.json` }), 404);
    assert.equal((await req(svc.port, { path: '/api/health' })).json().shares, 0);
  } finally {
    await svc.stop();
  }
});

test('uploads in flight: 429 past the per-client limit, 503 past the total; a stalled body gets 408', async () => {
  const stalled = (/** @type {number} */ port) => raw(port, uploadHead(1000), Buffer.alloc(10), { holdOpenMs: 1 });
  for (const [opts, status, reason] of [
    [{ uploadsPerClient: 1, uploadsTotal: 10 }, 429, /already has 1 uploads in progress/],
    [{ uploadsPerClient: 10, uploadsTotal: 1 }, 503, /handling 1 uploads already/],
  ]) {
    const svc = await startService({ dir: fresh(), bodyTimeoutMs: 1500, ...opts });
    try {
      const first = stalled(svc.port);
      await new Promise((r) => setTimeout(r, 200));
      while ((await req(svc.port, { path: '/api/health' })).json().uploadsInFlight < 1) await new Promise((r) => setTimeout(r, 50));
      const second = await uploadZip(svc.port, validZip());
      assertError(second, status, reason);
      assert.ok(second.headers['retry-after']);
      assert.match(await first, /^HTTP\/1\.1 408 [^]*did not arrive within 2 s/);
      assert.equal((await uploadZip(svc.port, validZip())).status, 201);
    } finally {
      await svc.stop();
    }
  }
});

test('shares per client per day: 429 past the limit, allowed again a day later', async () => {
  let t = Date.parse('2026-03-01T00:00:00Z');
  const svc = await startService({ dir: fresh(), sharesPerClientPerDay: 2, now: () => t });
  try {
    assert.equal((await uploadZip(svc.port, validZip())).status, 201);
    assert.equal((await uploadZip(svc.port, validZip())).status, 201);
    const third = await uploadZip(svc.port, validZip());
    assertError(third, 429, /made 2 shares in the last 24 hours/);
    t += 86_400_000 + 1000;
    assert.equal((await uploadZip(svc.port, validZip())).status, 201);
  } finally {
    await svc.stop();
  }
});

test('rate limit: 429 with Retry-After after max POST/DELETE requests per window; GETs are not limited', async () => {
  let clock = 1_000_000;
  const svc = await startService({
    dir: join(dir, 'rate'),
    rateLimit: { windowMs: 10_000, max: 3 },
    now: () => clock,
  });
  try {
    const up = await uploadZip(svc.port, validZip());
    assert.equal(up.status, 201);
    const { id } = up.json();
    const delBad = () =>
      req(svc.port, { method: 'DELETE', path: `/api/models/${id}`, headers: { Authorization: 'Bearer wrong' } });
    assert.equal((await delBad()).status, 403);
    assert.equal((await delBad()).status, 403);
    const limited = await delBad();
    assertError(limited, 429, /too many requests/);
    assert.equal(limited.headers['retry-after'], '10');
    clock += 4_000;
    const limitedPost = await uploadZip(svc.port, validZip());
    assertError(limitedPost, 429);
    assert.equal(limitedPost.headers['retry-after'], '6');
    // X-Forwarded-For does not buy a fresh bucket.
    const spoofed = await req(svc.port, {
      method: 'DELETE',
      path: `/api/models/${id}`,
      headers: { Authorization: 'Bearer wrong', 'X-Forwarded-For': '203.0.113.9' },
    });
    assert.equal(spoofed.status, 429);
    // Reads are never limited.
    for (let i = 0; i < 5; i++) assert.equal((await req(svc.port, { path: `/api/models/${id}/model.json` })).status, 200);
    clock += 6_000; // the window is over
    assert.equal((await delBad()).status, 403);
  } finally {
    await svc.stop();
  }
});

test('shares persist across restarts and can still be deleted', async () => {
  const shareDir = fresh();
  const first = await startService({ dir: shareDir });
  const up = await uploadZip(first.port, validZip());
  assert.equal(up.status, 201);
  const { id, deleteToken } = up.json();
  await first.stop();

  const second = await startService({ dir: shareDir });
  try {
    assert.equal((await req(second.port, { path: `/m/${id}` })).status, 200);
    const w = await req(second.port, { path: `/api/models/${id}/weights-3.bin` });
    assert.deepEqual(new Uint8Array(w.body), bytes(5, 3));
    const del = await req(second.port, {
      method: 'DELETE',
      path: `/api/models/${id}`,
      headers: { Authorization: `Bearer ${deleteToken}` },
    });
    assert.equal(del.status, 204);
    assertError(await req(second.port, { path: `/m/${id}` }), 404);
  } finally {
    await second.stop();
  }
});

test('internal errors are 500 JSON without paths or stacks', async () => {
  const blocker = join(dir, 'not-a-folder');
  writeFileSync(blocker, 'x');
  /** @type {unknown[]} */
  const logged = [];
  const svc = await startService({ dir: join(blocker, 'shares'), onError: (e) => logged.push(e) });
  try {
    const res = await uploadZip(svc.port, validZip());
    const error = assertError(res, 500);
    assert.equal(error, 'internal server error');
    assert.ok(!res.text.includes(dir));
    assert.equal(logged.length, 1);
  } finally {
    await svc.stop();
  }
});
