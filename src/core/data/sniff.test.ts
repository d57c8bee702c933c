// Checks magic-byte sniffing, truncation detection and the skip reasons people will read.
import { zipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkComplete, checkImportable, describeSkip, describeTruncated, sniffFormat } from './sniff';

const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const utf8 = (s: string) => new TextEncoder().encode(s);

function realJpeg(): Uint8Array {
  const data = Buffer.alloc(8 * 8 * 4, 128);
  return new Uint8Array(jpeg.encode({ data, width: 8, height: 8 }, 90).data);
}
function realPng(): Uint8Array {
  const png = new PNG({ width: 4, height: 3 });
  png.data.fill(200);
  return new Uint8Array(PNG.sync.write(png));
}
const bmpHeader = (dib = 40) => {
  const b = new Uint8Array(14 + dib + 4);
  b.set([0x42, 0x4d], 0);
  new DataView(b.buffer).setUint32(10, 14 + dib, true);
  new DataView(b.buffer).setUint32(14, dib, true);
  return b;
};
const ftyp = (major: string, ...compat: string[]) => {
  const body = bytes('ftyp', major, [0, 0, 0, 0], ...compat);
  const size = body.length + 4;
  return bytes([0, 0, 0, size], [...body], [0, 0, 0, 8], 'meta');
};
// A minimal but complete GIF89a (1x1).
const GIF = bytes('GIF89a', [1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b]);

