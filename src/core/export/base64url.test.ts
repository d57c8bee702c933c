// Base64url against Node's Buffer encoder, and strict rejection of anything else.
import { describe, expect, it } from 'vitest';
import { createRng } from '../train/rng';
import { decodeBase64Url, encodeBase64Url } from './base64url';

describe('base64url', () => {
  it('matches Buffer base64url for every length remainder, and round-trips', () => {
    const rng = createRng(2);
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n * 7 + (n % 3) }, () => rng.int(256));
      const s = encodeBase64Url(bytes);
      expect(s).toBe(Buffer.from(bytes).toString('base64url'));
      expect(Array.from(decodeBase64Url(s)!)).toEqual(Array.from(bytes));
    }
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 255);
    expect(encodeBase64Url(big)).toBe(Buffer.from(big).toString('base64url'));
  });

  it('hand examples', () => {
    expect(encodeBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(Array.from(decodeBase64Url('-_8')!)).toEqual([0xfb, 0xff]);
    expect(Array.from(decodeBase64Url('')!)).toEqual([]);
  });

  it('rejects other alphabets, padding, whitespace and impossible lengths', () => {
    for (const bad of ['ab+c', 'ab/c', 'YQ==', 'YW J', 'A', 'AAAAA', 'é', 'YWJj\n']) expect(decodeBase64Url(bad)).toBeNull();
  });
});
