// Everything the Evaluate tab shows about one run, derived once from its stored validation
// predictions: confusion matrix, per-class and averaged metrics, ROC, calibration, error lists.
import { averages, argmaxRows, confusionMatrix, perClassMetrics, type Averages, type ClassMetrics, type ConfusionMatrix } from '../../core/metrics/classification';
import { reliability, type Reliability } from '../../core/metrics/calibration';
import { rankErrors, type RankedErrors } from '../../core/metrics/rank-mistakes';
import { rocOneVsRest, type RocOneVsRest } from '../../core/metrics/roc';
import type { RunEvaluation, RunRecord } from '../../persistence/db';

export interface RunAnalysis {
  classes: string[];
  predicted: number[];
  cm: ConfusionMatrix;
  perClass: ClassMetrics[];
  avg: Averages;
  roc: RocOneVsRest;
  calibration: Reliability;
  errors: RankedErrors;
  imageIds: string[];
  labels: number[];
  probabilities: number[];
  /** Out-of-fold predictions of Auto's cross-validation (see RunEvaluation), not the kept model's. */
  outOfFold?: { k: number };
}

export function analyseRun(run: RunRecord): RunAnalysis | null {
  return analyseEvaluation(run, run.evaluation);
}

/** The same analysis for any stored prediction set of the run (validation or test). */
export function analyseEvaluation(run: RunRecord, ev: RunEvaluation | undefined): RunAnalysis | null {
  if (!ev || ev.labels.length === 0) return null;
  const k = ev.numClasses;
  const predicted = argmaxRows(ev.probabilities, k);
  const cm = confusionMatrix(ev.labels, predicted, k);
  const perClass = perClassMetrics(cm);
  return {
    classes: run.classes.map((c) => c.name),
    predicted,
    cm,
    perClass,
    avg: averages(perClass),
    roc: rocOneVsRest(ev.probabilities, ev.labels, k),
    calibration: reliability(ev.probabilities, ev.labels, k, 10),
    errors: rankErrors(ev.probabilities, ev.labels, k, ev.imageIds),
    imageIds: ev.imageIds,
    labels: ev.labels,
    probabilities: ev.probabilities,
    ...(ev.outOfFold ? { outOfFold: ev.outOfFold } : {}),
  };
}

export const pct = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`);

/**
 * The plain sentence the Evaluate tab opens with: which two classes it confuses most and how many
 * images it got wrong, e.g. "It mixes up bees and ants most: 4 of its 6 mistakes. Here are the 6
 * photos it got wrong."
 */
export function plainSummary(cm: number[][], classes: string[]): string {
  const n = cm.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0);
  const wrong = n - cm.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  if (n === 0) return 'No images were scored.';
  if (wrong === 0) return `It got every one of the ${n} images it never trained on right.`;
  // The pair (either direction) with the most mistakes between them.
  let best: [number, number, number] = [0, 0, -1];
  for (let i = 0; i < cm.length; i++)
    for (let j = i + 1; j < cm.length; j++) {
      const m = cm[i][j] + cm[j][i];
      if (m > best[2]) best = [i, j, m];
    }
  const [i, j, m] = best;
  // Name first the class whose images it takes for the other more often.
  const [a, b] = cm[i][j] >= cm[j][i] ? [i, j] : [j, i];
  const photos = wrong === 1 ? 'the 1 photo' : `the ${wrong} photos`;
  const pair = classes.length === 2 ? `It mixes up ${classes[a]} and ${classes[b]}` : `It mixes up ${classes[a]} and ${classes[b]} most: ${m} of its ${wrong} mistakes`;
  return `${pair}. Here ${wrong === 1 ? 'is' : 'are'} ${photos} it got wrong, most confident first.`;
}
