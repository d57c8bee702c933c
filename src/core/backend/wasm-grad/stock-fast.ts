// Faster versions of stock wasm kernels that dominated a MobileNetV2 fine-tuning step (Identity,
// Tile, FusedBatchNorm, leading-axis Sum/Mean, Slice, PadV2); other cases go to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type TensorInfo, type KernelFunc, wasmGradKernelTuning, info, delegate, f32, callStock, columnSums, dispose } from './shared';

// ---------------------------------------------------------------------------------------------
// Forward/backward helpers that stock wasm has but that dominated a MobileNetV2 fine-tuning step
// (see scripts/bench-kernels.ts). Each has a fast path for the float32 NHWC pattern that training
// produces and hands everything else to the stock kernel.

/**
 * Identity: share the data (reference count) instead of copying it, as the cpu and webgl
 * backends do. The engine clones every tensor it saves for the backward pass, so the stock
 * copying Identity cost ~500 full-size copies per MobileNetV2 training step.
 */
export const identity: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return delegate('Identity', args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
};

/**
 * Tile by contiguous block copies, innermost dimension first, replicating each finished block
 * with copyWithin (doubling). BatchNorm's gradient tiles [1,1,1,C] to [N,H,W,C], which the stock
 * element-by-element kernel did at ~10 ms a call.
 */
export const tile: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const reps = (args.attrs?.reps ?? []) as number[];
  if (x.dtype === 'string' || reps.length !== x.shape.length) return delegate('Tile', args);
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  // outBlock[d]: elements of the output spanned by one index of dimension d-1 (suffix product).
  const inStride = new Array<number>(rank);
  const outBlock = new Array<number>(rank + 1);
  inStride[rank - 1] = 1;
  outBlock[rank] = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (d < rank - 1) inStride[d] = inStride[d + 1] * x.shape[d + 1];
    outBlock[d] = outBlock[d + 1] * outShape[d];
  }
  const fill = (d: number, xOff: number, oOff: number): void => {
    const n = x.shape[d];
    const inner = outBlock[d + 1];
    if (d === rank - 1) {
      dst.set(src.subarray(xOff, xOff + n), oOff);
    } else {
      for (let i = 0; i < n; i++) fill(d + 1, xOff + i * inStride[d], oOff + i * inner);
    }
    // Replicate the block of n*inner elements reps[d] times.
    const block = n * inner;
    const total = block * reps[d];
    for (let done = block; done < total; done *= 2) {
      dst.copyWithin(oOff + done, oOff, oOff + Math.min(done, total - done));
    }
  };
  fill(0, 0, 0);
  return out;
};

/**
 * FusedBatchNorm (inference form) as out = x * a[c] + b[c] with a = scale / sqrt(var + eps) and
 * b = offset - mean * a precomputed per channel, run as a 1x1 depthwise conv with bias on
 * XNNPACK; the stock kernel recomputed the sqrt and the divide for every element (~3.5 ns each).
 */
export const fusedBatchNorm: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>;
  const eps = Number(args.attrs?.varianceEpsilon ?? 0.001);
  if (x == null || mean == null || variance == null) return delegate('FusedBatchNorm', args);
  const C = x.shape.length > 0 ? x.shape[x.shape.length - 1] : 1;
  const size = x.shape.reduce((p, d) => p * d, 1);
  const params = [mean, variance, offset, scale].filter((t): t is TensorInfo => t != null);
  const sizeOk = (t: TensorInfo) => {
    const n = t.shape.reduce((p, d) => p * d, 1);
    return n === C || n === 1;
  };
  if (x.dtype !== 'float32' || params.some((t) => t.dtype !== 'float32' || !sizeOk(t)) || size === 0 || C === 0) {
    return delegate('FusedBatchNorm', args);
  }
  const at = (t: TensorInfo | undefined, c: number, dflt: number): number => {
    if (t == null) return dflt;
    const v = f32(backend, t);
    return v.length === 1 ? v[0] : v[c];
  };
  const a = new Float32Array(C);
  const b = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const ac = at(scale, c, 1) / Math.sqrt(at(variance, c, 0) + eps);
    a[c] = ac;
    b[c] = at(offset, c, 0) - at(mean, c, 0) * ac;
  }
  if (wasmGradKernelTuning.useXnnpack) {
    // x * a + b per channel is a 1x1 depthwise conv with bias: one XNNPACK pass.
    const filter = backend.makeOutput([1, 1, C, 1], 'float32', undefined, a);
    const bias = backend.makeOutput([C], 'float32', undefined, b);
    try {
      const out = callStock(backend, 'FusedDepthwiseConv2D', { x: info(x.dataId, [1, 1, size / C, C]), filter, bias }, {
        strides: [1, 1],
        pad: 'valid',
        dilations: [1, 1],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined as unknown as string,
        activation: 'linear',
      });
      return { dataId: out.dataId, shape: x.shape.slice(), dtype: 'float32' };
    } finally {
      dispose(backend, [filter, bias]);
    }
  }
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const xv = f32(backend, x);
  const ov = f32(backend, out);
  for (let p = 0; p < size; p += C) {
    for (let c = 0; c < C; c++) ov[p + c] = xv[p + c] * a[c] + b[c];
  }
  return out;
};

