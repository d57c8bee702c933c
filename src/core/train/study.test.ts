import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildHead } from './head';
import type { HeadCandidate } from './head-search';
import { createRng } from './rng';
import { defaultFamilies, runStudy } from './study';
import { averageLinearHeads, averageLogits, fitHead, outOfFoldPredictions } from './study-fit';
import { trainFamily } from './head-search';
import { chooseK, stratifiedFolds } from './study-folds';
import { applyNamedWeights, encodeNamed } from './weights';

/** Gaussian clusters: class c centred at a random point, spread `noise`; dims beyond 4 are noise only. */
function clusters(perClass: number[], dim: number, noise: number, seed: number) {
  const rng = createRng(seed);
  const centres = perClass.map(() => Array.from({ length: dim }, (_, d) => (d < 4 ? rng.normal() * 2 : 0)));
  const labels: number[] = [];
  const rows: number[] = [];
  perClass.forEach((n, c) => {
    for (let i = 0; i < n; i++) {
      labels.push(c);
      for (let d = 0; d < dim; d++) rows.push(centres[c][d] + rng.normal() * noise + (d === 5 ? 40 : 0));
    }
  });
  return { features: Float32Array.from(rows), labels, keys: labels.map((_, i) => `h${(i * 7919) % 1000}-${i}`) };
}

const small: HeadCandidate[][] = [
  [0.001, 0.1].map((l2) => ({ hiddenUnits: 0, dropout: 0, lr: 0.05, l2, labelSmoothing: 0, standardize: true, balance: 'none' as const })),
  [{ hiddenUnits: 8, dropout: 0.2, lr: 0.02, l2: 0.001, labelSmoothing: 0, standardize: true, balance: 'none' }],
];

describe('study folds', () => {
  it('k follows the smallest class, between 2 and 5', () => {
    expect(chooseK([0, 0, 0, 1, 1, 1])).toBe(3);
    expect(chooseK([...Array(40).fill(0), ...Array(9).fill(1)])).toBe(5);
    expect(chooseK([0, 1, 1, 1])).toBe(2);
  });
  it('stratified, seeded, each image in one fold, independent of input order', () => {
    const labels = [...Array(23).fill(0), ...Array(17).fill(1), ...Array(9).fill(2)];
    const keys = labels.map((_, i) => `k${i}`);
    const f = stratifiedFolds(labels, 4, 7, keys);
    expect(f.every((x) => x >= 0 && x < 4)).toBe(true);
    for (const c of [0, 1, 2]) {
      const per = [0, 1, 2, 3].map((k) => f.filter((x, i) => x === k && labels[i] === c).length);
      expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
    }
    const sizes = [0, 1, 2, 3].map((k) => f.filter((x) => x === k).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(stratifiedFolds(labels, 4, 7, keys)).toEqual(f);
    expect(stratifiedFolds(labels, 4, 8, keys)).not.toEqual(f);
    // The same images listed in another order keep their folds (keys travel with them).
    const perm = labels.map((_, i) => i).reverse();
    const g = stratifiedFolds(perm.map((i) => labels[i]), 4, 7, perm.map((i) => keys[i]));
    perm.forEach((src, j) => expect(g[j]).toBe(f[src]));
  });
});

describe('runStudy', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  it('separable clusters score near 100% out of fold; the same seed gives the same choice', async () => {
    const d = clusters([30, 30, 30], 12, 0.5, 3);
    const opts = { features: d.features, dim: 12, labels: d.labels, numClasses: 3, keys: d.keys, seed: 5, budgetMs: 1e9, steps: 40, evalEvery: 4, families: small };
    const a = await runStudy(opts);
    expect(a.k).toBe(5);
    expect(a.rows).toHaveLength(3);
    expect(a.best.accuracy).toBeGreaterThan(0.95);
    expect(a.best.foldAccuracy).toHaveLength(5);
    expect(a.best.steps % 4 === 0 || a.best.steps === 40).toBe(true);
    const b = await runStudy(opts);
    const noTime = (r: typeof a.best) => ({ ...r, ms: 0 });
    expect(noTime(b.best)).toEqual(noTime(a.best));
    expect(b.rows.map((r) => r.accuracy)).toEqual(a.rows.map((r) => r.accuracy));
  });

  it('noise scores near chance and strong L2 is not worse there', async () => {
    const d = clusters([40, 40], 12, 50, 9);
    const res = await runStudy({ features: d.features, dim: 12, labels: d.labels, numClasses: 2, seed: 1, budgetMs: 1e9, steps: 40, evalEvery: 8, families: small });
    expect(res.best.accuracy).toBeLessThan(0.8);
    for (const r of res.rows) expect(r.accuracy).toBeGreaterThanOrEqual(0);
  });

  it('respects its budget: after the first family, a spent budget starts nothing new', async () => {
    const d = clusters([20, 20], 8, 1, 2);
    let t = 0;
    const res = await runStudy({
      features: d.features, dim: 8, labels: d.labels, numClasses: 2, seed: 1, budgetMs: 1000, steps: 16, evalEvery: 4, families: small,
      now: () => (t += 600), // every clock read is 600 ms later: the budget is gone after the first family
    });
    expect(res.rows).toHaveLength(2);
    expect(res.skipped).toBe(1);
    // The first family stopped at its first reading (4 of 16 passes) instead of running on.
    expect(res.truncated).toBe(true);
    for (const r of res.rows) expect(r.steps).toBe(4);
  });

  it('default families try linear heads first and add class weighting when classes are out of balance', () => {
    const even = defaultFamilies([0, 0, 1, 1], 2);
    expect(even[0].every((c) => c.hiddenUnits === 0 && c.standardize && c.balance === 'none')).toBe(true);
    const skewed = defaultFamilies([0, 0, 0, 0, 1], 2);
    expect(skewed[0].some((c) => c.balance === 'class-weights')).toBe(true);
  });
});

