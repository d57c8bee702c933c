// Checks header-only size parsing for each supported format and EXIF orientation in both byte orders.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readImageSize, readJpegOrientation } from './image-header';

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const be16 = (n: number) => [(n >> 8) & 255, n & 255];
const le16 = (n: number) => [n & 255, (n >> 8) & 255];
const le32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];
const segment = (marker: number, payload: number[]) => [0xff, marker, ...be16(payload.length + 2), ...payload];
const sof = (marker: number, w: number, h: number) => segment(marker, [8, ...be16(h), ...be16(w), 1, 1, 0x11, 0]);

function realJpeg(width: number, height: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4, 90);
  return new Uint8Array(jpeg.encode({ data, width, height }, 80).data);
}

/** APP1 Exif segment whose IFD0 holds `entries` (tag, type, value) in the given byte order. */
function exifApp1(order: 'II' | 'MM', entries: [number, number, number][]): number[] {
  const w16 = order === 'II' ? le16 : be16;
  const w32 = (n: number) => (order === 'II' ? le32(n) : le32(n).reverse());
  const tiff = [...ascii(order), ...w16(42), ...w32(8), ...w16(entries.length)];
  for (const [tagId, type, value] of entries) tiff.push(...w16(tagId), ...w16(type), ...w32(1), ...w16(value), 0, 0);
  tiff.push(...w32(0));
  return segment(0xe1, [...ascii('Exif'), 0, 0, ...tiff]);
}

const withApp = (app: number[]) => {
  const j = realJpeg(4, 4);
  return new Uint8Array([...j.subarray(0, 2), ...app, ...j.subarray(2)]);
};

describe('readImageSize: JPEG', () => {
  it('reads real encoder output', () => {
    expect(readImageSize('jpeg', realJpeg(17, 9))).toEqual({ width: 17, height: 9 });
  });

  it('skips DHT/DAC/JPG markers and reads progressive / other SOFn', () => {
    for (const m of [0xc1, 0xc2, 0xc3, 0xc5, 0xc9, 0xcf]) {
      const b = new Uint8Array([0xff, 0xd8, ...segment(0xc4, [0, 1, 2]), ...segment(0xcc, [1, 2]), ...segment(0xc8, [9]), ...sof(m, 640, 480)]);
      expect(readImageSize('jpeg', b)).toEqual({ width: 640, height: 480 });
    }
  });

  it('handles fill bytes and standalone markers between segments', () => {
    const b = new Uint8Array([0xff, 0xd8, 0xff, 0xff, 0xff, ...segment(0xe0, ascii('JFIF\0')).slice(1), 0xff, 0xd0, ...sof(0xc0, 3000, 2000)]);
    expect(readImageSize('jpeg', b)).toEqual({ width: 3000, height: 2000 });
  });

  it('returns null when no SOF precedes the scan, for a cut header, and for zero height', () => {
    expect(readImageSize('jpeg', new Uint8Array([0xff, 0xd8, ...segment(0xda, [1, 2, 3]), ...sof(0xc0, 5, 5)]))).toBeNull();
    expect(readImageSize('jpeg', new Uint8Array([0xff, 0xd8, ...sof(0xc0, 5, 5).slice(0, 6)]))).toBeNull();
    expect(readImageSize('jpeg', new Uint8Array([0xff, 0xd8, ...sof(0xc0, 5, 0)]))).toBeNull();
    expect(readImageSize('jpeg', new Uint8Array([0xff, 0xd8, 0x12, 0x34]))).toBeNull();
  });
});

