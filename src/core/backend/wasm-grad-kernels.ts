// Gradient kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks, and faster versions of the
// stock kernels that dominated a fine-tuning step, so that conv and depthwise layers can be
// fine-tuned on the `wasm` backend (on a machine without a real GPU, 10-80x faster than
// webgl/webgpu/cpu). MobileNetV2 α0.35, batch 16, top 30% trainable, 1 core: 18.8 img/s with only
// the missing kernels as plain loops, ~60 img/s with everything here (scripts/bench-kernels.ts).
//
// Missing in stock wasm (conv/depthwise gradients throw without them). NHWC only; NCHW throws:
//   Conv2DBackpropFilter                 im2col (none for 1x1/stride 1) + wasm BatchMatMul
//   DepthwiseConv2dNativeBackpropInput   forward depthwise conv (XNNPACK) of dy, zero-inserted when
//                                        strided, with the flipped filter; plain loop otherwise
//   DepthwiseConv2dNativeBackpropFilter  per filter tap: shifted copy of x, XNNPACK Multiply by dy,
//                                        column sums via XNNPACK AvgPool; plain loop otherwise
// Stock kernels replaced (same results, measured hot in a MobileNetV2 step):
//   Conv2DBackpropInput  stock: naive C++ loop (2-4 GFLOP/s) -> wasm BatchMatMul (+ col2im)
//   FusedBatchNorm       stock: sqrt+divide per element -> 1x1 depthwise conv with bias (XNNPACK)
//   Tile                 stock: per-element index math -> block copies (BatchNorm gradient)
//   Identity             stock: full copy -> shared data (the engine clones every saved tensor)
//   Sum, Mean            over leading axes: stock transposes first -> XNNPACK AvgPool
//   Slice, PadV2         stock: copies the whole input / slow loop -> whole-row copies
//   ClipByValue gradient (ReLU6 = relu + clipByValue in tfjs-layers): five kernels -> one fused
//                        kernel on wasm; the original gradient still runs on every other backend
// Nothing else is missing for MobileNet V1/V2 training (Relu6/BatchNorm/AvgPool/Mean gradients are
// composed of ops stock wasm has): checked by optimizer.minimize over a MobileNet-like block on
// wasm (wasm-grad-kernels.test.ts) and over the real backbones (scripts/bench-kernels.ts).
//
// How the kernels work: a kernelFunc receives the wasm backend and TensorInfos. Heavy work goes
// through the *stock wasm kernel functions* (BatchMatMul, Transpose, DepthwiseConv2dNative,
// Multiply, AvgPool, FusedDepthwiseConv2D), called directly with TensorInfos that point at backend
// data. That is the leak-free way to nest work inside a kernel: no engine op runs (no tape
// entries, no engine-tracked tensors); every temporary is a backend data id freed with
// `backend.disposeData` in a finally block, and only the returned TensorInfo becomes an engine
// tensor. Measured here: XNNPACK kernels do ~0.15-0.3 ns per element, a scalar JS loop over heap
// views ~2 ns; BatchMatMul runs at 25-45 GFLOP/s untransposed but 2-3 GFLOP/s with transposeA/B,
// so operands are transposed explicitly (Transpose kernel) and matmuls are always plain.
//
// Call registerWasmGradKernels() after `import '@tensorflow/tfjs-backend-wasm'` (that import
// registers the stock kernels; importing it later would put the stock versions back).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;
type Conv2DInfo = tf.backend_util.Conv2DInfo;
type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

const BACKEND = 'wasm';
/** Marks kernel functions registered by this module, so registration is idempotent. */
const MARK = Symbol.for('finetune-studio.wasm-grad-kernel');
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

function info(dataId: object, shape: number[]): TensorInfo {
  return { dataId, shape, dtype: 'float32' };
}

/** Stock wasm kernel functions we replaced, for the cases our versions do not cover. */
const stock = new Map<string, KernelFunc>();

function delegate(kernelName: string, args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
  const f = stock.get(kernelName);
  if (f == null) throw new Error(`${kernelName} (wasm): the stock wasm kernel is not available for this input`);
  return f(args);
}

function stockKernel(name: string): KernelFunc {
  const k = tf.getKernel(name, BACKEND);
  if (k == null) throw new Error(`wasm-grad-kernels: stock wasm kernel '${name}' is not registered`);
  return k.kernelFunc;
}

