// A bounded soak of the share service on loopback: 4 concurrent clients make 200 mixed uploads,
// downloads and deletes (each upload with its own weight bytes) while a fifth polls /api/health.
// Afterwards every share is either complete and byte-identical to what was uploaded, or absent,
// and no half-written folder is left in storage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytes, makeZip, req, startService, validParts } from './test-helpers.mjs';

/** Generous: a loaded machine can take seconds to start a checking thread; the count of requests bounds the test. */
const TIMEOUT_MS = 60_000;

const CLIENTS = 4;
const OPS_PER_CLIENT = 50;

/** A small xorshift so the mix of operations is the same on every run. @param {number} seed */
function rng(seed) {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test('200 mixed uploads, downloads and deletes from 4 clients: every share complete and identical or absent; health answers throughout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'share-soak-'));
  const svc = await startService({ dir, rateLimit: { windowMs: 60_000, max: 10_000 }, sharesPerClientPerDay: 10_000, uploadsPerClient: 4, uploadsTotal: 8 });
  /** @type {Map<string, { token: string, bins: Uint8Array[], deleted: boolean }>} */
  const shares = new Map();
  let running = true;
  const health = { ok: 0, bad: 0 };
  const poller = (async () => {
    while (running) {
      const r = await req(svc.port, { path: '/api/health', timeout: TIMEOUT_MS }).catch(() => null);
      if (r?.status === 200 && r.json().ok === true) health.ok++;
      else health.bad++;
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const counts = { upload: 0, download: 0, delete: 0 };

  /** @param {number} c */
  async function client(c) {
    const next = rng(1000 + c);
    /** @type {string[]} */
    const mine = [];
    for (let i = 0; i < OPS_PER_CLIENT; i++) {
      const roll = next();
      const live = mine.filter((id) => !shares.get(id)?.deleted);
      if (live.length === 0 || roll < 0.45) {
        const parts = validParts();
        const seed = c * 1000 + i;
        parts.bins = { 'group1-shard1of2.bin': bytes(32, seed), 'group1-shard2of2.bin': bytes(28, seed + 1), 'group2-shard1of1.bin': bytes(5, seed + 2) };
        const up = await req(svc.port, { method: 'POST', path: '/api/models', headers: { 'Content-Type': 'application/zip' }, body: makeZip(parts), timeout: TIMEOUT_MS });
        assert.equal(up.status, 201, up.text);
        const { id, deleteToken } = up.json();
        shares.set(id, { token: deleteToken, bins: Object.values(parts.bins), deleted: false });
        mine.push(id);
        counts.upload++;
      } else if (roll < 0.8) {
        const id = live[Math.floor(next() * live.length)];
        const k = 1 + Math.floor(next() * 3);
        const r = await req(svc.port, { path: `/api/models/${id}/weights-${k}.bin`, timeout: TIMEOUT_MS });
        assert.equal(r.status, 200);
        assert.deepEqual(new Uint8Array(r.body), shares.get(id)?.bins[k - 1]);
        counts.download++;
      } else {
        const id = live[Math.floor(next() * live.length)];
        const s = /** @type {{ token: string, deleted: boolean }} */ (shares.get(id));
        const r = await req(svc.port, { method: 'DELETE', path: `/api/models/${id}`, headers: { Authorization: `Bearer ${s.token}` }, timeout: TIMEOUT_MS });
        assert.equal(r.status, 204);
        s.deleted = true;
        counts.delete++;
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    running = false;
    await poller;
    console.log(`soak: ${JSON.stringify(counts)}; health answered ${health.ok} times, failed ${health.bad}`);
    assert.equal(counts.upload + counts.download + counts.delete, CLIENTS * OPS_PER_CLIENT);
    assert.ok(counts.delete > 0 && counts.download > 0);
    assert.equal(health.bad, 0);
    assert.ok(health.ok > 0);
    for (const [id, s] of shares) {
      for (let k = 1; k <= 3; k++) {
        const r = await req(svc.port, { path: `/api/models/${id}/weights-${k}.bin` });
        if (s.deleted) assert.equal(r.status, 404);
        else assert.deepEqual(new Uint8Array(r.body), s.bins[k - 1]);
      }
      if (!s.deleted) assert.equal((await req(svc.port, { path: `/api/models/${id}/model.json` })).status, 200);
    }
    const onDisk = readdirSync(dir).sort();
    const live = [...shares].filter(([, s]) => !s.deleted).map(([id]) => id).sort();
    assert.deepEqual(onDisk, live, 'storage holds exactly the live shares, nothing half-written');
    for (const id of live) assert.deepEqual(readdirSync(join(dir, id)).sort(), ['metadata.json', 'model.json', 'owner.json', 'weights-1.bin', 'weights-2.bin', 'weights-3.bin']);
  } finally {
    running = false;
    await poller;
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
