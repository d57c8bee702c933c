// The one zip reader for untrusted archives: studio dataset imports, model folder/zip imports and
// the share service all read zips through it. It is plain JavaScript (typed by bounded-unzip.d.mts)
// so the Node share service and the browser bundle run the very same code.
//
// Why not fflate's unzipSync: it trusts the declared sizes for allocation but inflates the whole
// stream, so an entry that declares 1,000 bytes and inflates to 1 GiB burns seconds of CPU and is
// then silently cut. Here each entry is inflated in small pushes while its real output is counted;
// inflating stops as soon as the output passes the smaller of the declared size and the cap, and
// an entry whose real size or CRC-32 differs from the central directory is refused by name.
import { Inflate } from 'fflate';

/**
 * Deflate expands at most ~1032×, so each push hands over only as much input as the bytes still
 * allowed could come from (at least 1 KiB, at most 64 KiB): the work past a lying entry's declared
 * size is bounded by about 1 MiB of output, whatever the stream would inflate to.
 */
const MIN_PUSH = 1024;
const MAX_PUSH = 64 * 1024;

/** Thrown for every problem with an archive or one of its entries; `entry` names the entry. */
export class ZipError extends Error {
  /** @param {string} message @param {string} [entry] @param {'damaged' | 'too-large' | 'lying' | 'unsupported'} [code] */
  constructor(message, entry, code = 'damaged') {
    super(message);
    this.name = 'ZipError';
    this.entry = entry;
    this.code = code;
  }
}

let crcTable = /** @type {Int32Array | null} */ (null);
/** CRC-32 (IEEE), as zip stores it. @param {Uint8Array} data */
export function crc32(data) {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** @param {Uint8Array} b @param {number} o */
const u16 = (b, o) => b[o] | (b[o + 1] << 8);
/** @param {Uint8Array} b @param {number} o */
const u32 = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
/** @param {Uint8Array} b @param {number} o */
const u64 = (b, o) => u32(b, o) + u32(b, o + 4) * 0x100000000;

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/**
 * Lists the central directory without inflating anything.
 * @param {Uint8Array} zip
 * @param {{ maxEntries?: number }} [opts]
 * @returns {import('./bounded-unzip.mjs').ZipEntryInfo[]}
 */
export function listZip(zip, { maxEntries = 100_000 } = {}) {
  // End of central directory: the last PK\5\6 within the final 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= 0 && i >= zip.length - 22 - 0xffff; i--) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 5 && zip[i + 3] === 6) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip archive (no end-of-directory record)');
  let count = u16(zip, eocd + 10);
  let cdOffset = u32(zip, eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(zip, loc) !== 0x07064b50) throw new ZipError('zip64 archive without its locator record');
    const e64 = u64(zip, loc + 8);
    if (e64 + 56 > zip.length || u32(zip, e64) !== 0x06064b50) throw new ZipError('zip64 directory record is missing');
    count = u64(zip, e64 + 32);
    cdOffset = u64(zip, e64 + 48);
  }
  if (count > maxEntries) throw new ZipError(`the zip has ${count} entries, more than the ${maxEntries} allowed`, undefined, 'too-large');
  /** @type {import('./bounded-unzip.mjs').ZipEntryInfo[]} */
  const out = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || u32(zip, p) !== 0x02014b50) throw new ZipError('the zip directory is damaged or truncated');
    const flags = u16(zip, p + 8);
    const method = u16(zip, p + 10);
    const crc = u32(zip, p + 16);
    let compressedSize = u32(zip, p + 20);
    let size = u32(zip, p + 24);
    const nameLen = u16(zip, p + 28);
    const extraLen = u16(zip, p + 30);
    const commentLen = u16(zip, p + 32);
    let localOffset = u32(zip, p + 42);
    if (p + 46 + nameLen + extraLen > zip.length) throw new ZipError('the zip directory is damaged or truncated');
    const rawName = zip.subarray(p + 46, p + 46 + nameLen);
    const name = (flags & 0x800 ? utf8 : latin1).decode(rawName);
    // zip64 extended information: only the fields that are 0xFFFFFFFF in the record, in order.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = u16(zip, e);
      const len = u16(zip, e + 2);
      if (id === 1) {
        let q = e + 4;
        if (size === 0xffffffff) (size = u64(zip, q)), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(zip, q)), (q += 8);
        if (localOffset === 0xffffffff) localOffset = u64(zip, q);
      }
      e += 4 + len;
    }
    out.push({ name, method, crc, compressedSize, size, localOffset, encrypted: (flags & 1) === 1 });
    p = eEnd + commentLen;
  }
  return out;
}