/** Float32 view of a tensor's data on the wasm heap. Re-take after any allocation (heap growth detaches views). */
function f32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Plain (untransposed) matmul [M,K]·[K,N] -> [M,N] on the wasm BatchMatMul kernel (XNNPACK). */
function matMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return stockKernel('BatchMatMul')({
    inputs: { a, b },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as TensorInfo;
}

/** [R,C] -> [C,R] on the wasm Transpose kernel. */
function transpose2d(backend: BackendWasm, a: TensorInfo): TensorInfo {
  if (a.shape[0] === 1 || a.shape[1] === 1) {
    // A vector: transposing is a reshape. Copy so the caller can dispose it like any temporary.
    const out = backend.makeOutput([a.shape[1], a.shape[0]], 'float32');
    f32(backend, out).set(f32(backend, a));
    return out;
  }
  return stockKernel('Transpose')({ inputs: { x: a }, backend, attrs: { perm: [1, 0] } }) as TensorInfo;
}

/** Calls a stock wasm kernel directly (no engine op: nothing recorded, nothing tracked). */
function callStock(backend: BackendWasm, name: string, inputs: Record<string, TensorInfo>, attrs: tf.NamedAttrMap): TensorInfo {
  return stockKernel(name)({ inputs, backend, attrs }) as TensorInfo;
}

/**
 * Column sums of a [rows, cols] float32 tensor, as float64, via the XNNPACK average-pooling
 * kernel (the tensor viewed as one image rows high and 1 wide with `cols` channels).
 */
function columnSums(backend: BackendWasm, t: TensorInfo, rows: number, cols: number): Float64Array {
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

function dispose(backend: BackendWasm, ts: (TensorInfo | null | undefined)[]): void {
  for (const t of ts) if (t != null) backend.disposeData(t.dataId);
}

function assertFloat32(kernel: string, ...ts: TensorInfo[]): void {
  for (const t of ts) {
    if (t.dtype !== 'float32') throw new Error(`${kernel} (wasm): only float32 is supported, got ${t.dtype}`);
  }
}

function assertNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(
      `${kernel} (wasm): dataFormat '${String(dataFormat)}' is not supported by the registered ` +
        `gradient kernels; only NHWC (channels last) is. Transpose NCHW input to NHWC first.`,
    );
  }
}

function assertShape(kernel: string, what: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new Error(`${kernel} (wasm): ${what} has shape [${got}], expected [${want}]`);
  }
}

