// Checks zip listing: safe extraction, skip reasons, damaged archives and zip-bomb limits.
import { strToU8, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_ZIP_ENTRY_BYTES, listZipEntries } from './zip';
// @ts-expect-error plain JavaScript test helper without type declarations
import { forgeZip, deflatedZeros } from '../../../scripts/zip-forge.mjs';

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** Offsets of every central-directory header ('PK\1\2') with its file name. */
function centralHeaders(zip: Uint8Array): { at: number; name: string }[] {
  const out: { at: number; name: string }[] = [];
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let i = 0; i + 46 <= zip.length; i++) {
    if (v.getUint32(i, true) !== 0x02014b50) continue;
    const len = v.getUint16(i + 28, true);
    out.push({ at: i, name: decode(zip.subarray(i + 46, i + 46 + len)) });
  }
  return out;
}

/** Sets the declared uncompressed size of an entry in the central directory (what the filter sees). */
function patchDeclaredSize(zip: Uint8Array, name: string, size: number): void {
  for (const h of centralHeaders(zip)) if (h.name === name) new DataView(zip.buffer).setUint32(h.at + 24, size, true);
}

function patchMethod(zip: Uint8Array, name: string, method: number): void {
  for (const h of centralHeaders(zip)) if (h.name === name) new DataView(zip.buffer).setUint16(h.at + 10, method, true);
}

/** Overwrites an entry's compressed data with an invalid deflate stream (block type 3). */
function corruptData(zip: Uint8Array, name: string): void {
  const v = new DataView(zip.buffer);
  for (const h of centralHeaders(zip)) {
    if (h.name !== name) continue;
    const local = v.getUint32(h.at + 42, true);
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    zip.fill(0xff, start, start + v.getUint32(h.at + 20, true));
  }
}

const zip = (files: Zippable, level: 0 | 6 = 6) => zipSync(files, { level });