/**
 * Sum / Mean over the leading axes (e.g. [0,1,2] of NHWC: per-channel sums in BatchNorm and
 * broadcast gradients) as column sums on the XNNPACK average-pooling kernel. Stock wasm
 * transposes the whole tensor first to make the axes innermost (~1.6 ns per element).
 */
export function leadingReduce(kernelName: 'Sum' | 'Mean', divide: boolean): KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: TensorInfo };
    const rank = x.shape.length;
    const axisAttr = args.attrs?.axis as number | number[] | undefined;
    const keepDims = Boolean(args.attrs?.keepDims);
    if (x.dtype !== 'float32' || rank < 2 || axisAttr == null) return delegate(kernelName, args);
    const axes = [...new Set((Array.isArray(axisAttr) ? axisAttr : [axisAttr]).map((a) => (a < 0 ? a + rank : a)))].sort(
      (p, q) => p - q,
    );
    const k = axes.length;
    if (k === 0 || k >= rank || axes.some((a, i) => a !== i)) return delegate(kernelName, args);
    const outer = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
    const innerShape = x.shape.slice(k);
    const inner = innerShape.reduce((p, d) => p * d, 1);
    if (outer === 0 || inner === 0) return delegate(kernelName, args);
    const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...innerShape] : innerShape;
    let acc: Float64Array;
    if (wasmGradKernelTuning.useXnnpack) {
      acc = columnSums(backend, x, outer, inner);
    } else {
      acc = new Float64Array(inner);
      const xv = f32(backend, x);
      for (let i = 0, o = 0; i < outer; i++, o += inner) {
        for (let j = 0; j < inner; j++) acc[j] += xv[o + j];
      }
    }
    if (divide) for (let j = 0; j < inner; j++) acc[j] /= outer;
    const out = backend.makeOutput(outShape, 'float32');
    f32(backend, out).set(acc);
    return out;
  };
}

/**
 * Copies the box `box` starting at `srcBegin` in `src` (row-major, shape srcShape) to `dstBegin`
 * in `dst`, as contiguous runs: trailing dimensions the box covers fully in both tensors are merged
 * into one run, so an NHWC spatial slice or pad copies whole W*C rows with one memcpy each.
 */
function copyBox(
  src: tf.backend_util.TypedArray,
  srcShape: number[],
  srcBegin: number[],
  dst: tf.backend_util.TypedArray,
  dstShape: number[],
  dstBegin: number[],
  box: number[],
): void {
  const r = box.length;
  if (box.some((d) => d === 0)) return;
  if (r === 0) {
    dst[0] = src[0];
    return;
  }
  let k = r - 1;
  let inner = 1;
  while (k > 0 && box[k] === srcShape[k] && box[k] === dstShape[k]) inner *= box[k--];
  const run = box[k] * inner;
  const sStr = new Array<number>(r), dStr = new Array<number>(r);
  sStr[r - 1] = 1;
  dStr[r - 1] = 1;
  for (let i = r - 2; i >= 0; i--) {
    sStr[i] = sStr[i + 1] * srcShape[i + 1];
    dStr[i] = dStr[i + 1] * dstShape[i + 1];
  }
  let sBase = 0, dBase = 0;
  for (let i = 0; i < r; i++) {
    sBase += srcBegin[i] * sStr[i];
    dBase += dstBegin[i] * dStr[i];
  }
  const idx = new Array<number>(k).fill(0);
  for (;;) {
    let so = sBase, dOff = dBase;
    for (let i = 0; i < k; i++) {
      so += idx[i] * sStr[i];
      dOff += idx[i] * dStr[i];
    }
    if (run >= 16) dst.set(src.subarray(so, so + run), dOff);
    else for (let j = 0; j < run; j++) dst[dOff + j] = src[so + j];
    let i = k - 1;
    while (i >= 0 && ++idx[i] === box[i]) idx[i--] = 0;
    if (i < 0) break;
  }
}