function convInfoOf(
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
function isPointwise(c: Conv2DInfo): boolean {
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
function im2col(x: Float32Array, cols: Float32Array, c: Conv2DInfo, n0: number, n1: number): void {
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
function col2im(cols: Float32Array, dx: Float32Array, c: Conv2DInfo, n0: number, n1: number): void {
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
function imagesPerChunk(c: Conv2DInfo): number {
  const perImage = c.outHeight * c.outWidth * c.filterHeight * c.filterWidth * c.inChannels;
  return Math.max(1, Math.min(c.batchSize, Math.floor(wasmGradKernelTuning.maxColElems / Math.max(1, perImage))));
}

/** Copy rows [r0, r1) of a [*, width] tensor into a fresh temporary tensor. */
function copyRows(backend: BackendWasm, src: TensorInfo, width: number, r0: number, r1: number): TensorInfo {
  const out = backend.makeOutput([r1 - r0, width], 'float32');
  f32(backend, out).set(f32(backend, src).subarray(r0 * width, r1 * width));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter: dW[kr, kc, ci, co] = sum_p cols[p, kr, kc, ci] * dy[p, co]

/**
 * cols^T · dy for cols [P, K], dy [P, outC], as [K, outC]. Transposes whichever operand is
 * smaller so the matmul itself is untransposed (fast path of the wasm BatchMatMul kernel).
 */
function colsTdotDy(backend: BackendWasm, cols: TensorInfo, dy: TensorInfo): TensorInfo {
  const [, K] = cols.shape;
  const [, outC] = dy.shape;
  if (K <= outC) {
    const colsT = transpose2d(backend, cols);
    try {
      return matMul(backend, colsT, dy);
    } finally {
      dispose(backend, [colsT]);
    }
  }
  const dyT = transpose2d(backend, dy);
  let prodT: TensorInfo | null = null;
  try {
    prodT = matMul(backend, dyT, cols); // [outC, K]
    return transpose2d(backend, prodT);
  } finally {
    dispose(backend, [dyT, prodT]);
  }
}

const conv2DBackpropFilter: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as BackendWasm;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs ?? {};
  const kernel = 'Conv2DBackpropFilter';
  assertNHWC(kernel, a.dataFormat);
  assertFloat32(kernel, x, dy);
  const filterShape = a.filterShape as number[];
  const c = convInfoOf(x.shape, filterShape, a, false);
  assertShape(kernel, 'dy', dy.shape, [c.batchSize, c.outHeight, c.outWidth, c.outChannels]);
  const K = c.filterHeight * c.filterWidth * c.inChannels;
  const outC = c.outChannels;
  const rowsPerImage = c.outHeight * c.outWidth;

  if (isPointwise(c)) {
    const P = c.batchSize * rowsPerImage;
    const out = colsTdotDy(backend, info(x.dataId, [P, K]), info(dy.dataId, [P, outC]));
    return { dataId: out.dataId, shape: filterShape.slice(), dtype: 'float32' };
  }

  const chunk = imagesPerChunk(c);
  if (chunk >= c.batchSize) {
    const P = c.batchSize * rowsPerImage;
    const cols = backend.makeOutput([P, K], 'float32');
    try {
      im2col(f32(backend, x), f32(backend, cols), c, 0, c.batchSize);
      const out = colsTdotDy(backend, cols, info(dy.dataId, [P, outC]));
      return { dataId: out.dataId, shape: filterShape.slice(), dtype: 'float32' };
    } finally {
      dispose(backend, [cols]);
    }
  }

  // Large problem: accumulate over groups of images.
  const acc = new Float32Array(K * outC);
  const dy2 = info(dy.dataId, [c.batchSize * rowsPerImage, outC]);
  for (let n0 = 0; n0 < c.batchSize; n0 += chunk) {
    const n1 = Math.min(c.batchSize, n0 + chunk);
    const rows = (n1 - n0) * rowsPerImage;
    let cols: TensorInfo | null = null;
    let dyc: TensorInfo | null = null;
    let part: TensorInfo | null = null;
    try {
      cols = backend.makeOutput([rows, K], 'float32');
      im2col(f32(backend, x), f32(backend, cols), c, n0, n1);
      dyc = copyRows(backend, dy2, outC, n0 * rowsPerImage, n1 * rowsPerImage);
      part = colsTdotDy(backend, cols, dyc);
      const pv = f32(backend, part);
      for (let i = 0; i < acc.length; i++) acc[i] += pv[i];
    } finally {
      dispose(backend, [cols, dyc, part]);
    }
  }
  return backend.makeOutput(filterShape.slice(), 'float32', undefined, acc);
};

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropInput: cols = dy · W^T ([P, outC]·[outC, K]), then col2im into dx.

const conv2DBackpropInput: KernelFunc = (args) => {
  const { inputs, backend: b, attrs } = args;
  const backend = b as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs ?? {};
  const kernel = 'Conv2DBackpropInput';
  if (a.dataFormat === 'NCHW' && stock.has(kernel)) return delegate(kernel, args); // stock handles NCHW
  assertNHWC(kernel, a.dataFormat);
  assertFloat32(kernel, dy, filter);
  const inputShape = (a.inputShape as number[]).slice();
  const c = convInfoOf(inputShape, filter.shape, a, false);
  assertShape(kernel, 'dy', dy.shape, [c.batchSize, c.outHeight, c.outWidth, c.outChannels]);
  const K = c.filterHeight * c.filterWidth * c.inChannels;
  const outC = c.outChannels;
  const rowsPerImage = c.outHeight * c.outWidth;

  const wT = transpose2d(backend, info(filter.dataId, [K, outC])); // [outC, K]
  try {
    if (isPointwise(c)) {
      const out = matMul(backend, info(dy.dataId, [c.batchSize * rowsPerImage, outC]), wT);
      return { dataId: out.dataId, shape: inputShape, dtype: 'float32' };
    }
    const dx = backend.makeOutput(inputShape, 'float32');
    try {
      f32(backend, dx).fill(0);
      const chunk = imagesPerChunk(c);
      const dy2 = info(dy.dataId, [c.batchSize * rowsPerImage, outC]);
      for (let n0 = 0; n0 < c.batchSize; n0 += chunk) {
        const n1 = Math.min(c.batchSize, n0 + chunk);
        const whole = n0 === 0 && n1 === c.batchSize;
        let dyc: TensorInfo | null = null;
        let cols: TensorInfo | null = null;
        try {
          dyc = whole ? null : copyRows(backend, dy2, outC, n0 * rowsPerImage, n1 * rowsPerImage);
          cols = matMul(backend, dyc ?? dy2, wT); // [rows, K]
          col2im(f32(backend, cols), f32(backend, dx), c, n0, n1);
        } finally {
          dispose(backend, [dyc, cols]);
        }
      }
    } catch (e) {
      dispose(backend, [dx]);
      throw e;
    }
    return dx;
  } finally {
    dispose(backend, [wT]);
  }
};

// ---------------------------------------------------------------------------------------------
// Depthwise gradients. Filter [KH, KW, C, M]; dy channel d = c*M + q. Loops run over output
// pixels and filter taps with the channel loop innermost, so every inner loop walks contiguous
// NHWC memory.

/** Range [lo, hi) of output positions o for which o*stride - pad + k*dil lies in [0, inSize). */
function validRange(k: number, stride: number, pad: number, dil: number, inSize: number, outSize: number): [number, number] {
  const off = k * dil - pad; // input = o*stride + off
  const lo = Math.max(0, Math.ceil(-off / stride));
  const hi = Math.min(outSize, Math.floor((inSize - 1 - off) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

const depthwiseBackpropFilter: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as BackendWasm;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs ?? {};
  const kernel = 'DepthwiseConv2dNativeBackpropFilter';
  assertNHWC(kernel, a.dataFormat);
  assertFloat32(kernel, x, dy);
  const filterShape = (a.filterShape as number[]).slice();
  const c = convInfoOf(x.shape, filterShape, a, true);
  assertShape(kernel, 'dy', dy.shape, [c.batchSize, c.outHeight, c.outWidth, c.outChannels]);
  const acc = wasmGradKernelTuning.useXnnpack ? depthwiseFilterXnn(backend, x, dy, c) : depthwiseFilterLoop(backend, x, dy, c);
  const out = backend.makeOutput(filterShape, 'float32');
  f32(backend, out).set(acc);
  return out;
};

/**
 * dW[kr, kc, c, q] = sum_p xTap[p, c] * dy[p, c, q], where xTap is x shifted for filter tap
 * (kr, kc) (zeros outside), built one tap at a time from whole-row copies; the product and the
 * sum over p run on XNNPACK (Multiply, then AvgPool as column sums). Per tap the buffers are one
 * activation in size, so they stay cache-friendly.
 */
function depthwiseFilterXnn(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, c: Conv2DInfo): Float64Array {
  // Strided convs make the per-tap copies per-pixel; a single im2col is cheaper there.
  if (c.strideHeight !== 1 || c.strideWidth !== 1) return depthwiseFilterIm2col(backend, x, dy, c);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const KH = c.filterHeight, KW = c.filterWidth, M = c.outChannels / C, CM = C * M;
  const sh = c.strideHeight, sw = c.strideWidth, dh = c.dilationHeight, dw = c.dilationWidth;
  const top = c.padInfo.top, left = c.padInfo.left;
  const rowsPerImage = OH * OW;
  const chunk = Math.max(1, Math.min(N, Math.floor(wasmGradKernelTuning.maxColElems / Math.max(1, rowsPerImage * CM))));
  const acc = new Float64Array(KH * KW * CM);
  const dy2 = info(dy.dataId, [N * rowsPerImage, CM]);
  const colRanges: [number, number][] = [];
  for (let kc = 0; kc < KW; kc++) colRanges.push(validRange(kc, sw, left, dw, W, OW));
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const n1 = Math.min(N, n0 + chunk);
    const rows = (n1 - n0) * rowsPerImage;
    let dyc: TensorInfo | null = null;
    let xTap: TensorInfo | null = null;
    try {
      dyc = n1 - n0 === N ? null : copyRows(backend, dy2, CM, n0 * rowsPerImage, n1 * rowsPerImage);
      const dyId = (dyc ?? dy2).dataId;
      xTap = backend.makeOutput([rows, C], 'float32');
      for (let kr = 0; kr < KH; kr++) {
        for (let kc = 0; kc < KW; kc++) {
          const xv = f32(backend, x); // fresh views: the kernels below may grow the heap
          const tv = f32(backend, xTap);
          const [owLo, owHi] = colRanges[kc];
          for (let n = n0; n < n1; n++) {
            for (let oh = 0; oh < OH; oh++) {
              const base = ((n - n0) * OH + oh) * OW * C;
              const ih = oh * sh - top + kr * dh;
              if (ih < 0 || ih >= H || owLo >= owHi) {
                tv.fill(0, base, base + OW * C);
                continue;
              }
              if (owLo > 0) tv.fill(0, base, base + owLo * C);
              if (owHi < OW) tv.fill(0, base + owHi * C, base + OW * C);
              const rowStart = (n * H + ih) * W;
              if (sw === 1) {
                const s0 = (rowStart + owLo - left + kc * dw) * C;
                tv.set(xv.subarray(s0, s0 + (owHi - owLo) * C), base + owLo * C);
              } else {
                for (let ow = owLo; ow < owHi; ow++) {
                  const s0 = (rowStart + ow * sw - left + kc * dw) * C;
                  const d0 = base + ow * C;
                  if (C >= 16) tv.set(xv.subarray(s0, s0 + C), d0);
                  else for (let ch = 0; ch < C; ch++) tv[d0 + ch] = xv[s0 + ch];
                }
              }
            }
          }
          const prod =
            M === 1
              ? callStock(backend, 'Multiply', { a: info(xTap.dataId, [rows, C]), b: info(dyId, [rows, C]) }, {})
              : callStock(backend, 'Multiply', { a: info(xTap.dataId, [rows, C, 1]), b: info(dyId, [rows, C, M]) }, {});
          try {
            const sums = columnSums(backend, prod, rows, CM);
            const o = (kr * KW + kc) * CM;
            for (let j = 0; j < CM; j++) acc[o + j] += sums[j];
          } finally {
            dispose(backend, [prod]);
          }
        }
      }
    } finally {
      dispose(backend, [dyc, xTap]);
    }
  }
  return acc;
}

/**
 * dW[t, c, q] = sum_p cols[p, t, c] * dy[p, c, q] with cols the depthwise im2col of x (t over the
 * KH*KW taps): im2col (row copies), one broadcasting Multiply and one column sum on XNNPACK.
 */
function depthwiseFilterIm2col(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, c: Conv2DInfo): Float64Array {
  const C = c.inChannels, M = c.outChannels / C, T = c.filterHeight * c.filterWidth;
  const rowsPerImage = c.outHeight * c.outWidth;
  const width = T * C * M;
  const chunk = Math.max(1, Math.min(c.batchSize, Math.floor(wasmGradKernelTuning.maxColElems / Math.max(1, rowsPerImage * width))));
  const acc = new Float64Array(width);
  const dy2 = info(dy.dataId, [c.batchSize * rowsPerImage, C * M]);
  for (let n0 = 0; n0 < c.batchSize; n0 += chunk) {
    const n1 = Math.min(c.batchSize, n0 + chunk);
    const rows = (n1 - n0) * rowsPerImage;
    let cols: TensorInfo | null = null;
    let dyc: TensorInfo | null = null;
    let prod: TensorInfo | null = null;
    try {
      cols = backend.makeOutput([rows, T * C], 'float32');
      im2col(f32(backend, x), f32(backend, cols), c, n0, n1);
      dyc = n1 - n0 === c.batchSize ? null : copyRows(backend, dy2, C * M, n0 * rowsPerImage, n1 * rowsPerImage);
      const dyId = (dyc ?? dy2).dataId;
      prod =
        M === 1
          ? callStock(backend, 'Multiply', { a: info(cols.dataId, [rows, T, C]), b: info(dyId, [rows, 1, C]) }, {})
          : callStock(backend, 'Multiply', { a: info(cols.dataId, [rows, T, C, 1]), b: info(dyId, [rows, 1, C, M]) }, {});
      const sums = columnSums(backend, prod, rows, width);
      for (let i = 0; i < width; i++) acc[i] += sums[i];
    } finally {
      dispose(backend, [cols, dyc, prod]);
    }
  }
  return acc;
}

/** The same as a plain loop over output pixels and taps, channels innermost. */
function depthwiseFilterLoop(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, c: Conv2DInfo): Float64Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const KH = c.filterHeight, KW = c.filterWidth, M = c.outChannels / C;
  const sh = c.strideHeight, sw = c.strideWidth, dh = c.dilationHeight, dw = c.dilationWidth;
  const top = c.padInfo.top, left = c.padInfo.left;
  const CM = C * M;

  // Accumulate in float64: the sum runs over N*OH*OW terms; the buffer is small (KH*KW*C*M).
  const acc = new Float64Array(KH * KW * CM);
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  const colRanges: [number, number][] = [];
  for (let kc = 0; kc < KW; kc++) colRanges.push(validRange(kc, sw, left, dw, W, OW));
  for (let n = 0; n < N; n++) {
    for (let kr = 0; kr < KH; kr++) {
      const [ohLo, ohHi] = validRange(kr, sh, top, dh, H, OH);
      for (let oh = ohLo; oh < ohHi; oh++) {
        const ih = oh * sh - top + kr * dh;
        const xRow = (n * H + ih) * W;
        const dyRow = (n * OH + oh) * OW;
        for (let kc = 0; kc < KW; kc++) {
          const [owLo, owHi] = colRanges[kc];
          const wo = (kr * KW + kc) * CM;
          for (let ow = owLo; ow < owHi; ow++) {
            const iw = ow * sw - left + kc * dw;
            const xo = (xRow + iw) * C;
            const yo = (dyRow + ow) * CM;
            if (M === 1) {
              for (let ch = 0; ch < C; ch++) acc[wo + ch] += xv[xo + ch] * dyv[yo + ch];
            } else {
              for (let ch = 0; ch < C; ch++) {
                const xc = xv[xo + ch];
                const base = ch * M;
                for (let q = 0; q < M; q++) acc[wo + base + q] += xc * dyv[yo + base + q];
              }
            }
          }
        }
      }
    }
  }
  return acc;
}

const depthwiseBackpropInput: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs ?? {};
  const kernel = 'DepthwiseConv2dNativeBackpropInput';
  assertNHWC(kernel, a.dataFormat);
  assertFloat32(kernel, dy, filter);
  const inputShape = (a.inputShape as number[]).slice();
  const c = convInfoOf(inputShape, filter.shape, a, true);
  assertShape(kernel, 'dy', dy.shape, [c.batchSize, c.outHeight, c.outWidth, c.outChannels]);
  const fast = wasmGradKernelTuning.useXnnpack ? depthwiseInputXnn(backend, dy, filter, c, inputShape) : null;
  return fast ?? depthwiseInputLoop(backend, dy, filter, c, inputShape);
};

/**
 * dx as a forward depthwise conv on XNNPACK: dy (zeros inserted between rows/columns when the
 * stride is > 1) correlated with the spatially flipped filter, padded so that the output is the
 * input's size. Channel multiplier 1 only (MobileNets); null when not applicable.
 */
function depthwiseInputXnn(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  c: Conv2DInfo,
  inputShape: number[],
): TensorInfo | null {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const KH = c.filterHeight, KW = c.filterWidth;
  const sh = c.strideHeight, sw = c.strideWidth, dh = c.dilationHeight, dw = c.dilationWidth;
  if (c.outChannels !== C) return null;
  const ekh = (KH - 1) * dh + 1, ekw = (KW - 1) * dw + 1;
  const UH = (OH - 1) * sh + 1, UW = (OW - 1) * sw + 1;
  const pt = ekh - 1 - c.padInfo.top, pl = ekw - 1 - c.padInfo.left;
  const pb = H - UH - pt + ekh - 1, pr = W - UW - pl + ekw - 1;
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return null;

  let up: TensorInfo | null = null;
  let flipped: TensorInfo | null = null;
  try {
    if (sh !== 1 || sw !== 1) {
      up = backend.makeOutput([N, UH, UW, C], 'float32');
      const uv = f32(backend, up);
      const dyv = f32(backend, dy);
      uv.fill(0);
      for (let n = 0; n < N; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const src = ((n * OH + oh) * OW) * C;
          const dst = ((n * UH + oh * sh) * UW) * C;
          for (let ow = 0; ow < OW; ow++) {
            const s0 = src + ow * C, d0 = dst + ow * sw * C;
            if (C >= 16) uv.set(dyv.subarray(s0, s0 + C), d0);
            else for (let ch = 0; ch < C; ch++) uv[d0 + ch] = dyv[s0 + ch];
          }
        }
      }
    }
    flipped = backend.makeOutput([KH, KW, C, 1], 'float32');
    const fv = f32(backend, flipped);
    const wv = f32(backend, filter);
    for (let kr = 0; kr < KH; kr++) {
      for (let kc = 0; kc < KW; kc++) {
        const s0 = ((KH - 1 - kr) * KW + (KW - 1 - kc)) * C;
        fv.set(wv.subarray(s0, s0 + C), (kr * KW + kc) * C);
      }
    }
    const dx = callStock(backend, 'DepthwiseConv2dNative', { x: up ?? dy, filter: flipped }, {
      strides: [1, 1],
      pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]],
      dilations: [dh, dw],
      dimRoundingMode: undefined as unknown as string,
      dataFormat: 'NHWC',
    });
    if (dx.shape.some((d, i) => d !== inputShape[i])) {
      dispose(backend, [dx]);
      return null;
    }
    return dx;
  } finally {
    dispose(backend, [up, flipped]);
  }
}

