// Seeded pseudo-random numbers so splits, shuffles and augmentations replay exactly for a
// given seed (on any device); fork() derives independent named streams from one seed.

/** A deterministic random stream. Not cryptographic. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n); n must be a positive integer. */
  int(n: number): number;
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal sample (Box–Muller). */
  normal(): number;
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(array: T[]): T[];
  /**
   * An independent stream derived from this stream's seed and `label` only — not from how many
   * numbers have been drawn — so adding draws elsewhere never changes a forked stream.
   */
  fork(label: string): Rng;
  /** The 32-bit seed this stream started from. */
  readonly seed: number;
}

/** Mixes a 32-bit value (murmur3 finaliser) so that nearby seeds give unrelated streams. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Any finite number → a well-mixed uint32 (non-integers and large values hash their bits). */
function seedToUint32(seed: number): number {
  if (!Number.isFinite(seed)) throw new Error(`Rng seed must be finite, got ${seed}`);
  if (Number.isInteger(seed) && Math.abs(seed) < 2 ** 32) return mix32(seed >>> 0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, seed);
  return mix32(view.getUint32(0) ^ mix32(view.getUint32(4)));
}

/** FNV-1a over the UTF-16 code units of `label`, combined with a parent seed. */
function deriveSeed(parent: number, label: string): number {
  let h = 0x811c9dc5 ^ parent;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mix32(h ^ Math.imul(parent, 0x9e3779b9));
}

/** mulberry32 stream from an already-mixed uint32 state. */
function fromState(seed32: number): Rng {
  let state = seed32 >>> 0;
  let spareNormal: number | null = null;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    seed: seed32,
    next,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int needs a positive integer, got ${n}`);
      return Math.floor(next() * n);
    },
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal(): number {
      if (spareNormal !== null) {
        const z = spareNormal;
        spareNormal = null;
        return z;
      }
      const u = 1 - next(); // (0, 1]: log is finite
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle<T>(array: T[]): T[] {
      for (let i = array.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = array[i];
        array[i] = array[j];
        array[j] = tmp;
      }
      return array;
    },
    fork: (label: string) => fromState(deriveSeed(seed32, label)),
  };
  return rng;
}

/** A new stream for `seed` (any finite number; the same seed always gives the same stream). */
export function createRng(seed: number): Rng {
  return fromState(seedToUint32(seed));
}
