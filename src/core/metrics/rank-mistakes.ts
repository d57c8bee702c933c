// Error analysis lists for the evaluation view: confident mistakes first (likely label noise or
// look-alike classes), then the correct predictions the model was least sure about.

export interface RankedExample {
  id: string;
  label: number;
  predicted: number;
  /** Probability of the predicted (top) class. */
  confidence: number;
  /** Probability the model gave the true class. */
  labelProbability: number;
}

export interface RankedErrors {
  /** Wrong predictions, most confident first. */
  misclassified: RankedExample[];
  /** Right predictions, least confident first. */
  leastConfident: RankedExample[];
}

/**
 * Splits examples into mistakes and correct predictions and sorts each (ties keep input order).
 * `limit` caps each list. Prediction = argmax, ties to the lower index (as evaluateLogits).
 */
export function rankErrors(probs: ArrayLike<number>, labels: number[], k: number, ids: string[], limit = Infinity): RankedErrors {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (ids.length !== labels.length) throw new Error(`ids (${ids.length}) and labels (${labels.length}) differ in length`);
  if (probs.length !== labels.length * k) throw new Error(`probabilities length ${probs.length} is not labels (${labels.length}) × k (${k})`);
  const wrong: RankedExample[] = [];
  const right: RankedExample[] = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= k) throw new Error(`labels[${i}] = ${label} is not a class index in [0, ${k})`);
    let arg = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + arg]) arg = c;
    const ex = { id: ids[i], label, predicted: arg, confidence: probs[i * k + arg], labelProbability: probs[i * k + label] };
    (arg === label ? right : wrong).push(ex);
  }
  // Array.prototype.sort is stable, so equal confidences keep input order.
  wrong.sort((a, b) => b.confidence - a.confidence);
  right.sort((a, b) => a.confidence - b.confidence);
  const cap = Math.max(0, limit);
  return { misclassified: wrong.slice(0, cap), leastConfident: right.slice(0, cap) };
}
