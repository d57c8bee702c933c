// Depthwise conv gradients on wasm (both missing in stock wasm): XNNPACK paths for the filter and
// input gradients, with plain typed-array loops as the fallback.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type TensorInfo, type KernelFunc, type Conv2DInfo, wasmGradKernelTuning, info, f32, callStock, columnSums, dispose, assertFloat32, assertNHWC, assertShape, convInfoOf, im2col, copyRows } from './shared';

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

export const depthwiseBackpropFilter: KernelFunc = ({ inputs, backend: b, attrs }) => {
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

export const depthwiseBackpropInput: KernelFunc = ({ inputs, backend: b, attrs }) => {
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
