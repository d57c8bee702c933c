// Reliability diagram and expected calibration error of the top-label confidence: does a model
// that says "90 % sure" turn out right about 90 % of the time?

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean max-probability of the examples in the bin; null when the bin is empty. */
  confidence: number | null;
  /** Share of those examples whose top class is the true class; null when the bin is empty. */
  accuracy: number | null;
}

export interface Reliability {
  bins: ReliabilityBin[];
  /** Expected calibration error: Σ_b (count_b / N) · |accuracy_b − confidence_b|; 0 with no examples. */
  ece: number;
  /** Maximum calibration error: max_b |accuracy_b − confidence_b| over non-empty bins; 0 with no examples. */
  mce: number;
}

/**
 * Equal-width bins over the max probability (prediction = argmax, ties to the lower index).
 * Bin b covers (b/B, (b+1)/B] as in Guo et al. 2017 (a confidence of exactly 0 goes to bin 0).
 */
export function reliability(probs: ArrayLike<number>, labels: number[], k: number, bins = 10): Reliability {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a positive integer, got ${bins}`);
  if (probs.length !== labels.length * k) throw new Error(`probabilities length ${probs.length} is not labels (${labels.length}) × k (${k})`);
  const n = labels.length;
  const count = new Array<number>(bins).fill(0);
  const confSum = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + arg]) arg = c;
    const conf = probs[i * k + arg];
    if (!(conf >= 0 && conf <= 1)) throw new Error(`row ${i}: max probability ${conf} is outside [0, 1]`);
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
    count[b]++;
    confSum[b] += conf;
    if (arg === labels[i]) correct[b]++;
  }
  let ece = 0;
  let mce = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const bin: ReliabilityBin = { lo: b / bins, hi: (b + 1) / bins, count: count[b], confidence: null, accuracy: null };
    if (count[b] > 0) {
      bin.confidence = confSum[b] / count[b];
      bin.accuracy = correct[b] / count[b];
      const gap = Math.abs(bin.accuracy - bin.confidence);
      ece += (count[b] / n) * gap;
      mce = Math.max(mce, gap);
    }
    out.push(bin);
  }
  return { bins: out, ece, mce };
}
