// The ReLU6 (ClipByValue) gradient as one fused pass on wasm instead of five stock kernels, and
// the Mean gradient without an array of ones.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type TensorInfo, type KernelFunc, BACKEND, MARK, f32 } from './shared';

// ---------------------------------------------------------------------------------------------
// ClipByValue gradient (ReLU6 in tfjs-layers is relu + clipByValue(0, 6)). tfjs composes it as
// where(logicalAnd(greaterEqual(x, lo), lessEqual(x, hi)), dy, zerosLike(dy)): five kernels, the
// comparisons ~3 ns per element on stock wasm, ~18% of a MobileNetV2 fine-tuning step. On wasm
// we run it as one pass instead; on every other backend the original gradient runs unchanged.

/** Name of the fused clip-gradient kernel (registered for wasm only). */
export const CLIP_BY_VALUE_GRAD_KERNEL = 'FinetuneStudioClipByValueGrad';

export const clipByValueGrad: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as BackendWasm;
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const lo = Number(attrs?.clipValueMin);
  const hi = Number(attrs?.clipValueMax);
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const ov = f32(backend, out);
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  for (let i = 0; i < ov.length; i++) {
    const v = xv[i];
    ov[i] = v >= lo && v <= hi ? dyv[i] : 0;
  }
  return out;
};

type GradConfig = NonNullable<ReturnType<typeof tf.getGradient>>;

/**
 * Replaces `kernelName`'s registered gradient with `ours` on wasm: `ours` returns the gradient,
 * or null to hand the case to the original (any other backend, dtype or shape). Idempotent.
 */
function overrideGradient(kernelName: string, ours: (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => { x: () => tf.Tensor } | null): void {
  const current = tf.getGradient(kernelName);
  if (current == null) return;
  if ((current.gradFunc as unknown as Record<symbol, unknown>)[MARK] === true) return;
  const original = current;
  const gradFunc: GradConfig['gradFunc'] = (dy, saved, attrs) => {
    const d = dy as tf.Tensor;
    const mine = tf.getBackend() === BACKEND && d.dtype === 'float32' && saved[0].dtype === 'float32' ? ours(d, saved, attrs) : null;
    return mine ?? original.gradFunc(dy, saved, attrs);
  };
  (gradFunc as unknown as Record<symbol, unknown>)[MARK] = true;
  tf.registerGradient({ ...original, gradFunc });
}

export function registerClipByValueGradient(): void {
  overrideGradient('ClipByValue', (d, [x], attrs) => {
    const sameShape = d.shape.length === x.shape.length && d.shape.every((v, i) => v === x.shape[i]);
    return sameShape ? { x: () => tf.engine().runKernel(CLIP_BY_VALUE_GRAD_KERNEL, { dy: d, x }, attrs) as tf.Tensor } : null;
  });
}

// ---------------------------------------------------------------------------------------------
// Mean gradient (global average pooling's, in every fine-tuning step). tfjs builds it as
// dy × ones(x.shape) / n, filling a JS array of ones the size of the pooled input on each call:
// 1.5 s of a 41 s fine-tune run here. On wasm it is dy / n broadcast to x's shape instead (the
// Tile kernel's block copies); on every other backend the original gradient runs unchanged.

export function registerMeanGradient(): void {
  overrideGradient('Mean', (d, [x], attrs) => {
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
    const n = axes.reduce((a, ax) => a * x.shape[ax], 1);
    const kept = x.shape.map((s, i) => (axes.includes(i) ? 1 : s));
    return { x: () => tf.tidy(() => tf.broadcastTo(tf.div(tf.reshape(d, kept), n), x.shape)) };
  });
}
