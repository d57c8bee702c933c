// Auto's study: a cross-validated search over classifier heads on cached backbone features.
// Candidates train in families (see head-search) over k stratified, seeded folds; each gets
// its out-of-fold accuracy ± spread across folds and the number of passes that scored best,
// read off the out-of-fold curve rather than guessed by patience. The search stops starting new
// training when its time budget runs out, keeping what the curves reached (the first reading
// of the first family always counts).
import * as tf from '@tensorflow/tfjs';
import { trainFamily, type HeadCandidate } from './head-search';
import { chooseK, stratifiedFolds } from './study-folds';
import { meanAndSpread } from '../metrics/spread';

export interface StudyRow {
  candidate: HeadCandidate;
  /** Out-of-fold accuracy pooled over all images, at the best number of passes. */
  accuracy: number;
  /** Standard deviation of the per-fold accuracies at that point. */
  spread: number;
  /** Mean out-of-fold cross-entropy at that point. */
  loss: number;
  /** Full-batch passes that scored best (the final fit trains this many). */
  steps: number;
  foldAccuracy: number[];
  /** Per fold at the same point: mean out-of-fold cross-entropy and macro F1 (absent in runs stored before they were kept). */
  foldLoss?: number[];
  foldMacroF1?: number[];
  /** Share of its family's wall time. */
  ms: number;
}

export interface StudyResult {
  k: number;
  folds: number[];
  /** Images in each fold. */
  foldSizes: number[];
  /** Best first (accuracy, then lower loss, then the simpler head). */
  rows: StudyRow[];
  best: StudyRow;
  /** Candidates the budget left untried. */
  skipped: number;
  /** A family's training was cut short by the budget (its curves end early). */
  truncated: boolean;
  budgetMs: number;
  elapsedMs: number;
  /** Feature standardization learned on all study images (folded into the final head). */
  mean: Float32Array;
  std: Float32Array;
}

export interface StudyInput {
  /** Row-major [N, dim] features of the training images (unaugmented view). */
  features: Float32Array;
  dim: number;
  labels: number[];
  numClasses: number;
  /** Content keys (hashes) so folds do not depend on import order. */
  keys?: string[];
  seed: number;
  budgetMs: number;
  /** Passes per candidate (default 120) and how often the curve is read (default 8). */
  steps?: number;
  evalEvery?: number;
  families?: HeadCandidate[][];
  now?: () => number;
  onProgress?: (p: { done: number; total: number; rows: StudyRow[] }) => void;
  shouldStop?: () => boolean;
}

/** The search space, most promising first: linear heads on standardized features, a hidden layer, then linear on raw features. */
export function defaultFamilies(labels: number[], numClasses: number): HeadCandidate[][] {
  const counts = Array.from({ length: numClasses }, (_, c) => labels.filter((l) => l === c).length);
  const imbalanced = Math.max(...counts) > 1.5 * Math.min(...counts);
  const balance: HeadCandidate['balance'][] = imbalanced ? ['class-weights', 'none'] : ['none'];
  const grid = (base: Omit<HeadCandidate, 'l2' | 'labelSmoothing' | 'balance'>, l2s: number[], smooth: number[]) =>
    l2s.flatMap((l2) => smooth.flatMap((labelSmoothing) => balance.map((b) => ({ ...base, l2, labelSmoothing, balance: b }))));
  return [
    grid({ hiddenUnits: 0, dropout: 0, lr: 0.01, standardize: true }, [1e-3, 1e-2, 3e-2, 1e-1], [0, 0.1]),
    grid({ hiddenUnits: 64, dropout: 0.5, lr: 0.003, standardize: true }, [1e-3, 1e-2], [0]),
    grid({ hiddenUnits: 0, dropout: 0, lr: 0.01, standardize: false }, [1e-3, 1e-2], [0, 0.1]),
  ];
}

/** Per-dimension mean and standard deviation (floored so constant dimensions stay finite). */
export function featureStats(features: Float32Array, dim: number): { mean: Float32Array; std: Float32Array } {
  const n = features.length / dim;
  const mean = new Float32Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += features[i * dim + d] / n;
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) sq[d] += (features[i * dim + d] - mean[d]) ** 2;
  const std = new Float32Array(dim);
  for (let d = 0; d < dim; d++) std[d] = Math.max(Math.sqrt(sq[d] / Math.max(1, n)), 1e-3);
  return { mean, std };
}

