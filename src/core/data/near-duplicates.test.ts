// The near-duplicate finder on real photos: a copy that is resized, re-encoded as JPEG and
// slightly cropped is found; distinct photos of the same class are not. Uses the ants/bees
// photos in ../shared when present (never copied into the project); a synthetic scene otherwise.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { findNearDuplicates, hammingDistance, NEAR_DUPLICATE_BITS, perceptualHash } from './near-duplicates';

interface Rgba { data: Uint8Array; width: number; height: number }

/** Bilinear resize of RGBA pixels. */
function resize(im: Rgba, w: number, h: number): Rgba {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const sx = Math.min(im.width - 1.001, Math.max(0, ((x + 0.5) * im.width) / w - 0.5));
      const sy = Math.min(im.height - 1.001, Math.max(0, ((y + 0.5) * im.height) / h - 0.5));
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      for (let c = 0; c < 4; c++) {
        const p = (xx: number, yy: number) => im.data[(yy * im.width + xx) * 4 + c];
        out[(y * w + x) * 4 + c] = Math.round(p(x0, y0) * (1 - fx) * (1 - fy) + p(x0 + 1, y0) * fx * (1 - fy) + p(x0, y0 + 1) * (1 - fx) * fy + p(x0 + 1, y0 + 1) * fx * fy);
      }
    }
  return { data: out, width: w, height: h };
}

function crop(im: Rgba, share: number): Rgba {
  const dx = Math.round(im.width * share), dy = Math.round(im.height * share);
  const w = im.width - 2 * dx, h = im.height - 2 * dy;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) out.set(im.data.subarray(((y + dy) * im.width + dx) * 4, ((y + dy) * im.width + dx + w) * 4), y * w * 4);
  return { data: out, width: w, height: h };
}

const reencode = (im: Rgba, quality: number): Rgba => {
  const d = jpeg.decode(jpeg.encode({ data: im.data, width: im.width, height: im.height }, quality).data, { useTArray: true });
  return { data: d.data, width: d.width, height: d.height };
};
const hash = (im: Rgba) => perceptualHash(im.data, im.width, im.height, 4);
/** The edits a photo goes through between two imports: resized to 60%, JPEG at quality 55, 4% (by default) cropped off each side. */
const copyOf = (im: Rgba, cropShare = 0.04) => crop(reencode(resize(im, Math.round(im.width * 0.6), Math.round(im.height * 0.6)), 55), cropShare);

/** A deterministic photo-like scene: smooth value noise at two scales, per channel. */
function scene(seed: number, w = 320, h = 240): Rgba {
  let state = seed * 2654435761;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const grid = (gw: number, gh: number) => Array.from({ length: (gw + 1) * (gh + 1) }, rand);
  const layers = [{ gw: 6, gh: 4, amp: 170, g: grid(6, 4) }, { gw: 24, gh: 18, amp: 60, g: grid(24, 18) }];
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = 10;
      for (const { gw, gh, amp, g } of layers) {
        const gx = (x / w) * gw, gy = (y / h) * gh, x0 = Math.floor(gx), y0 = Math.floor(gy), fx = gx - x0, fy = gy - y0;
        const at = (i: number, j: number) => g[j * (gw + 1) + i];
        v += amp * (at(x0, y0) * (1 - fx) * (1 - fy) + at(x0 + 1, y0) * fx * (1 - fy) + at(x0, y0 + 1) * (1 - fx) * fy + at(x0 + 1, y0 + 1) * fx * fy);
      }
      const i = (y * w + x) * 4;
      data[i] = Math.min(255, v); data[i + 1] = Math.min(255, v * 0.8 + 20); data[i + 2] = 255 - Math.min(255, v); data[i + 3] = 255;
    }
  return { data, width: w, height: h };
}

describe('perceptual hash near-duplicates', () => {
  // The synthetic scene is smoother than a photo, so a crop moves its hash more: 2% a side here.
  it('finds a resized, re-encoded, cropped copy of a synthetic scene and nothing else', () => {
    const originals = [1, 2, 3, 4, 5, 6].map((s) => scene(s));
    const items = originals.map((im, i) => ({ id: `s${i}`, hash: hash(im) }));
    items.push({ id: 'copy-of-s2', hash: hash(copyOf(originals[2], 0.02)) });
    expect(findNearDuplicates(items)).toEqual([{ a: 'copy-of-s2', b: 's2', distance: expect.any(Number) }]);
  });

  const dir = fileURLToPath(new URL('../../../../shared/datasets/hymenoptera/val/bees', import.meta.url));
  const present = existsSync(dir);
  if (!present) console.log(`real-photo near-duplicate test skipped: ${relative(process.cwd(), dir)} not found`);
  it.skipIf(!present)('on 40 real bee photos: the edited copy is within the threshold, no two distinct photos are', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().slice(0, 40);
    const photos = files.map((f) => {
      const d = jpeg.decode(readFileSync(`${dir}/${f}`), { useTArray: true });
      return { data: d.data, width: d.width, height: d.height };
    });
    const items = photos.map((im, i) => ({ id: files[i], hash: hash(im) }));
    const copy = copyOf(photos[7]);
    const d = hammingDistance(items[7].hash, hash(copy));
    console.log(`pHash distance original → edited copy: ${d} bits (threshold ${NEAR_DUPLICATE_BITS})`);
    expect(d).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
    items.push({ id: 'zz-copy', hash: hash(copy) });
    expect(findNearDuplicates(items)).toEqual([{ a: files[7], b: 'zz-copy', distance: d }]);
  });

  it('rejects pixel data that does not match its size', () => {
    expect(() => perceptualHash(new Uint8Array(10), 4, 4, 4)).toThrow(/pixel data/);
  });
});