describe('fitHead', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives an ordinary studio head (standardization folded in) that predicts like the fitted one', async () => {
    const before = tf.memory().numTensors;
    const d = clusters([25, 25, 25], 10, 0.8, 4);
    for (const cand of [small[0][0], small[1][0]]) {
      const evals: number[] = [];
      const mean = new Float32Array(10).map((_, i) => i * 0.5);
      const std = new Float32Array(10).map((_, i) => 1 + i);
      const fit = await fitHead({
        features: d.features, dim: 10, labels: d.labels, numClasses: 3, candidate: cand, steps: 30, seed: 2, mean, std,
        val: { features: d.features.slice(0, 500), labels: d.labels.slice(0, 50) }, evalEvery: 10,
        onEval: (e) => void evals.push(e.accuracy[0]),
      });
      expect(evals).toHaveLength(3);
      const head = buildHead(10, 3, { hiddenUnits: cand.hiddenUnits, dropout: cand.dropout, l2: cand.l2 }, 1);
      const enc = await encodeNamed(fit.weights);
      expect(applyNamedWeights(enc, [{ prefix: 'head', model: head }])).toBe(fit.weights.length);
      const acc = tf.tidy(() => {
        const p = head.predict(tf.tensor2d(d.features, [75, 10])) as tf.Tensor;
        return p.argMax(1).equal(tf.tensor1d(d.labels, 'int32')).mean().dataSync()[0];
      });
      // The folded head reproduces the fitted head's training accuracy (the last evaluation).
      expect(acc).toBeCloseTo(evals[evals.length - 1], 5);
      expect(acc).toBeGreaterThan(0.9);
      head.dispose();
      tf.dispose(fit.weights.map((w) => w.tensor));
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('outOfFoldPredictions', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('scores every row with the fold model that never trained on it, matching the study', async () => {
    const before = tf.memory().numTensors;
    const d = clusters([14, 12, 10], 10, 2.5, 8);
    const n = d.labels.length;
    const study = await runStudy({ features: d.features, dim: 10, labels: d.labels, numClasses: 3, keys: d.keys, seed: 3, budgetMs: 1e9, steps: 24, evalEvery: 4, families: [small[0]] });
    const best = study.best;
    const res = (await outOfFoldPredictions({
      features: d.features, dim: 10, labels: d.labels, numClasses: 3, candidate: best.candidate, steps: best.steps, seed: 3,
      mean: study.mean, std: study.std, folds: study.folds, k: study.k, evalEvery: 4,
    }))!;
    const oof = res.probabilities;
    // Its curve is the study's, read at the same passes.
    expect(res.curve.at(-1)).toMatchObject({ step: best.steps });
    expect(res.curve.at(-1)!.accuracy).toBeCloseTo(best.accuracy, 6);
    expect(res.curve.at(-1)!.loss).toBeCloseTo(best.loss, 4);
    expect(oof).toHaveLength(n * 3);
    let right = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(oof.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      if (row.indexOf(Math.max(...row)) === d.labels[i]) right++;
    }
    // The same figure the study reported for that setting at that pass.
    expect(right / n).toBeCloseTo(best.accuracy, 6);
    // Each fold's rows: the same probabilities as a head trained apart on every other row only.
    const std = (i: number) => Array.from(d.features.subarray(i * 10, i * 10 + 10), (v, j) => (v - study.mean[j]) / study.std[j]);
    for (let f = 0; f < study.k; f++) {
      const held = d.labels.map((_, i) => i).filter((i) => study.folds[i] === f);
      const rest = d.labels.map((_, i) => i).filter((i) => study.folds[i] !== f);
      const x = tf.tensor2d(rest.flatMap(std), [rest.length, 10]);
      const apart = await trainFamily({ x, labels: rest.map((i) => d.labels[i]), numClasses: 3, candidates: [best.candidate], folds: null, k: 1, steps: best.steps, evalEvery: best.steps, seed: 3 });
      const [k0, b0] = apart.weights![0];
      const p = tf.tidy(() => tf.softmax(tf.tensor2d(held.flatMap(std), [held.length, 10]).matMul(k0).add(b0)));
      const own = await p.data();
      held.forEach((row, r) => {
        for (let c = 0; c < 3; c++) expect(Math.abs(own[r * 3 + c] - oof[row * 3 + c])).toBeLessThan(1e-5);
      });
      tf.dispose([x, p, ...apart.weights!.flat()]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('averaged heads', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the averaged linear head predicts what averaging the members’ logits gives, and so do averaged probabilities', async () => {
    const before = tf.memory().numTensors;
    const d = clusters([20, 20, 20], 8, 1.5, 11);
    const mean = new Float32Array(8).fill(0.2);
    const std = new Float32Array(8).fill(1.5);
    const cands = [small[0][0], small[0][1], { ...small[0][0], standardize: false, labelSmoothing: 0.1 }];
    const fits: { name: string; tensor: tf.Tensor }[][] = [];
    for (const [i, c] of cands.entries()) fits.push((await fitHead({ features: d.features, dim: 8, labels: d.labels, numClasses: 3, candidate: c, steps: 10 + 5 * i, seed: 4, mean, std })).weights);
    const avg = averageLinearHeads(fits);
    const x = tf.tensor2d(d.features, [60, 8]);
    const logits = (ws: { name: string; tensor: tf.Tensor }[]) => {
      const w = Object.fromEntries(ws.map((o) => [o.name, o.tensor]));
      return x.matMul(w['head/head_logits/0']).add(w['head/head_logits/1']);
    };
    const [fromHead, fromMembers, memberProbs] = tf.tidy(() => [
      tf.softmax(logits(avg)),
      tf.softmax(tf.addN(fits.map(logits)).div(3)),
      fits.map((f) => tf.softmax(logits(f))),
    ]) as [tf.Tensor, tf.Tensor, tf.Tensor[]];
    const a = await fromHead.data();
    const b = await fromMembers.data();
    const c = averageLogits(await Promise.all(memberProbs.map((p) => p.data() as Promise<Float32Array>)), 3);
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
      expect(Math.abs(a[i] - c[i])).toBeLessThan(1e-5);
    }
    // Not just one member's answer.
    const first = await memberProbs[0].data();
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - first[i])))).toBeGreaterThan(1e-3);
    expect(() => averageLinearHeads([[{ name: 'head/head_hidden/0', tensor: avg[0].tensor }]])).toThrow(/only linear heads/);
    tf.dispose([x, fromHead, fromMembers, ...memberProbs, ...avg.map((w) => w.tensor), ...fits.flat().map((w) => w.tensor)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