export function standardizeRows(features: Float32Array, dim: number, mean: Float32Array, std: Float32Array): Float32Array {
  const out = new Float32Array(features.length);
  for (let i = 0; i < features.length; i++) out[i] = (features[i] - mean[i % dim]) / std[i % dim];
  return out;
}

const simplicity = (c: HeadCandidate) => c.hiddenUnits * 10 + (c.standardize ? 0 : 1);

export function rankRows(rows: StudyRow[]): StudyRow[] {
  return [...rows].sort((a, b) => b.accuracy - a.accuracy || a.loss - b.loss || simplicity(a.candidate) - simplicity(b.candidate));
}

export async function runStudy(inp: StudyInput): Promise<StudyResult> {
  const now = inp.now ?? (() => performance.now());
  const t0 = now();
  const { dim, labels, numClasses } = inp;
  const n = labels.length;
  if (inp.features.length !== n * dim) throw new Error(`features hold ${inp.features.length / dim} rows for ${n} labels`);
  const k = chooseK(labels);
  const folds = stratifiedFolds(labels, k, inp.seed, inp.keys);
  const families = inp.families ?? defaultFamilies(labels, numClasses);
  const total = families.reduce((a, f) => a + f.length, 0);
  const steps = inp.steps ?? 120;
  const evalEvery = inp.evalEvery ?? 8;
  const { mean, std } = featureStats(inp.features, dim);
  const rows: StudyRow[] = [];
  let done = 0;
  let skipped = 0;
  let msPerUnit: number | null = null;
  let truncated = false; // wall time per (slice × output width × pass)
  const xs: Partial<Record<'raw' | 'std', tf.Tensor2D>> = {};
  try {
    for (const family of families) {
      const width = family[0].hiddenUnits || numClasses;
      const units = family.length * k * width * steps;
      const elapsed = now() - t0;
      if (rows.length > 0 && (inp.shouldStop?.() || (msPerUnit != null && elapsed + msPerUnit * units > inp.budgetMs) || elapsed > inp.budgetMs)) {
        skipped += family.length;
        continue;
      }
      const kind = family[0].standardize ? 'std' : 'raw';
      xs[kind] ??= tf.tensor2d(kind === 'std' ? standardizeRows(inp.features, dim, mean, std) : inp.features, [n, dim]);
      const start = now();
      // The budget holds inside a family too: once it is spent, training stops at the next pass
      // and the family is judged on the part of its curves it reached (at least one reading).
      let readings = 0;
      const res = await trainFamily({
        x: xs[kind]!, labels, numClasses, candidates: family, folds, k, steps, evalEvery, seed: inp.seed,
        onEval: () => void readings++,
        shouldStop: () => inp.shouldStop?.() === true || (readings > 0 && now() - t0 > inp.budgetMs),
      });
      const ms = now() - start;
      if (res.evals.length === 0) {
        skipped += family.length;
        continue;
      }
      if (res.stopped) truncated = true;
      msPerUnit = Math.max(msPerUnit ?? 0, ms / units);
      family.forEach((candidate, j) => {
        // The pass with the best out-of-fold accuracy; ties go to the lower loss, then the earlier pass.
        let bi = 0;
        res.evals.forEach((e, i) => {
          const b = res.evals[bi];
          if (e.accuracy[j] > b.accuracy[j] + 1e-9 || (Math.abs(e.accuracy[j] - b.accuracy[j]) <= 1e-9 && e.loss[j] < b.loss[j])) bi = i;
        });
        const e = res.evals[bi];
        const fa = e.foldAccuracy[j];
        const { spread } = meanAndSpread(fa);
        rows.push({ candidate, accuracy: e.accuracy[j], spread, loss: e.loss[j], steps: e.step, foldAccuracy: fa, foldLoss: e.foldLoss[j], foldMacroF1: e.foldMacroF1[j], ms: ms / family.length });
      });
      done += family.length;
      inp.onProgress?.({ done, total, rows: rankRows(rows) });
    }
  } finally {
    tf.dispose(Object.values(xs));
  }
  const ranked = rankRows(rows);
  if (ranked.length === 0) throw new Error('The study was stopped before any setting was scored.');
  const foldSizes = Array.from({ length: k }, (_, f) => folds.filter((x) => x === f).length);
  return { k, folds, foldSizes, rows: ranked, best: ranked[0], skipped, truncated, budgetMs: inp.budgetMs, elapsedMs: now() - t0, mean, std };
}
