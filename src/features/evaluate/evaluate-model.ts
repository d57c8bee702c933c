// Everything the Evaluate tab shows about one run, derived once from its stored validation
// predictions: confusion matrix, per-class and averaged metrics, ROC, calibration, error lists.
import { averages, argmaxRows, confusionMatrix, perClassMetrics, type Averages, type ClassMetrics, type ConfusionMatrix } from '../../core/metrics/classification';
import { reliability, type Reliability } from '../../core/metrics/calibration';
import { rankErrors, type RankedErrors } from '../../core/metrics/errors';
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
  };
}

export const pct = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`);
