// Classification metrics from validation predictions: confusion matrix, per-class precision /
// recall / F1 with explicit "undefined" flags, macro/weighted averages and the worst confusions.

/** Row i = true class i, column j = predicted class j. */
export type ConfusionMatrix = number[][];

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
}

function checkClass(c: number, k: number, what: string, i: number): void {
  if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`${what}[${i}] = ${c} is not a class index in [0, ${k})`);
}

export function confusionMatrix(labels: number[], predicted: number[], k: number): ConfusionMatrix {
  checkK(k);
  if (labels.length !== predicted.length) throw new Error(`labels (${labels.length}) and predicted (${predicted.length}) differ in length`);
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) {
    checkClass(labels[i], k, 'labels', i);
    checkClass(predicted[i], k, 'predicted', i);
    cm[labels[i]][predicted[i]]++;
  }
  return cm;
}

/** Index of the largest value in each row of a row-major [N × K] array; ties go to the lower index (as evaluateLogits). */
export function argmaxRows(probs: ArrayLike<number>, k: number): number[] {
  checkK(k);
  if (probs.length % k !== 0) throw new Error(`probabilities length ${probs.length} is not a multiple of k = ${k}`);
  const n = probs.length / k;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + arg]) arg = c;
    out[i] = arg;
  }
  return out;
}

export interface ClassMetrics {
  /** tp / (tp + fp); 0 when the class was never predicted (see precisionDefined). */
  precision: number;
  /** tp / (tp + fn); 0 when the class has no examples (see recallDefined). */
  recall: number;
  /** 2tp / (2tp + fp + fn) — the harmonic mean of the two; 0 when the class is absent from both. */
  f1: number;
  /** Examples of this class (row sum). */
  support: number;
  /** Times this class was predicted (column sum). */
  predictedCount: number;
  truePositives: number;
  /** False when 0/0 (no predictions of this class): show '–', not 0. */
  precisionDefined: boolean;
  /** False when 0/0 (no examples of this class): show '–', not 0. */
  recallDefined: boolean;
  /** False when the class has neither examples nor predictions. */
  f1Defined: boolean;
}

/**
 * Per-class metrics. 0/0 is reported as 0 with the matching *Defined flag false, like sklearn's
 * zero_division=0. F1 uses sklearn ≥ 1.3's form 2tp/(2tp+fp+fn), so a class with examples but no
 * predictions has a defined F1 of 0.
 */
export function perClassMetrics(cm: ConfusionMatrix): ClassMetrics[] {
  const k = cm.length;
  for (const row of cm) if (row.length !== k) throw new Error('confusion matrix must be square');
  return cm.map((row, i) => {
    const tp = row[i];
    const support = row.reduce((a, b) => a + b, 0);
    let predictedCount = 0;
    for (let r = 0; r < k; r++) predictedCount += cm[r][i];
    const fp = predictedCount - tp;
    const fn = support - tp;
    const f1Den = 2 * tp + fp + fn;
    return {
      precision: predictedCount > 0 ? tp / predictedCount : 0,
      recall: support > 0 ? tp / support : 0,
      f1: f1Den > 0 ? (2 * tp) / f1Den : 0,
      support,
      predictedCount,
      truePositives: tp,
      precisionDefined: predictedCount > 0,
      recallDefined: support > 0,
      f1Defined: f1Den > 0,
    };
  });
}

export interface AveragedMetrics {
  precision: number;
  recall: number;
  f1: number;
}

export interface Averages {
  /** Unweighted mean over the classes with support > 0. */
  macro: AveragedMetrics;
  /** Mean weighted by support (classes without examples weigh 0). */
  weighted: AveragedMetrics;
  /** Correct predictions / all examples (= micro-averaged precision, recall and F1). */
  accuracy: number;
  /** Classes included in the macro average. */
  macroClasses: number;
}

/**
 * Averages of perClassMetrics. Macro averages over classes that have examples (support > 0) only:
 * a class with no validation examples has an undefined recall, and its precision is 0 by
 * construction (all its predictions are wrong, already counted against the true classes' recall),
 * so including it would only say "this class is missing from the split". sklearn's default
 * (labels=None) averages over classes present in y_true ∪ y_pred and counts undefined values as 0
 * (zero_division); ours equals sklearn with labels=<classes present in y_true>, zero_division=0.
 * Undefined precision of a class with examples but no predictions counts as 0, as in sklearn.
 * With no examples at all every value is 0.
 */
export function averages(perClass: ClassMetrics[]): Averages {
  const present = perClass.filter((c) => c.support > 0);
  const total = present.reduce((a, c) => a + c.support, 0);
  const mean = (f: (c: ClassMetrics) => number) => (present.length ? present.reduce((a, c) => a + f(c), 0) / present.length : 0);
  const wmean = (f: (c: ClassMetrics) => number) => (total ? present.reduce((a, c) => a + f(c) * c.support, 0) / total : 0);
  const correct = present.reduce((a, c) => a + c.truePositives, 0);
  return {
    macro: { precision: mean((c) => c.precision), recall: mean((c) => c.recall), f1: mean((c) => c.f1) },
    weighted: { precision: wmean((c) => c.precision), recall: wmean((c) => c.recall), f1: wmean((c) => c.f1) },
    accuracy: total ? correct / total : 0,
    macroClasses: present.length,
  };
}

export interface Confusion {
  trueClass: number;
  predictedClass: number;
  trueLabel: string;
  predictedLabel: string;
  count: number;
  /** count / support of the true class: the share of that class sent to predictedClass. */
  rate: number;
}

/** Off-diagonal cells with count > 0, most frequent first (then higher rate, then class order). */
export function topConfusions(cm: ConfusionMatrix, classes: string[], limit = 10): Confusion[] {
  if (classes.length !== cm.length) throw new Error(`${classes.length} class names for a ${cm.length}-class matrix`);
  const out: Confusion[] = [];
  cm.forEach((row, t) => {
    const support = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (p !== t && count > 0) out.push({ trueClass: t, predictedClass: p, trueLabel: classes[t], predictedLabel: classes[p], count, rate: count / support });
    });
  });
  out.sort((a, b) => b.count - a.count || b.rate - a.rate || a.trueClass - b.trueClass || a.predictedClass - b.predictedClass);
  return out.slice(0, Math.max(0, limit));
}
