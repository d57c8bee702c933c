// The one number a person reads about a model: how many images it never trained on the kept
// weights got right, with a 95% Wilson interval ("33 of 36 right (92%, likely 78–97%)"). Every
// screen (Train, Runs, Evaluate, Try) shows it through this helper so the figures never disagree.
import { wilson, type Proportion } from './intervals';

/** The predictions a run stores for one image set (structurally RunEvaluation). */
export interface ScoredSet {
  labels: number[];
  /** Row-major [N × numClasses] probabilities. */
  probabilities: number[];
  numClasses: number;
  /** Out-of-fold predictions (see RunEvaluation): scored by cross-validation models, not the kept one. */
  outOfFold?: { k: number };
}

export interface Headline extends Proportion {
  /**
   * Which images were scored: held-out test images when the run has them, else validation images,
   * or (Auto fitted on every non-test image) all of them out of fold.
   */
  on: 'test' | 'validation' | 'out-of-fold';
  /** "33 of 36 right (92%, likely 78–97%)". */
  text: string;
  /** "on test images" / "on validation images" / "out of fold (5-fold cross-validation)". */
  where: string;
}

/** Number of rows whose highest probability is at their label (ties go to the lower index). */
export function countRight(set: ScoredSet): number {
  const { labels, probabilities, numClasses: c } = set;
  if (probabilities.length !== labels.length * c) throw new Error(`expected ${labels.length * c} probabilities for ${labels.length} images × ${c} classes, got ${probabilities.length}`);
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (probabilities[i * c + j] > probabilities[i * c + best]) best = j;
    if (best === labels[i]) right++;
  }
  return right;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** "33 of 36 right (92%, likely 78–97%)" for k right out of n. */
export function formatHeadline(k: number, n: number): string {
  const w = wilson(k, n);
  if (n === 0) return 'no images to score';
  return `${k} of ${n} right (${pct(w.p)}, likely ${Math.round(w.lo * 100)}–${pct(w.hi)})`;
}

/**
 * The headline of a run: its kept weights scored on its test images when it has any, otherwise on
 * its validation images. Null when the run stored no predictions (still running, or no held-out set).
 */
export function runHeadline(run: { evaluation?: ScoredSet; testEvaluation?: ScoredSet }): Headline | null {
  const test = run.testEvaluation && run.testEvaluation.labels.length > 0 ? run.testEvaluation : undefined;
  const set = test ?? run.evaluation;
  if (!set || set.labels.length === 0) return null;
  const k = countRight(set);
  const on = test ? 'test' : set.outOfFold ? 'out-of-fold' : 'validation';
  const where = on === 'out-of-fold' ? `out of fold (${set.outOfFold!.k}-fold cross-validation)` : `on ${on} images`;
  return { ...wilson(k, set.labels.length), on, text: formatHeadline(k, set.labels.length), where };
}
