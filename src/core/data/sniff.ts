// Recognises a file's format from its first bytes (never from its name), tells whether a
// supported image is complete, and explains in plain words why a file was not imported.
import { SUPPORTED_FORMATS, type SkipCode, type SniffedFormat } from './types';

export interface SkipDescription {
  code: SkipCode;
  reason: string;
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const BMP_DIB_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < Math.min(end, bytes.length); i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function sniffIsoBmff(bytes: Uint8Array): SniffedFormat | null {
  if (bytes.length < 12 || ascii(bytes, 4, 8) !== 'ftyp') return null;
  const boxEnd = Math.min(bytes.length, Math.max(16, u32be(bytes, 0)));
  const major = ascii(bytes, 8, 12);
  const compatible: string[] = [];
  for (let o = 16; o + 4 <= boxEnd; o += 4) compatible.push(ascii(bytes, o, o + 4));
  if (AVIF_BRANDS.has(major)) return 'avif';
  if ((major === 'mif1' || major === 'msf1') && compatible.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (HEIC_BRANDS.has(major)) return 'heic';
  if (compatible.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (compatible.some((b) => HEIC_BRANDS.has(b))) return 'heic';
  return null; // some other ISO media file (mp4, mov...)
}

function looksLikeBmp(bytes: Uint8Array): boolean {
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return false;
  const dibSize = u32le(bytes, 14);
  const dataOffset = u32le(bytes, 10);
  return BMP_DIB_SIZES.has(dibSize) && dataOffset >= 14 + dibSize && dataOffset < 0x10000000;
}

/** Decodes a sample as UTF-8; null when it is not valid UTF-8 (a sequence cut at the end is fine). */
function decodeUtf8(sample: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
  } catch {
    return null;
  }
}

function isMostlyPrintable(text: string): boolean {
  if (text.length === 0) return false;
  let bad = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0) return false;
    const control = (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) ||
      (c >= 0x7f && c < 0xa0);
    if (control) bad++;
  }
  return bad / text.length <= 0.05;
}

/** True when the text, after an optional BOM, XML declaration, comments and doctype, opens an <svg> element. */
function isSvgText(text: string): boolean {
  let s = text.replace(/^\uFEFF/, '');
  for (;;) {
    s = s.replace(/^\s+/, '');
    if (s.startsWith('<?')) {
      const end = s.indexOf('?>');
      if (end < 0) return false;
      s = s.slice(end + 2);
    } else if (s.startsWith('<!--')) {
      const end = s.indexOf('-->');
      if (end < 0) return false;
      s = s.slice(end + 3);
    } else if (/^<!doctype/i.test(s)) {
      const m = /^<!doctype[^[>]*(\[[\s\S]*?\])?[^>]*>/i.exec(s);
      if (!m) return false;
      s = s.slice(m[0].length);
    } else {
      return /^<svg[\s>/:]/i.test(s);
    }
  }
}

/** Identifies the format from magic bytes. */
export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  if (bytes.length === 0) return 'empty';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  const head6 = ascii(bytes, 0, 6);
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (looksLikeBmp(bytes)) return 'bmp';
  const iso = sniffIsoBmff(bytes);
  if (iso) return iso;
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (ascii(bytes, 0, 5) === '%PDF-') return 'pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  const text = decodeUtf8(bytes.subarray(0, 512));
  if (text === null || !isMostlyPrintable(text)) return 'unknown';
  const svgSample = bytes.length > 512 ? new TextDecoder().decode(bytes.subarray(0, 8192)) : text;
  return isSvgText(svgSample) ? 'svg' : 'text';
}

const PADDING = new Set([0x00, 0x09, 0x0a, 0x0d, 0x20]);

/** Index just past the last non-padding byte, looking back at most `max` bytes; -1 if all of them are padding. */
function contentEnd(bytes: Uint8Array, max: number): number {
  let end = bytes.length;
  while (end > 0 && bytes.length - end < max && PADDING.has(bytes[end - 1])) end--;
  if (end > 0 && PADDING.has(bytes[end - 1])) return -1;
  return end;
}

const PNG_IEND = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/** False when a JPEG, PNG or GIF stops before its end marker (a cut-off download or copy). */
export function checkComplete(format: SniffedFormat, bytes: Uint8Array): boolean {
  switch (format) {
    case 'jpeg': {
      const end = contentEnd(bytes, 64);
      return end >= 4 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9;
    }
    case 'png': {
      const end = contentEnd(bytes, 64);
      return end >= 8 + 12 && startsWith(bytes, PNG_IEND, end - 12);
    }
    case 'gif': {
      const end = contentEnd(bytes, 8);
      return end > 13 && bytes[end - 1] === 0x3b;
    }
    default:
      return true;
  }
}

const FORMAT_LABEL: Record<SniffedFormat, string> = {
  jpeg: 'JPEG', png: 'PNG', webp: 'WebP', gif: 'GIF', bmp: 'BMP', heic: 'HEIC', avif: 'AVIF',
  tiff: 'TIFF', svg: 'SVG', zip: 'zip', pdf: 'PDF', text: 'text', empty: 'empty', unknown: 'unknown',
};

export function formatLabel(format: SniffedFormat): string {
  return FORMAT_LABEL[format];
}

/**
 * Why a file of this format was not imported. For a supported format (jpeg, png, ...) this
 * describes a decode failure (code 'corrupt'), since the format itself is fine.
 */
export function describeSkip(format: SniffedFormat): SkipDescription {
  switch (format) {
    case 'heic':
      return { code: 'unsupported-format', reason: 'HEIC photos cannot be decoded by the browser; export as JPEG or PNG and import again' };
    case 'avif':
      return { code: 'unsupported-format', reason: 'AVIF images are not supported; export as JPEG or PNG and import again' };
    case 'tiff':
      return { code: 'unsupported-format', reason: 'TIFF images cannot be decoded by the browser; export as JPEG or PNG and import again' };
    case 'svg':
      return { code: 'unsupported-format', reason: 'SVG is a vector drawing, not a photo; export it as PNG' };
    case 'pdf':
      return { code: 'not-an-image', reason: 'not an image: the file is a PDF document; export its pages as PNG or JPEG' };
    case 'text':
      return { code: 'not-an-image', reason: 'not an image: the file holds text' };
    case 'zip':
      return { code: 'nested-zip', reason: 'a zip inside a zip is not opened; unzip it and import the folder' };
    case 'empty':
      return { code: 'empty-file', reason: 'empty file (0 bytes)' };
    case 'unknown':
      return { code: 'not-an-image', reason: 'not an image: unrecognised file contents' };
    default:
      return { code: 'corrupt', reason: `damaged ${FORMAT_LABEL[format]}: the image data could not be decoded` };
  }
}

export function describeTruncated(format: SniffedFormat): SkipDescription {
  return { code: 'truncated', reason: `truncated ${FORMAT_LABEL[format]}: the file ends before the image data is complete` };
}

export type ImportCheck =
  | { ok: true; format: SniffedFormat }
  | { ok: false; format: SniffedFormat; code: SkipCode; reason: string };

/** Sniff + completeness in one step: ok for a complete file in a supported format. */
export function checkImportable(bytes: Uint8Array): ImportCheck {
  const format = sniffFormat(bytes);
  if (!SUPPORTED_FORMATS.includes(format)) return { ok: false, format, ...describeSkip(format) };
  if (!checkComplete(format, bytes)) return { ok: false, format, ...describeTruncated(format) };
  return { ok: true, format };
}
