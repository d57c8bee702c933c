// Checks the seeded PRNG: determinism, ranges, rough uniformity, shuffling and forked streams.
import { describe, expect, it } from 'vitest';
import { createRng } from './rng';

const draw = (seed: number, n: number) => {
  const r = createRng(seed);
  return Array.from({ length: n }, () => r.next());
};

describe('createRng', () => {
  it('replays the same sequence for the same seed and differs across seeds', () => {
    expect(draw(42, 20)).toEqual(draw(42, 20));
    expect(draw(42, 20)).not.toEqual(draw(43, 20));
    expect(draw(0, 5)).not.toEqual(draw(1, 5));
  });

  it('accepts non-integer, negative and huge seeds deterministically', () => {
    for (const s of [0.5, -7, 2 ** 40, 1e-9]) expect(draw(s, 5)).toEqual(draw(s, 5));
    expect(draw(0.5, 5)).not.toEqual(draw(0.25, 5));
    expect(draw(-1, 5)).not.toEqual(draw(1, 5));
    expect(() => createRng(NaN)).toThrow(/finite/);
    expect(() => createRng(Infinity)).toThrow(/finite/);
  });

  it('next() stays in [0, 1) and is roughly uniform', () => {
    const xs = draw(7, 20000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 1.5);
    const buckets = new Array(10).fill(0);
    for (const x of xs) buckets[Math.floor(x * 10)]++;
    for (const b of buckets) expect(Math.abs(b - 2000)).toBeLessThan(200);
  });

  it('int(n) covers exactly 0..n-1 and rejects bad n', () => {
    const r = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(6);
      expect(Number.isInteger(v)).toBe(true);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.int(1)).toBe(0);
    expect(() => r.int(0)).toThrow();
    expect(() => r.int(2.5)).toThrow();
    expect(() => r.int(-3)).toThrow();
  });

  it('uniform(lo, hi) stays in range; normal() has mean 0 and std 1', () => {
    const r = createRng(11);
    for (let i = 0; i < 1000; i++) {
      const u = r.uniform(-2, 3);
      expect(u).toBeGreaterThanOrEqual(-2);
      expect(u).toBeLessThan(3);
    }
    const zs = Array.from({ length: 20000 }, () => r.normal());
    const mean = zs.reduce((a, b) => a + b, 0) / zs.length;
    const variance = zs.reduce((a, b) => a + (b - mean) ** 2, 0) / zs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.03);
    expect(zs.every(Number.isFinite)).toBe(true);
  });

  it('shuffle is an in-place permutation, deterministic for the seed', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const out = createRng(5).shuffle(a);
    expect(out).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const b = Array.from({ length: 50 }, (_, i) => i);
    createRng(5).shuffle(b);
    expect(b).toEqual(a);
    expect(createRng(1).shuffle([])).toEqual([]);
    expect(createRng(1).shuffle(['x'])).toEqual(['x']);
  });

  it('shuffle is unbiased enough: every position gets every element', () => {
    const counts = Array.from({ length: 4 }, () => new Array(4).fill(0));
    const r = createRng(99);
    for (let t = 0; t < 8000; t++) {
      const p = r.shuffle([0, 1, 2, 3]);
      p.forEach((v, pos) => counts[v][pos]++);
    }
    for (const row of counts) for (const c of row) expect(Math.abs(c - 2000)).toBeLessThan(150);
  });

  it('fork depends on seed and label only, not on draws made so far', () => {
    const r1 = createRng(8);
    const r2 = createRng(8);
    r2.next();
    r2.next();
    const a = r1.fork('val');
    const b = r2.fork('val');
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
    // forking does not advance the parent
    const p = createRng(8);
    p.fork('x');
    expect(p.next()).toBe(createRng(8).next());
  });

  it('forks with different labels, and forks vs parent, are different streams', () => {
    const r = createRng(8);
    const seqs = ['a', 'b', 'class-1', 'class-10', ''].map((l) => {
      const f = r.fork(l);
      return [f.next(), f.next(), f.next()].join();
    });
    seqs.push(draw(8, 3).join());
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(createRng(1).fork('a').seed).not.toBe(createRng(2).fork('a').seed);
    const nested = r.fork('a').fork('b');
    expect(nested.next()).toBe(createRng(8).fork('a').fork('b').next());
  });
});
