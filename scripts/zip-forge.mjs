// Builds zip archives byte by byte for tests, including hostile ones a normal zip tool will not
// write: entries whose declared size or CRC lies, and deflate streams that inflate to gigabytes
// from about a megabyte (a sync-flushed run of zeros repeated; every back-reference stays in zeros).
import { deflateRawSync, constants } from 'node:zlib';
import { crc32 } from '../src/core/data/bounded-unzip.mjs';

/**
 * @typedef {object} ForgeEntry
 * @property {string} name
 * @property {Uint8Array} [data] Plain bytes (deflated here unless `stored`).
 * @property {Uint8Array} [raw] Already-deflated bytes (then `size` and `crc` must be given).
 * @property {boolean} [stored]
 * @property {number} [size] Declared uncompressed size (default: the real one).
 * @property {number} [crc] Declared CRC-32 (default: the real one).
 */

/** @param {ForgeEntry[]} entries @returns {Uint8Array} */
export function forgeZip(entries) {
  /** @type {Buffer[]} */
  const parts = [];
  /** @type {Buffer[]} */
  const central = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.stored ? 0 : 8;
    const body = e.raw ? Buffer.from(e.raw) : e.stored ? Buffer.from(e.data ?? []) : deflateRawSync(e.data ?? new Uint8Array());
    const size = e.size ?? (e.data ? e.data.length : 0);
    const crc = e.crc ?? (e.data ? crc32(e.data) : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x800, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(crc >>> 0, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(size >>> 0, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, cdBytes, end]));
}

/** Raw deflate of `mib` MiB of zeros (a multiple of 64), about 1 KB per MiB, built in well under a second. */
export function deflatedZeros(mib) {
  const seg = deflateRawSync(Buffer.alloc(64 * 1024 * 1024), {
    flush: constants.Z_SYNC_FLUSH,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  const n = Math.max(1, Math.round(mib / 64));
  return new Uint8Array(Buffer.concat([...Array(n).fill(seg), Buffer.from([3, 0])]));
}