/**
 * Inflates one listed entry, bounded by `min(entry.size, maxBytes)`.
 * @param {Uint8Array} zip
 * @param {import('./bounded-unzip.mjs').ZipEntryInfo} entry
 * @param {{ maxBytes?: number }} [opts]
 * @returns {Uint8Array}
 */
export function readZipEntry(zip, entry, { maxBytes = Number.MAX_SAFE_INTEGER } = {}) {
  const { name, size } = entry;
  if (entry.encrypted) throw new ZipError(`zip entry "${name}" is encrypted`, name, 'unsupported');
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipError(`zip entry "${name}" uses compression method ${entry.method}; only stored and deflate are supported`, name, 'unsupported');
  }
  if (size > maxBytes) {
    throw new ZipError(`zip entry "${name}" declares ${size} bytes, more than the ${maxBytes}-byte limit`, name, 'too-large');
  }
  const lh = entry.localOffset;
  if (lh + 30 > zip.length || u32(zip, lh) !== 0x04034b50) throw new ZipError(`zip entry "${name}" has no local header`, name);
  const start = lh + 30 + u16(zip, lh + 26) + u16(zip, lh + 28);
  const end = start + entry.compressedSize;
  if (end > zip.length) throw new ZipError(`zip entry "${name}" is truncated`, name);
  const src = zip.subarray(start, end);
  let data;
  if (entry.method === 0) {
    if (entry.compressedSize !== size) throw new ZipError(`zip entry "${name}" is stored with inconsistent sizes`, name, 'lying');
    data = src.slice();
  } else {
    data = new Uint8Array(size);
    let written = 0;
    let over = false;
    const inflater = new Inflate((chunk) => {
      if (over) return;
      if (written + chunk.length > size) {
        over = true;
        return;
      }
      data.set(chunk, written);
      written += chunk.length;
    });
    try {
      for (let o = 0; o < src.length && !over; ) {
        const step = Math.min(MAX_PUSH, Math.max(MIN_PUSH, Math.ceil((size - written) / 1032) + 1));
        const end = Math.min(o + step, src.length);
        inflater.push(src.subarray(o, end), end >= src.length);
        o = end;
      }
    } catch (err) {
      if (!over) throw new ZipError(`zip entry "${name}" is damaged (${err instanceof Error ? err.message : String(err)})`, name);
    }
    if (over) throw new ZipError(`zip entry "${name}" inflates to more than the ${size} bytes it declares`, name, 'lying');
    if (written !== size) throw new ZipError(`zip entry "${name}" inflates to ${written} bytes but declares ${size}`, name, 'lying');
  }
  if (crc32(data) !== entry.crc) throw new ZipError(`zip entry "${name}" fails its CRC check (damaged or altered)`, name, 'lying');
  return data;
}

/**
 * Reads every entry `accept` lets through (default: every file), each bounded by `maxEntryBytes`,
 * and all together by `maxTotalBytes` (checked on declared sizes before anything is inflated).
 * A repeated name keeps its first copy.
 * @param {Uint8Array} zip
 * @param {{ accept?: (e: import('./bounded-unzip.mjs').ZipEntryInfo) => boolean, maxEntryBytes?: number, maxTotalBytes?: number, maxEntries?: number }} [opts]
 * @returns {Map<string, Uint8Array>}
 */
export function unzipBounded(zip, opts = {}) {
  const { accept = (e) => !e.name.endsWith('/'), maxEntryBytes = Number.MAX_SAFE_INTEGER, maxTotalBytes = Number.MAX_SAFE_INTEGER } = opts;
  const chosen = listZip(zip, { maxEntries: opts.maxEntries }).filter(accept);
  let total = 0;
  for (const e of chosen) {
    if (e.size > maxEntryBytes) throw new ZipError(`zip entry "${e.name}" declares ${e.size} bytes, more than the ${maxEntryBytes}-byte limit`, e.name, 'too-large');
    total += e.size;
  }
  if (total > maxTotalBytes) throw new ZipError(`the zip's entries declare ${total} bytes in all, more than the ${maxTotalBytes}-byte limit`, undefined, 'too-large');
  /** @type {Map<string, Uint8Array>} */
  const out = new Map();
  for (const e of chosen) if (!out.has(e.name)) out.set(e.name, readZipEntry(zip, e, { maxBytes: maxEntryBytes }));
  return out;
}
