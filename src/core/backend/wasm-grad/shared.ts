// What every wasm gradient kernel shares: the tunables, the stock kernels we replaced (to hand
// other cases back to), and small helpers that call stock wasm kernels on backend data (matmul,
// transpose, column sums), check inputs, and move image patches (im2col/col2im).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type KernelFunc = tf.KernelFunc;
export type Conv2DInfo = tf.backend_util.Conv2DInfo;
export type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export const BACKEND = 'wasm';
/** Marks kernel functions registered by this module, so registration is idempotent. */
export const MARK = Symbol.for('finetune-studio.wasm-grad-kernel');
/** Tunables (exported for tests). */
export const wasmGradKernelTuning = {
  /** Upper bound on one im2col / col2im buffer (floats, default 32 MB); larger problems are split by image. */
  maxColElems: 1 << 23,
  /**
   * Run depthwise gradients, BatchNorm and leading-axis reductions on the stock XNNPACK-backed wasm
   * kernels (depthwise conv, multiply, average pooling): ~0.15-0.3 ns per element there against
   * ~2 ns for a scalar JS loop. false = plain typed-array loops (kept as the fallback and for tests).
   */
  useXnnpack: true,
};

// ---------------------------------------------------------------------------------------------
// Small helpers over the wasm backend

export function info(dataId: object, shape: number[]): TensorInfo {
  return { dataId, shape, dtype: 'float32' };
}

/** Stock wasm kernel functions we replaced, for the cases our versions do not cover. */
export const stock = new Map<string, KernelFunc>();

export function delegate(kernelName: string, args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
  const f = stock.get(kernelName);
  if (f == null) throw new Error(`${kernelName} (wasm): the stock wasm kernel is not available for this input`);
  return f(args);
}

export function stockKernel(name: string): KernelFunc {
  const k = tf.getKernel(name, BACKEND);
  if (k == null) throw new Error(`wasm-grad-kernels: stock wasm kernel '${name}' is not registered`);
  return k.kernelFunc;
}

/** Float32 view of a tensor's data on the wasm heap. Re-take after any allocation (heap growth detaches views). */
export function f32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Plain (untransposed) matmul [M,K]·[K,N] -> [M,N] on the wasm BatchMatMul kernel (XNNPACK). */
export function matMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return stockKernel('BatchMatMul')({
    inputs: { a, b },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as TensorInfo;
}

/** [R,C] -> [C,R] on the wasm Transpose kernel. */
export function transpose2d(backend: BackendWasm, a: TensorInfo): TensorInfo {
  if (a.shape[0] === 1 || a.shape[1] === 1) {
    // A vector: transposing is a reshape. Copy so the caller can dispose it like any temporary.
    const out = backend.makeOutput([a.shape[1], a.shape[0]], 'float32');
    f32(backend, out).set(f32(backend, a));
    return out;
  }
  return stockKernel('Transpose')({ inputs: { x: a }, backend, attrs: { perm: [1, 0] } }) as TensorInfo;
}

/** Calls a stock wasm kernel directly (no engine op: nothing recorded, nothing tracked). */
export function callStock(backend: BackendWasm, name: string, inputs: Record<string, TensorInfo>, attrs: tf.NamedAttrMap): TensorInfo {
  return stockKernel(name)({ inputs, backend, attrs }) as TensorInfo;
}

/**
 * Column sums of a [rows, cols] float32 tensor, as float64, via the XNNPACK average-pooling
 * kernel (the tensor viewed as one image rows high and 1 wide with `cols` channels).
 */
export function columnSums(backend: BackendWasm, t: TensorInfo, rows: number, cols: number): Float64Array {
  const pooled = callStock(backend, 'AvgPool', { x: info(t.dataId, [1, rows, 1, cols]) }, {
    filterSize: [rows, 1],
    strides: [1, 1],
    pad: 'valid',
    dimRoundingMode: undefined as unknown as string,
  });
  try {
    const v = f32(backend, pooled);
    const out = new Float64Array(cols);
    for (let i = 0; i < cols; i++) out[i] = v[i] * rows;
    return out;
  } finally {
    dispose(backend, [pooled]);
  }
}

export function dispose(backend: BackendWasm, ts: (TensorInfo | null | undefined)[]): void {
  for (const t of ts) if (t != null) backend.disposeData(t.dataId);
}

export function assertFloat32(kernel: string, ...ts: TensorInfo[]): void {
  for (const t of ts) {
    if (t.dtype !== 'float32') throw new Error(`${kernel} (wasm): only float32 is supported, got ${t.dtype}`);
  }
}

export function assertNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(
      `${kernel} (wasm): dataFormat '${String(dataFormat)}' is not supported by the registered ` +
        `gradient kernels; only NHWC (channels last) is. Transpose NCHW input to NHWC first.`,
    );
  }
}