/** The same as a plain scatter loop over output pixels and taps, channels innermost. */
function depthwiseInputLoop(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  c: Conv2DInfo,
  inputShape: number[],
): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const KH = c.filterHeight, KW = c.filterWidth, M = c.outChannels / C;
  const sh = c.strideHeight, sw = c.strideWidth, dh = c.dilationHeight, dw = c.dilationWidth;
  const top = c.padInfo.top, left = c.padInfo.left;
  const CM = C * M;

  const dx = backend.makeOutput(inputShape, 'float32');
  const dxv = f32(backend, dx); // views taken after the allocation
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  dxv.fill(0);
  const colRanges: [number, number][] = [];
  for (let kc = 0; kc < KW; kc++) colRanges.push(validRange(kc, sw, left, dw, W, OW));
  for (let n = 0; n < N; n++) {
    for (let kr = 0; kr < KH; kr++) {
      const [ohLo, ohHi] = validRange(kr, sh, top, dh, H, OH);
      for (let oh = ohLo; oh < ohHi; oh++) {
        const ih = oh * sh - top + kr * dh;
        const xRow = (n * H + ih) * W;
        const dyRow = (n * OH + oh) * OW;
        for (let kc = 0; kc < KW; kc++) {
          const [owLo, owHi] = colRanges[kc];
          const wo = (kr * KW + kc) * CM;
          for (let ow = owLo; ow < owHi; ow++) {
            const iw = ow * sw - left + kc * dw;
            const xo = (xRow + iw) * C;
            const yo = (dyRow + ow) * CM;
            if (M === 1) {
              for (let ch = 0; ch < C; ch++) dxv[xo + ch] += dyv[yo + ch] * wv[wo + ch];
            } else {
              for (let ch = 0; ch < C; ch++) {
                const base = ch * M;
                let s = 0;
                for (let q = 0; q < M; q++) s += dyv[yo + base + q] * wv[wo + base + q];
                dxv[xo + ch] += s;
              }
            }
          }
        }
      }
    }
  }
  return dx;
}