describe('sniffFormat', () => {
  it.each([
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0])],
    ['png', bytes([0x89], 'PNG\r\n', [0x1a, 0x0a])],
    ['gif', bytes('GIF87a')],
    ['gif', bytes('GIF89a')],
    ['webp', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 ')],
    ['bmp', bmpHeader(40)],
    ['bmp', bmpHeader(124)],
    ['bmp', bmpHeader(12)],
    ['heic', ftyp('heic', 'mif1', 'heic')],
    ['heic', ftyp('mif1', 'heic')],
    ['heic', ftyp('msf1', 'hevc')],
    ['avif', ftyp('avif', 'mif1', 'avif')],
    ['avif', ftyp('mif1', 'avif', 'miaf')],
    ['avif', ftyp('avis')],
    ['tiff', bytes('II*', [0, 8, 0, 0, 0])],
    ['tiff', bytes('MM', [0, 0x2a, 0, 0, 0, 8])],
    ['pdf', bytes('%PDF-1.7\n')],
    ['zip', bytes('PK', [3, 4, 20, 0])],
    ['zip', bytes('PK', [5, 6], new Array(18).fill(0))],
    ['empty', new Uint8Array(0)],
  ] as const)('%s', (format, input) => {
    expect(sniffFormat(input)).toBe(format);
  });

  it('recognises real encoder output and real zips', () => {
    expect(sniffFormat(realJpeg())).toBe('jpeg');
    expect(sniffFormat(realPng())).toBe('png');
    expect(sniffFormat(zipSync({ 'a.txt': utf8('hi') }))).toBe('zip');
    expect(sniffFormat(zipSync({}))).toBe('zip');
  });

  it('does not take other ISO media (mp4) or near-misses for images', () => {
    expect(sniffFormat(ftyp('isom', 'iso2', 'mp41'))).toBe('unknown');
    expect(sniffFormat(bytes('GIF90a', [1, 0, 1, 0]))).toBe('unknown');
    expect(sniffFormat(bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '))).toBe('unknown');
    expect(sniffFormat(bytes('PK', [1, 2]))).toBe('unknown');
    expect(sniffFormat(bytes([0xff, 0xd8, 0x00, 0x01]))).toBe('unknown');
  });

  it('treats text that merely starts with "BM" as text, not BMP', () => {
    expect(sniffFormat(utf8('BMW owners club: meeting notes for the spring'))).toBe('text');
  });

  it.each([
    ['<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ['\uFEFF  \n<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<svg width="1">'],
    ['<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg>'],
    ['<!DOCTYPE svg [ <!ENTITY e "x"> ]>\n<SVG viewBox="0 0 1 1"></SVG>'],
    ['<!-- a --><!-- b -->\t<svg\n  width="3">'],
  ])('svg: %j', (src) => {
    expect(sniffFormat(utf8(src))).toBe('svg');
  });

  it('finds <svg after a long comment beyond the 512-byte text sample', () => {
    expect(sniffFormat(utf8(`<!-- ${'x'.repeat(2000)} --><svg>`))).toBe('svg');
  });

  it.each([
    ['<html><body><svg></svg></body></html>'],
    ['<svgx>not svg</svgx>'],
    ['hello <svg> later'],
    ['<!-- unterminated comment <svg>'],
  ])('not svg but text: %j', (src) => {
    expect(sniffFormat(utf8(src))).toBe('text');
  });

  it('text: plain, unicode, and a multibyte character cut at the 512-byte sample edge', () => {
    expect(sniffFormat(utf8('name,label\ncat.jpg,cat\n'))).toBe('text');
    expect(sniffFormat(utf8('été 😀 naïve café\r\n\tindent'))).toBe('text');
    expect(sniffFormat(utf8('a'.repeat(511) + 'é and more'))).toBe('text');
  });

  it('unknown: NUL bytes, invalid UTF-8, mostly control characters', () => {
    expect(sniffFormat(bytes('abc', [0], 'def'))).toBe('unknown');
    expect(sniffFormat(bytes([0xc3, 0x28, 0x41, 0x42]))).toBe('unknown');
    expect(sniffFormat(bytes([1, 2, 3, 4, 5, 6, 7, 8, 65]))).toBe('unknown');
    expect(sniffFormat(bytes([0x42]))).toBe('text');
  });
});

describe('checkComplete', () => {
  it('accepts complete files and rejects them cut short', () => {
    const j = realJpeg();
    const p = realPng();
    expect(checkComplete('jpeg', j)).toBe(true);
    expect(checkComplete('jpeg', j.subarray(0, j.length - 1))).toBe(false);
    expect(checkComplete('jpeg', j.subarray(0, j.length >> 1))).toBe(false);
    expect(checkComplete('png', p)).toBe(true);
    expect(checkComplete('png', p.subarray(0, p.length - 1))).toBe(false);
    expect(checkComplete('png', p.subarray(0, p.length - 12))).toBe(false);
    expect(checkComplete('gif', GIF)).toBe(true);
    expect(checkComplete('gif', GIF.subarray(0, GIF.length - 1))).toBe(false);
  });

  it('allows up to 64 bytes of zero/whitespace padding after the JPEG EOI, not more', () => {
    const j = realJpeg();
    const pad = (n: number, v = 0) => new Uint8Array([...j, ...new Array(n).fill(v)]);
    expect(checkComplete('jpeg', pad(64))).toBe(true);
    expect(checkComplete('jpeg', pad(10, 0x20))).toBe(true);
    expect(checkComplete('jpeg', pad(65))).toBe(false);
    expect(checkComplete('jpeg', new Uint8Array([...j, 0x41]))).toBe(false);
    expect(checkComplete('jpeg', bytes([0xff, 0xd8, 0xff, 0xd9]))).toBe(true);
    expect(checkComplete('jpeg', bytes([0xff, 0xd8, 0xff]))).toBe(false);
  });

  it('allows a few padding bytes after the PNG IEND and GIF trailer', () => {
    expect(checkComplete('png', new Uint8Array([...realPng(), 0, 0, 0, 0]))).toBe(true);
    expect(checkComplete('gif', new Uint8Array([...GIF, 0, 0]))).toBe(true);
    expect(checkComplete('gif', new Uint8Array([...GIF, ...new Array(9).fill(0)]))).toBe(false);
  });

  it('passes formats it does not check', () => {
    expect(checkComplete('webp', bytes('RIFF'))).toBe(true);
    expect(checkComplete('bmp', bmpHeader())).toBe(true);
  });
});

describe('describeSkip / describeTruncated / checkImportable', () => {
  it('gives stable codes and human reasons', () => {
    expect(describeSkip('heic')).toEqual({
      code: 'unsupported-format',
      reason: 'HEIC photos cannot be decoded by the browser; export as JPEG or PNG and import again',
    });
    expect(describeSkip('tiff').code).toBe('unsupported-format');
    expect(describeSkip('tiff').reason).toMatch(/^TIFF .*export as JPEG or PNG/);
    expect(describeSkip('avif').code).toBe('unsupported-format');
    expect(describeSkip('svg')).toEqual({ code: 'unsupported-format', reason: 'SVG is a vector drawing, not a photo; export it as PNG' });
    expect(describeSkip('text')).toEqual({ code: 'not-an-image', reason: 'not an image: the file holds text' });
    expect(describeSkip('unknown')).toEqual({ code: 'not-an-image', reason: 'not an image: unrecognised file contents' });
    expect(describeSkip('empty')).toEqual({ code: 'empty-file', reason: 'empty file (0 bytes)' });
    expect(describeSkip('zip')).toEqual({ code: 'nested-zip', reason: 'a zip inside a zip is not opened; unzip it and import the folder' });
    expect(describeSkip('pdf').code).toBe('not-an-image');
    expect(describeSkip('png').code).toBe('corrupt');
    expect(describeTruncated('jpeg')).toEqual({
      code: 'truncated',
      reason: 'truncated JPEG: the file ends before the image data is complete',
    });
  });

  it('checkImportable combines sniffing and completeness', () => {
    const j = realJpeg();
    expect(checkImportable(j)).toEqual({ ok: true, format: 'jpeg' });
    expect(checkImportable(j.subarray(0, 100))).toMatchObject({ ok: false, format: 'jpeg', code: 'truncated' });
    expect(checkImportable(ftyp('heic'))).toMatchObject({ ok: false, format: 'heic', code: 'unsupported-format' });
    expect(checkImportable(new Uint8Array(0))).toMatchObject({ ok: false, code: 'empty-file' });
  });
});
