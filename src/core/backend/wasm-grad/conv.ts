// Conv2D gradients on wasm: the filter gradient (missing in stock wasm) and a faster input
// gradient, both as im2col / col2im around the XNNPACK-backed BatchMatMul kernel.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type TensorInfo, type KernelFunc, info, stock, delegate, f32, matMul, transpose2d, dispose, assertFloat32, assertNHWC, assertShape, convInfoOf, isPointwise, im2col, col2im, imagesPerChunk, copyRows } from './shared';

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

export const conv2DBackpropFilter: KernelFunc = ({ inputs, backend: b, attrs }) => {
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

export const conv2DBackpropInput: KernelFunc = (args) => {
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
