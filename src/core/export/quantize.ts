// Symmetric per-tensor int8 quantisation for share links: w ≈ q · scale with q in [−127, 127] and
// scale = max|w| / 127, so zero stays exactly zero and the error is at most scale / 2 = max|w| / 254.

export interface QuantizedTensor {
  /** max|w| / 127; 0 for an all-zero tensor. */
  scale: number;
  values: Int8Array;
}

export function quantizeInt8(w: Float32Array): QuantizedTensor {
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    if (!Number.isFinite(v)) throw new Error(`weight ${i} is not finite (${v})`);
    if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
  }
  // Stored as float32: round the scale first so encoder and decoder use the same number.
  const scale = Math.fround(maxAbs / 127);
  const values = new Int8Array(w.length);
  if (scale > 0) for (let i = 0; i < w.length; i++) values[i] = Math.max(-127, Math.min(127, Math.round(w[i] / scale)));
  return { scale, values };
}

export function dequantizeInt8(q: QuantizedTensor): Float32Array {
  const out = new Float32Array(q.values.length);
  for (let i = 0; i < out.length; i++) out[i] = q.values[i] * q.scale;
  return out;
}

/** The largest |w − dequantize(quantize(w))| that int8 quantisation allows for `w`: max|w| / 254. */
export function quantizationErrorBound(w: Float32Array): number {
  let maxAbs = 0;
  for (const v of w) maxAbs = Math.max(maxAbs, Math.abs(v));
  return maxAbs / 254;
}

/** The actual largest reconstruction error for `w`. */
export function quantizationError(w: Float32Array): number {
  const back = dequantizeInt8(quantizeInt8(w));
  let err = 0;
  for (let i = 0; i < w.length; i++) err = Math.max(err, Math.abs(w[i] - back[i]));
  return err;
}
