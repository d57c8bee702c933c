// Refusal by declared dimensions: a small PNG whose header declares 30,000 × 30,000 is refused as
// too large before decoding; the 16,000 × 16,000 fixture size still passes (it is decoded reduced).
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readImageSize } from './image-header';
import { refuseDeclaredSize } from './image-limits';

function pngDeclaring(w: number, h: number): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const b = Buffer.alloc(12 + data.length);
    b.writeUInt32BE(data.length, 0);
    b.write(type, 4, 'latin1');
    data.copy(b, 8);
    return b; // CRC left zero: only the header is read here
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(10))), chunk('IEND', Buffer.alloc(0))]));
}

describe('refuseDeclaredSize', () => {
  it('refuses a tiny PNG declaring 30,000 × 30,000 from its header', () => {
    const png = pngDeclaring(30000, 30000);
    expect(png.length).toBeLessThan(100);
    const size = readImageSize('png', png)!;
    expect(size).toMatchObject({ width: 30000, height: 30000 });
    expect(refuseDeclaredSize(size.width, size.height)).toMatch(/^too large \(30,000 × 30,000 px\)/);
  });

  it('refuses a side past the browser limit even when the area is small, and passes 16,000²', () => {
    expect(refuseDeclaredSize(40000, 10)).toMatch(/too large \(40,000 × 10 px\)/);
    expect(refuseDeclaredSize(16000, 16000)).toBeNull();
    expect(refuseDeclaredSize(4032, 3024)).toBeNull();
  });
});