// ---------------------------------------------------------------------------------------------
// Forward/backward helpers that stock wasm has but that dominated a MobileNetV2 fine-tuning step
// (see scripts/bench-kernels.ts). Each has a fast path for the float32 NHWC pattern that training
// produces and hands everything else to the stock kernel.

/**
 * Identity: share the data (reference count) instead of copying it, as the cpu and webgl
 * backends do. The engine clones every tensor it saves for the backward pass, so the stock
 * copying Identity cost ~500 full-size copies per MobileNetV2 training step.
 */
const identity: KernelFunc = (args) => {
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
const tile: KernelFunc = (args) => {
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
const fusedBatchNorm: KernelFunc = (args) => {
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
function leadingReduce(kernelName: 'Sum' | 'Mean', divide: boolean): KernelFunc {
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
const slice: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return delegate('Slice', args);
  const [begin, size] = tf.slice_util.parseSliceParams(x, args.attrs?.begin as number[], args.attrs?.size as number[]);
  const out = backend.makeOutput(size, x.dtype);
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, backend.typedArrayFromHeap(out), size, size.map(() => 0), size);
  return out;
};

/** PadV2 (constant padding, e.g. ZeroPadding2D before stride-2 depthwise convs) by fill + row copies. */
const padV2: KernelFunc = (args) => {
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
  ov.fill(constantValue);
  copyBox(backend.typedArrayFromHeap(x), x.shape, x.shape.map(() => 0), ov, outShape, paddings.map((p) => p[0]), x.shape);
  return out;
};

// ---------------------------------------------------------------------------------------------
// ClipByValue gradient (ReLU6 in tfjs-layers is relu + clipByValue(0, 6)). tfjs composes it as
// where(logicalAnd(greaterEqual(x, lo), lessEqual(x, hi)), dy, zerosLike(dy)): five kernels, the
// comparisons ~3 ns per element on stock wasm, ~18% of a MobileNetV2 fine-tuning step. On wasm
// we run it as one pass instead; on every other backend the original gradient runs unchanged.

/** Name of the fused clip-gradient kernel (registered for wasm only). */
export const CLIP_BY_VALUE_GRAD_KERNEL = 'FinetuneStudioClipByValueGrad';

const clipByValueGrad: KernelFunc = ({ inputs, backend: b, attrs }) => {
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

function registerClipByValueGradient(): void {
  const current = tf.getGradient('ClipByValue');
  if (current == null) return;
  if ((current.gradFunc as unknown as Record<symbol, unknown>)[MARK] === true) return;
  const original = current;
  const gradFunc: GradConfig['gradFunc'] = (dy, saved, attrs) => {
    const [x] = saved;
    const d = dy as tf.Tensor;
    const sameShape = d.shape.length === x.shape.length && d.shape.every((v, i) => v === x.shape[i]);
    if (tf.getBackend() !== BACKEND || d.dtype !== 'float32' || x.dtype !== 'float32' || !sameShape) {
      return original.gradFunc(dy, saved, attrs);
    }
    return {
      x: () => tf.engine().runKernel(CLIP_BY_VALUE_GRAD_KERNEL, { dy: d, x }, attrs) as tf.Tensor,
    };
  };
  (gradFunc as unknown as Record<symbol, unknown>)[MARK] = true;
  tf.registerGradient({ ...original, gradFunc });
}

// ---------------------------------------------------------------------------------------------
// Registration

function mark(f: KernelFunc): KernelFunc {
  (f as unknown as Record<symbol, boolean>)[MARK] = true;
  return f;
}

function isOurs(kernelName: string): boolean {
  const k = tf.getKernel(kernelName, BACKEND);
  return k != null && (k.kernelFunc as unknown as Record<symbol, boolean>)[MARK] === true;
}

/** Kernels stock tfjs-backend-wasm 4.22 lacks: without them conv/depthwise gradients throw. */
const MISSING: [string, KernelFunc][] = [
  ['Conv2DBackpropFilter', mark(conv2DBackpropFilter)],
  ['DepthwiseConv2dNativeBackpropFilter', mark(depthwiseBackpropFilter)],
  ['DepthwiseConv2dNativeBackpropInput', mark(depthwiseBackpropInput)],
];

/** Stock kernels replaced by faster versions (same results), plus the fused clip gradient. */
const REPLACEMENTS: [string, KernelFunc][] = [
  ['Conv2DBackpropInput', mark(conv2DBackpropInput)],
  ['Identity', mark(identity)],
  ['Tile', mark(tile)],
  ['FusedBatchNorm', mark(fusedBatchNorm)],
  ['Sum', mark(leadingReduce('Sum', false))],
  ['Mean', mark(leadingReduce('Mean', true))],
  ['Slice', mark(slice)],
  ['PadV2', mark(padV2)],
  [CLIP_BY_VALUE_GRAD_KERNEL, mark(clipByValueGrad)],
];

/** Names of the kernels this module registers for the wasm backend. */
export const WASM_GRAD_KERNEL_NAMES: readonly string[] = [...MISSING, ...REPLACEMENTS].map(([n]) => n);

export interface RegisterWasmGradKernelsOptions {
  /**
   * Also replace the slow stock kernels (REPLACEMENTS above) and route the ClipByValue (ReLU6)
   * gradient through one fused kernel on wasm. Default true; false registers only the missing
   * kernels (useful to measure what the replacements buy).
   */
  replaceSlowStockKernels?: boolean;
}

/**
 * Registers the kernels above for the `wasm` backend. Idempotent. Call it after importing
 * '@tensorflow/tfjs-backend-wasm' (before or after `tf.setBackend('wasm')`).
 */
export function registerWasmGradKernels(options: RegisterWasmGradKernelsOptions = {}): void {
  const replace = options.replaceSlowStockKernels ?? true;
  for (const [kernelName, kernelFunc] of replace ? [...MISSING, ...REPLACEMENTS] : MISSING) {
    if (isOurs(kernelName)) continue;
    const existing = tf.getKernel(kernelName, BACKEND);
    if (existing != null) {
      stock.set(kernelName, existing.kernelFunc);
      tf.unregisterKernel(kernelName, BACKEND); // replace without a warning
    }
    // Keep a replaced kernel's setupFunc: the wasm backend runs setup functions at initialisation.
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc, setupFunc: existing?.setupFunc });
  }
  if (replace) registerClipByValueGradient();
}
