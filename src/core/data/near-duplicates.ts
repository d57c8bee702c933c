// Near-duplicate photos (the same shot resized, re-encoded or slightly cropped) sitting in
// training and in validation or test inflate every figure. A perceptual hash (pHash: the signs
// of the low 8×8 DCT frequencies of a 32×32 grey thumbnail, against their median) changes by a
// few bits under those edits; unrelated photos differ in about half of the 64 bits.

/** 16 hex digits: 64 bits. */
export type PerceptualHash = string;

const N = 32;
const LOW = 8;

/** Grey 32×32 by box-averaging (nearest sampling for sides under 32). */
function greyThumb(data: ArrayLike<number>, width: number, height: number, channels: number): Float64Array {
  const sum = new Float64Array(N * N);
  const count = new Float64Array(N * N);
  const grey = (i: number) => (channels >= 3 ? 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2] : data[i]);
  if (width >= N && height >= N) {
    for (let y = 0; y < height; y++) {
      const row = Math.floor((y * N) / height) * N;
      for (let x = 0; x < width; x++) {
        const cell = row + Math.floor((x * N) / width);
        sum[cell] += grey((y * width + x) * channels);
        count[cell]++;
      }
    }
    for (let i = 0; i < sum.length; i++) sum[i] /= count[i];
    return sum;
  }
  for (let y = 0; y < N; y++)
    for (let x = 0; x < N; x++) sum[y * N + x] = grey((Math.floor(((y + 0.5) * height) / N) * width + Math.floor(((x + 0.5) * width) / N)) * channels);
  return sum;
}

const COS = (() => {
  const t = new Float64Array(LOW * N);
  for (let u = 0; u < LOW; u++) for (let x = 0; x < N; x++) t[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return t;
})();

/** pHash of an image given as interleaved pixels (1, 3 or 4 channels). */
export function perceptualHash(data: ArrayLike<number>, width: number, height: number, channels: number): PerceptualHash {
  if (width < 1 || height < 1 || data.length < width * height * channels) throw new Error(`pixel data is ${data.length} values, expected ${width}×${height}×${channels}`);
  const g = greyThumb(data, width, height, channels);
  // Separable DCT-II, low 8×8 frequencies only.
  const rows = new Float64Array(N * LOW);
  for (let y = 0; y < N; y++) for (let u = 0; u < LOW; u++) {
    let s = 0;
    for (let x = 0; x < N; x++) s += g[y * N + x] * COS[u * N + x];
    rows[y * LOW + u] = s;
  }
  const coeffs = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) for (let u = 0; u < LOW; u++) {
    let s = 0;
    for (let y = 0; y < N; y++) s += rows[y * LOW + u] * COS[v * N + y];
    coeffs[v * LOW + u] = s;
  }
  // Median of the 63 AC terms (the DC term is overall brightness, not structure).
  const median = Float64Array.from(coeffs.subarray(1)).sort()[31];
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    if (coeffs[i] <= median) continue;
    if (i < 32) hi |= 1 << (31 - i);
    else lo |= 1 << (63 - i);
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Bits that differ between two hashes (0–64). */
export function hammingDistance(a: PerceptualHash, b: PerceptualHash): number {
  return popcount((parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) >>> 0) + popcount((parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16)) >>> 0);
}

/** At or under this many differing bits, two photos are treated as the same shot. */
export const NEAR_DUPLICATE_BITS = 10;

export interface NearDuplicatePair {
  a: string;
  b: string;
  distance: number;
}

/** Every pair within `maxBits`, closest first (ties by id). O(n²) on 64-bit words: 5,000 images is 12.5 M cheap compares. */
export function findNearDuplicates(items: { id: string; hash: PerceptualHash }[], maxBits = NEAR_DUPLICATE_BITS): NearDuplicatePair[] {
  const hi = Uint32Array.from(items, (i) => parseInt(i.hash.slice(0, 8), 16));
  const lo = Uint32Array.from(items, (i) => parseInt(i.hash.slice(8), 16));
  const out: NearDuplicatePair[] = [];
  for (let i = 0; i < items.length; i++)
    for (let j = i + 1; j < items.length; j++) {
      const d = popcount(hi[i] ^ hi[j]) + popcount(lo[i] ^ lo[j]);
      if (d <= maxBits) out.push(items[i].id < items[j].id ? { a: items[i].id, b: items[j].id, distance: d } : { a: items[j].id, b: items[i].id, distance: d });
    }
  return out.sort((x, y) => x.distance - y.distance || (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : 1));
}