export function assertShape(kernel: string, what: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new Error(`${kernel} (wasm): ${what} has shape [${got}], expected [${want}]`);
  }
}

export function convInfoOf(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
  depthwise: boolean,
): Conv2DInfo {
  const strides = attrs.strides as number | [number, number];
  const dilations = (attrs.dilations ?? 1) as number | [number, number];
  const pad = attrs.pad as PadAttr;
  const dimRoundingMode = attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

/** True when the conv is a plain per-pixel matmul: 1x1 filter, stride 1, no padding. */
export function isPointwise(c: Conv2DInfo): boolean {
  return (
    c.filterHeight === 1 &&
    c.filterWidth === 1 &&
    c.strideHeight === 1 &&
    c.strideWidth === 1 &&
    c.padInfo.top === 0 &&
    c.padInfo.left === 0 &&
    c.outHeight === c.inHeight &&
    c.outWidth === c.inWidth
  );
}

/**
 * im2col for images [n0, n1): cols[p, (kr*kw + kc)*inC + ci] = x[n, ih, iw, ci] (0 outside),
 * p over (n, oh, ow) row-major.
 */
export function im2col(x: Float32Array, cols: Float32Array, c: Conv2DInfo, n0: number, n1: number): void {
  const { inHeight, inWidth, inChannels: C, outHeight, outWidth, filterHeight: KH, filterWidth: KW } = c;
  const sh = c.strideHeight, sw = c.strideWidth, dh = c.dilationHeight, dw = c.dilationWidth;
  const top = c.padInfo.top, left = c.padInfo.left;
  const K = KH * KW * C;
  let p = 0;
  for (let n = n0; n < n1; n++) {
    const xImg = n * inHeight * inWidth * C;
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, p++) {
        let o = p * K;
        for (let kr = 0; kr < KH; kr++) {
          const ih = oh * sh - top + kr * dh;
          const rowOk = ih >= 0 && ih < inHeight;
          for (let kc = 0; kc < KW; kc++, o += C) {
            const iw = ow * sw - left + kc * dw;
            if (!rowOk || iw < 0 || iw >= inWidth) {
              cols.fill(0, o, o + C);
              continue;
            }
            const xo = xImg + (ih * inWidth + iw) * C;
            if (C >= 16) {
              cols.set(x.subarray(xo, xo + C), o);
            } else {
              for (let ci = 0; ci < C; ci++) cols[o + ci] = x[xo + ci];
            }
          }
        }
      }
    }
  }
}

/** col2im for images [n0, n1): dx[n, ih, iw, ci] += cols[p, (kr*kw + kc)*inC + ci]. dx must be zeroed. */
export function col2im(cols: Float32Array, dx: Float32Array, c: Conv2DInfo, n0: number, n1: number): void {
  const { inHeight, inWidth, inChannels: C, outHeight, outWidth, filterHeight: KH, filterWidth: KW } = c;
  const sh = c.strideHeight, sw = c.strideWidth, dh = c.dilationHeight, dw = c.dilationWidth;
  const top = c.padInfo.top, left = c.padInfo.left;
  const K = KH * KW * C;
  let p = 0;
  for (let n = n0; n < n1; n++) {
    const xImg = n * inHeight * inWidth * C;
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, p++) {
        let o = p * K;
        for (let kr = 0; kr < KH; kr++) {
          const ih = oh * sh - top + kr * dh;
          if (ih < 0 || ih >= inHeight) {
            o += KW * C;
            continue;
          }
          for (let kc = 0; kc < KW; kc++, o += C) {
            const iw = ow * sw - left + kc * dw;
            if (iw < 0 || iw >= inWidth) continue;
            const xo = xImg + (ih * inWidth + iw) * C;
            for (let ci = 0; ci < C; ci++) dx[xo + ci] += cols[o + ci];
          }
        }
      }
    }
  }
}

/** Images per im2col chunk so that one chunk's column buffer stays under maxColElems. */
export function imagesPerChunk(c: Conv2DInfo): number {
  const perImage = c.outHeight * c.outWidth * c.filterHeight * c.filterWidth * c.inChannels;
  return Math.max(1, Math.min(c.batchSize, Math.floor(wasmGradKernelTuning.maxColElems / Math.max(1, perImage))));
}

/** Copy rows [r0, r1) of a [*, width] tensor into a fresh temporary tensor. */
export function copyRows(backend: BackendWasm, src: TensorInfo, width: number, r0: number, r1: number): TensorInfo {
  const out = backend.makeOutput([r1 - r0, width], 'float32');
  f32(backend, out).set(f32(backend, src).subarray(r0 * width, r1 * width));
  return out;
}