describe('listZipEntries', () => {
  it('extracts files, tracks folders and reports empty ones', () => {
    const z = zip({ pets: { cats: { '1.jpg': JPEG }, dogs: { '2.jpg': JPEG }, birds: {} }, 'loose.jpg': JPEG });
    const r = listZipEntries(z, 'pets.zip');
    expect(r.entries.map((e) => e.path)).toEqual(['pets/cats/1.jpg', 'pets/dogs/2.jpg', 'loose.jpg']);
    expect(r.entries[0].bytes).toEqual(JPEG);
    expect(r.skipped).toEqual([]);
    expect(r.emptyFolders).toEqual(['pets.zip/pets/birds']);
  });

  it('never extracts unsafe paths, and never inflates them (their data is corrupt here)', () => {
    // fflate keeps these names verbatim, so the archive holds the raw unsafe names.
    const z = zip({ '../evil.png': JPEG, '/abs.png': JPEG, 'C:\\win.png': JPEG, 'ok/fine.jpg': JPEG, 'a/../../up': {} });
    expect(centralHeaders(z).map((h) => h.name)).toContain('../evil.png');
    corruptData(z, '../evil.png');
    corruptData(z, '/abs.png');
    const r = listZipEntries(z, 'x.zip');
    expect(r.entries.map((e) => e.path)).toEqual(['ok/fine.jpg']);
    const reason = 'unsafe path in zip (absolute or "..") was not extracted';
    expect(r.skipped).toEqual([
      { path: 'x.zip/../evil.png', code: 'unsafe-path', reason },
      { path: 'x.zip//abs.png', code: 'unsafe-path', reason },
      { path: 'x.zip/C:\\win.png', code: 'unsafe-path', reason },
      { path: 'x.zip/a/../../up/', code: 'unsafe-path', reason },
    ]);
  });

  it('skips hidden and __MACOSX entries without inflating them', () => {
    const z = zip({ __MACOSX: { cats: { '._1.jpg': JPEG } }, cats: { '1.jpg': JPEG, '.DS_Store': strToU8('x'), 'Thumbs.db': JPEG } });
    corruptData(z, '__MACOSX/cats/._1.jpg');
    const r = listZipEntries(z, 'c.zip');
    expect(r.entries.map((e) => e.path)).toEqual(['cats/1.jpg']);
    expect(r.skipped.map((s) => [s.path, s.code])).toEqual([
      ['c.zip/__MACOSX/cats/._1.jpg', 'hidden'],
      ['c.zip/cats/.DS_Store', 'hidden'],
      ['c.zip/cats/Thumbs.db', 'hidden'],
    ]);
    expect(r.skipped[0].reason).toBe('hidden or system file ignored');
    expect(r.emptyFolders).toEqual([]);
  });

  it('does not open nested zips, and a folder holding only one is not "empty"', () => {
    const inner = zip({ 'a.jpg': JPEG });
    const r = listZipEntries(zip({ more: { 'inner.zip': inner }, 'b.jpg': JPEG }), 'outer.zip');
    expect(r.entries.map((e) => e.path)).toEqual(['b.jpg']);
    expect(r.skipped).toEqual([
      { path: 'outer.zip/more/inner.zip', code: 'nested-zip', reason: 'a zip inside a zip is not opened; unzip it and import the folder' },
    ]);
    expect(r.emptyFolders).toEqual([]);
  });

  it('normalises windows separators and keeps unicode names', () => {
    const name = 'été 😀 #1 (copy) & <b>.png';
    const r = listZipEntries(zip({ 'cats\\win.jpg': JPEG, [`chats/${name}`]: JPEG }, 0), 'u.zip');
    expect(r.entries.map((e) => e.path)).toEqual(['cats/win.jpg', `chats/${name}`]);
  });

  it('returns nothing for an empty zip', () => {
    expect(listZipEntries(zip({}), 'e.zip')).toEqual({ entries: [], skipped: [], emptyFolders: [] });
  });

  it('throws a named error for a corrupt or cut-off archive', () => {
    expect(() => listZipEntries(strToU8('definitely not a zip'), 'bad.zip')).toThrow(/^bad\.zip: the zip could not be read/);
    const z = zip({ 'a.jpg': JPEG, 'b.jpg': JPEG });
    expect(() => listZipEntries(z.subarray(0, z.length - 30), 'cut.zip')).toThrow(/^cut\.zip: the zip could not be read/);
    expect(() => listZipEntries(new Uint8Array(0), 'zero.zip')).toThrow(/^zero\.zip: /);
  });

  it('throws a named error naming the entry whose data is damaged', () => {
    const z = zip({ 'a.jpg': JPEG, 'b.jpg': JPEG });
    corruptData(z, 'b.jpg');
    expect(() => listZipEntries(z, 'd.zip')).toThrow(/^d\.zip: the zip could not be read; entry "b\.jpg" is damaged/);
  });

  it('skips entries declared larger than 256 MB without inflating them', () => {
    const z = zip({ 'big.jpg': JPEG, 'small.jpg': JPEG });
    patchDeclaredSize(z, 'big.jpg', MAX_ZIP_ENTRY_BYTES + 1);
    corruptData(z, 'big.jpg');
    const r = listZipEntries(z, 'b.zip');
    expect(r.entries.map((e) => e.path)).toEqual(['small.jpg']);
    expect(r.skipped).toEqual([{ path: 'b.zip/big.jpg', code: 'too-large', reason: 'too large: 257 MB uncompressed (the limit is 256 MB)' }]);
  });

  it('throws when the declared total exceeds 4 GB (zip bomb)', () => {
    const files: Zippable = {};
    for (let i = 0; i < 17; i++) files[`f${i}.jpg`] = JPEG;
    const z = zip(files);
    for (let i = 0; i < 17; i++) patchDeclaredSize(z, `f${i}.jpg`, 250 * 1024 * 1024);
    expect(() => listZipEntries(z, 'bomb.zip')).toThrow(/^bomb\.zip: the zip would unpack to 4250 MB, more than the 4096 MB limit/);
  });

  it('honours custom limits', () => {
    const big = new Uint8Array(2000).fill(7);
    const r = listZipEntries(zip({ 'a.bin': big, 'b.bin': JPEG }), 'l.zip', { maxEntryBytes: 1000 });
    expect(r.skipped.map((s) => s.code)).toEqual(['too-large']);
    expect(() => listZipEntries(zip({ 'a.bin': big, 'b.bin': big }), 'l.zip', { maxTotalBytes: 3000 })).toThrow(/^l\.zip: /);
  });

  it('a lying (too small) declared size cannot make an entry grow past it', () => {
    const big = new Uint8Array(100_000).fill(1);
    const z = zip({ 'bomb.bin': big });
    patchDeclaredSize(z, 'bomb.bin', 10);
    let out: Uint8Array | undefined;
    try {
      out = listZipEntries(z, 'lie.zip').entries[0]?.bytes;
    } catch (e) {
      expect(String(e)).toMatch(/^Error: lie\.zip: /);
    }
    expect(out === undefined || out.length <= 10).toBe(true);
  });

  it('skips entries using a compression method it cannot unpack', () => {
    const z = zip({ 'lzma.jpg': JPEG, 'ok.jpg': JPEG });
    patchMethod(z, 'lzma.jpg', 14);
    const r = listZipEntries(z, 'm.zip');
    expect(r.entries.map((e) => e.path)).toEqual(['ok.jpg']);
    expect(r.skipped).toMatchObject([{ path: 'm.zip/lzma.jpg', code: 'unsupported-format' }]);
  });

  it('reports a repeated entry name once as a duplicate', () => {
    const z = zip({ 'a.jpg': JPEG, 'b.jpg': JPEG });
    const [, b] = centralHeaders(z);
    z.set(strToU8('a'), b.at + 46); // rename b.jpg -> a.jpg in the central directory
    const r = listZipEntries(z, 'dup.zip');
    expect(r.entries.map((e) => e.path)).toEqual(['a.jpg']);
    expect(r.skipped).toMatchObject([{ path: 'dup.zip/a.jpg', code: 'duplicate' }]);
  });

  it('refuses an entry that declares 1,000 bytes but inflates to 1 GiB, naming it, without inflating it all', () => {
    const z = forgeZip([
      { name: 'cls/ok.jpg', data: JPEG },
      { name: 'cls/bomb.jpg', raw: deflatedZeros(1024), size: 1000, crc: 0 },
    ]);
    expect(() => listZipEntries(z, 'lie.zip')).toThrow(/^lie\.zip: the zip could not be read; entry "cls\/bomb\.jpg" inflates to more than the 1000 bytes it declares/);
  });
});