/**
 * Slice by row copies from a heap view. The stock kernel first copies the *whole* input out of
 * the heap (readSync) and copies one innermost row at a time (~4.5 ns per element for the
 * gradient of ZeroPadding2D).
 */
export const slice: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return delegate('Slice', args);
  const [begin, size] = tf.slice_util.parseSliceParams(x, args.attrs?.begin as number[], args.attrs?.size as number[]);
  const out = backend.makeOutput(size, x.dtype);
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, backend.typedArrayFromHeap(out), size, size.map(() => 0), size);
  return out;
};

/** Spatial padding of [N,H,W,C] rows: each output value written once (border fill or row copy). */
function padImages(src: tf.backend_util.TypedArray, dst: tf.backend_util.TypedArray, shape: number[], paddings: [number, number][], value: number): void {
  const [n, h, w, c] = shape;
  const [[top, bottom], [left, right]] = [paddings[1], paddings[2]];
  const row = w * c;
  const outRow = (left + w + right) * c;
  let o = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    dst.fill(value, o, o + top * outRow);
    o += top * outRow;
    for (let y = 0; y < h; y++, s += row) {
      dst.fill(value, o, o + left * c);
      o += left * c;
      dst.set(src.subarray(s, s + row), o);
      o += row;
      dst.fill(value, o, o + right * c);
      o += right * c;
    }
    dst.fill(value, o, o + bottom * outRow);
    o += bottom * outRow;
  }
}

/** PadV2 (constant padding, e.g. ZeroPadding2D before stride-2 depthwise convs) by fill + row copies. */
export const padV2: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const paddings = args.attrs?.paddings as [number, number][];
  const constantValue = Number(args.attrs?.constantValue ?? 0);
  if (x.dtype === 'string' || x.shape.some((d) => d === 0) || paddings.length !== x.shape.length) {
    return delegate('PadV2', args);
  }
  const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const out = backend.makeOutput(outShape, x.dtype);
  const ov = backend.typedArrayFromHeap(out);
  if (x.shape.length === 4 && paddings[0][0] + paddings[0][1] + paddings[3][0] + paddings[3][1] === 0) {
    padImages(backend.typedArrayFromHeap(x), ov, x.shape, paddings, constantValue);
    return out;
  }
  ov.fill(constantValue);
  copyBox(backend.typedArrayFromHeap(x), x.shape, x.shape.map(() => 0), ov, outShape, paddings.map((p) => p[0]), x.shape);
  return out;
};

/**
 * BatchMatMul with transposeA or transposeB: the operand is transposed explicitly (its last two
 * axes, on the Transpose kernel) and the product runs on the untransposed XNNPACK path. Stock wasm
 * multiplies transposed operands in a plain C++ loop, 9-19x slower here: [1280,240]ᵀ·[240,240]
 * took 82 ms against 9 ms. Every dense layer's weight gradient (xᵀ·dy) and input gradient
 * (dy·Wᵀ) is such a product, so head training, Auto's study and fine-tuning's head all ran on it.
 */
export const batchMatMul: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') return delegate('BatchMatMul', args);
  const swapLast = (t: TensorInfo): TensorInfo => {
    const r = t.shape.length;
    const perm = t.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
    return callStock(backend, 'Transpose', { x: t }, { perm });
  };
  const ta = transposeA ? swapLast(a) : null;
  const tb = transposeB ? swapLast(b) : null;
  try {
    return delegate('BatchMatMul', { ...args, inputs: { a: ta ?? a, b: tb ?? b }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
  } finally {
    dispose(backend, [ta, tb]);
  }
};