describe('readImageSize: other formats', () => {
  it('PNG IHDR', () => {
    const png = new PNG({ width: 33, height: 7 });
    expect(readImageSize('png', new Uint8Array(PNG.sync.write(png)))).toEqual({ width: 33, height: 7 });
    expect(readImageSize('png', new Uint8Array(20))).toBeNull();
  });

  it('GIF logical screen', () => {
    const b = new Uint8Array([...ascii('GIF89a'), ...le16(300), ...le16(2), 0, 0, 0]);
    expect(readImageSize('gif', b)).toEqual({ width: 300, height: 2 });
  });

  it('BMP info header (bottom-up, top-down) and core header', () => {
    const info = (w: number, h: number) =>
      new Uint8Array([...ascii('BM'), ...le32(0), 0, 0, 0, 0, ...le32(54), ...le32(40), ...le32(w), ...le32(h), 1, 0, 24, 0]);
    expect(readImageSize('bmp', info(640, 480))).toEqual({ width: 640, height: 480 });
    expect(readImageSize('bmp', info(640, -480))).toEqual({ width: 640, height: 480 });
    expect(readImageSize('bmp', info(-5, 480))).toBeNull();
    const core = new Uint8Array([...ascii('BM'), ...le32(0), 0, 0, 0, 0, ...le32(26), ...le32(12), ...le16(12), ...le16(34), 1, 0, 24, 0]);
    expect(readImageSize('bmp', core)).toEqual({ width: 12, height: 34 });
  });

  const riff = (chunk: string, payload: number[]) =>
    new Uint8Array([...ascii('RIFF'), ...le32(4 + 8 + payload.length), ...ascii('WEBP'), ...ascii(chunk), ...le32(payload.length), ...payload]);

  it('WebP lossy (VP8 )', () => {
    const b = riff('VP8 ', [0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, ...le16(400 | 0x4000), ...le16(300), 0, 0]);
    expect(readImageSize('webp', b)).toEqual({ width: 400, height: 300 });
  });

  it('WebP lossless (VP8L)', () => {
    const bits = (1023 - 1) | ((77 - 1) << 14);
    expect(readImageSize('webp', riff('VP8L', [0x2f, ...le32(bits), 0, 0, 0, 0, 0]))).toEqual({ width: 1023, height: 77 });
    expect(readImageSize('webp', riff('VP8L', [0x2e, ...le32(bits), 0, 0, 0, 0, 0]))).toBeNull();
  });

  it('WebP extended (VP8X)', () => {
    const b = riff('VP8X', [0x10, 0, 0, 0, 4999 & 255, (4999 >> 8) & 255, 0, 0x3f, 0x42, 0x0f, 0]);
    expect(readImageSize('webp', b)).toEqual({ width: 5000, height: 1_000_000 });
  });

  it('returns null for formats it does not parse', () => {
    expect(readImageSize('tiff', new Uint8Array(64))).toBeNull();
    expect(readImageSize('png', new Uint8Array(0))).toBeNull();
  });
});

describe('readJpegOrientation', () => {
  it('is 1 without EXIF', () => {
    expect(readJpegOrientation(realJpeg(4, 4))).toBe(1);
  });

  it.each([1, 3, 6, 8])('reads orientation %i in Intel and Motorola byte order', (o) => {
    expect(readJpegOrientation(withApp(exifApp1('II', [[0x0100, 3, 4], [0x0112, 3, o]])))).toBe(o);
    expect(readJpegOrientation(withApp(exifApp1('MM', [[0x0112, 3, o]])))).toBe(o);
  });

  it('finds EXIF after a JFIF APP0 segment', () => {
    const app0 = segment(0xe0, [...ascii('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    expect(readJpegOrientation(withApp([...app0, ...exifApp1('MM', [[0x0112, 3, 6]])]))).toBe(6);
  });

  it('falls back to 1 for out-of-range values, wrong types, XMP APP1 and damaged TIFF', () => {
    expect(readJpegOrientation(withApp(exifApp1('II', [[0x0112, 3, 9]])))).toBe(1);
    expect(readJpegOrientation(withApp(exifApp1('II', [[0x0112, 4, 6]])))).toBe(1);
    expect(readJpegOrientation(withApp(segment(0xe1, ascii('http://ns.adobe.com/xap/1.0/\0<x/>'))))).toBe(1);
    const broken = exifApp1('II', [[0x0112, 3, 6]]);
    broken[12] = 0x2b; // 43 instead of 42
    expect(readJpegOrientation(withApp(broken))).toBe(1);
    const cut = exifApp1('II', [[0x0112, 3, 6]]);
    expect(readJpegOrientation(new Uint8Array([0xff, 0xd8, ...cut.slice(0, 20)]))).toBe(1);
  });
});
