// Reads image dimensions and JPEG EXIF orientation from file headers only, so the import
// pipeline can reject huge images and plan decoding without decoding any pixels.
import type { SniffedFormat } from './types';

export interface ImageSize {
  width: number;
  height: number;
}

const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const i32le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);

function tag(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
}

function size(width: number, height: number): ImageSize | null {
  return width > 0 && height > 0 ? { width, height } : null;
}

/** Calls `visit` for each JPEG marker segment before the scan data; stop by returning true. */
function walkJpeg(b: Uint8Array, visit: (marker: number, start: number, length: number) => boolean): void {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return;
  let o = 2;
  while (o < b.length) {
    if (b[o] !== 0xff) return; // lost sync: not a well-formed header
    while (o < b.length && b[o] === 0xff) o++; // fill bytes
    if (o >= b.length) return;
    const marker = b[o++];
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no payload
    if (marker === 0xd9 || marker === 0xda) return; // end of image / start of scan
    if (o + 2 > b.length) return;
    const length = u16be(b, o);
    if (length < 2) return;
    if (visit(marker, o + 2, length - 2)) return;
    o += length;
  }
}

function jpegSize(b: Uint8Array): ImageSize | null {
  let result: ImageSize | null = null;
  walkJpeg(b, (marker, start, length) => {
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (!isSof) return false;
    if (length >= 5 && start + 5 <= b.length) result = size(u16be(b, start + 3), u16be(b, start + 1));
    return true;
  });
  return result;
}

function pngSize(b: Uint8Array): ImageSize | null {
  if (b.length < 24 || b[0] !== 0x89 || tag(b, 12) !== 'IHDR') return null;
  return size(u32be(b, 16), u32be(b, 20));
}

function gifSize(b: Uint8Array): ImageSize | null {
  if (b.length < 10 || tag(b, 0) !== 'GIF8') return null;
  return size(u16le(b, 6), u16le(b, 8));
}

function bmpSize(b: Uint8Array): ImageSize | null {
  if (b.length < 26 || b[0] !== 0x42 || b[1] !== 0x4d) return null;
  const dib = b[14] | (b[15] << 8) | (b[16] << 16) | (b[17] << 24);
  if (dib === 12) return size(u16le(b, 18), u16le(b, 20)); // BITMAPCOREHEADER
  if (dib < 16) return null;
  const width = i32le(b, 18);
  const height = i32le(b, 22); // negative: rows stored top-down
  return size(width, Math.abs(height));
}

function webpSize(b: Uint8Array): ImageSize | null {
  if (b.length < 30 || tag(b, 0) !== 'RIFF' || tag(b, 8) !== 'WEBP') return null;
  const chunk = tag(b, 12);
  if (chunk === 'VP8 ') {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return size(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return null;
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return size((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') return size(u24le(b, 24) + 1, u24le(b, 27) + 1);
  return null;
}

/** Width and height from the header, or null when the format is not handled or the header is damaged. */
export function readImageSize(format: SniffedFormat, bytes: Uint8Array): ImageSize | null {
  switch (format) {
    case 'jpeg': return jpegSize(bytes);
    case 'png': return pngSize(bytes);
    case 'gif': return gifSize(bytes);
    case 'bmp': return bmpSize(bytes);
    case 'webp': return webpSize(bytes);
    default: return null;
  }
}

/** Orientation tag (0x0112) from IFD0 of a TIFF block; 1 when absent or invalid. */
function tiffOrientation(b: Uint8Array, t: number, end: number): number {
  if (t + 8 > end) return 1;
  const order = tag(b, t).slice(0, 2);
  if (order !== 'II' && order !== 'MM') return 1;
  const le = order === 'II';
  const r16 = (o: number) => (le ? u16le(b, o) : u16be(b, o));
  const r32 = (o: number) => (le ? (u16le(b, o) | (u16le(b, o + 2) << 16)) >>> 0 : u32be(b, o));
  if (r16(t + 2) !== 42) return 1;
  const ifd = t + r32(t + 4);
  if (ifd + 2 > end) return 1;
  const count = r16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > end) return 1;
    if (r16(e) !== 0x0112) continue;
    if (r16(e + 2) !== 3) return 1; // must be SHORT
    const value = r16(e + 8);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/** EXIF orientation (1..8) of a JPEG; 1 when there is none. */
export function readJpegOrientation(bytes: Uint8Array): number {
  let orientation = 1;
  walkJpeg(bytes, (marker, start, length) => {
    if (marker !== 0xe1 || length < 14) return false;
    const end = Math.min(bytes.length, start + length);
    const header = String.fromCharCode(...bytes.subarray(start, start + 6));
    if (header !== 'Exif\0\0') return false;
    orientation = tiffOrientation(bytes, start + 6, end);
    return true;
  });
  return orientation;
}
