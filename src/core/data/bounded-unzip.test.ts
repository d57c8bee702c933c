// The bounded zip reader against honest and lying archives built byte by byte.
import { describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { listZip, readZipEntry, ZipError } from './bounded-unzip.mjs';
// @ts-expect-error plain JavaScript test helper without type declarations
import { forgeZip, deflatedZeros } from '../../../scripts/zip-forge.mjs';

const text = strToU8('hello world '.repeat(500));

describe('bounded unzip', () => {
  it('reads stored and deflated entries written by fflate', () => {
    const zip = zipSync({ 'a.txt': text, 'b/c.bin': [new Uint8Array(3000).fill(7), { level: 0 }] });
    const entries = listZip(zip);
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([['a.txt', 8, 6000], ['b/c.bin', 0, 3000]]);
    expect(readZipEntry(zip, entries[0])).toEqual(text);
    expect(readZipEntry(zip, entries[1])).toEqual(new Uint8Array(3000).fill(7));
  });

  it('refuses an entry that inflates past its declared size, without inflating it all', () => {
    const zip = forgeZip([{ name: 'w.bin', raw: deflatedZeros(1024), size: 1000, crc: 0 }]);
    expect(zip.length).toBeLessThan(2_000_000);
    const [e] = listZip(zip);
    let err: unknown;
    try {
      readZipEntry(zip, e);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(ZipError);
    expect((err as ZipError).code).toBe('lying');
    expect((err as ZipError).message).toMatch(/"w\.bin" inflates to more than the 1000 bytes it declares/);
  });

  it('refuses an entry that inflates to less than it declares, and a bad CRC', () => {
    const short = forgeZip([{ name: 's.txt', data: text, size: text.length + 10 }]);
    expect(() => readZipEntry(short, listZip(short)[0])).toThrow(/"s\.txt" inflates to 6000 bytes but declares 6010/);
    const badCrc = forgeZip([{ name: 'c.txt', data: text, crc: 1234 }]);
    expect(() => readZipEntry(badCrc, listZip(badCrc)[0])).toThrow(/"c\.txt" fails its CRC check/);
  });

  it('refuses an entry over the cap from its declared size, and damaged archives', () => {
    const zip = forgeZip([{ name: 'big.bin', data: new Uint8Array(5000) }]);
    expect(() => readZipEntry(zip, listZip(zip)[0], { maxBytes: 4096 })).toThrow(/declares 5000 bytes, more than the 4096-byte limit/);
    expect(() => listZip(strToU8('not a zip at all'))).toThrow(ZipError);
    const cut = zip.slice(0, 40);
    expect(() => listZip(cut)).toThrow(ZipError);
  });
});
