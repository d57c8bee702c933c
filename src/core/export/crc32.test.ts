// CRC-32 against the standard check value and Node's zlib.
import { crc32 as nodeCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';

describe('crc32', () => {
  it('gives the standard check value and agrees with zlib', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 131 + 7) & 255);
    if (typeof nodeCrc32 === 'function') expect(crc32(bytes)).toBe(nodeCrc32(bytes));
  });
});
