// Checks the wasm gradient kernels against tfjs's reference `cpu` kernels on a grid of shapes,
// checks dilated cases by the adjoint identity, runs a MobileNet-like block's gradients and an
// SGD step end to end on wasm, and checks that nothing leaks (engine tensors or wasm heap data).
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerWasmGradKernels, WASM_GRAD_KERNEL_NAMES, wasmGradKernelTuning } from './wasm-grad-kernels';

/** Starts the wasm backend in Node; resolves to a reason string when it cannot. */
async function initWasm(): Promise<string | null> {
  try {
    const require = createRequire(import.meta.url);
    // The Node build loads the .wasm binaries from the filesystem: point it at the package's dist/.
    setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
    registerWasmGradKernels();
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000));
    const ok = await Promise.race([tf.setBackend('wasm'), timeout]);
    if (ok === 'timeout') return `tf.setBackend('wasm') did not settle within 15 s`;
    if (!ok) return `tf.setBackend('wasm') returned false (the .wasm binaries could not be loaded)`;
    if (tf.getBackend() !== 'wasm') return `the active backend is ${tf.getBackend()}, not wasm`;
    return null;
  } catch (e) {
    return `wasm backend failed to initialise in Node: ${(e as Error).message ?? String(e)}`;
  }
}

const skipReason = await initWasm();
// Outside CI a machine without wasm skips with the reason printed; in CI (process.env.CI set) the
// kernels must be checked, so a wasm backend that cannot start fails every test below.
const inCI = Boolean(process.env.CI);
if (skipReason && !inCI) console.warn(`[wasm-grad-kernels.test] skipped: ${skipReason}`);

// ---------------------------------------------------------------------------------------------
// Helpers

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomArray(size: number, rand: () => number): Float32Array {
  const a = new Float32Array(size);
  for (let i = 0; i < size; i++) a[i] = rand() * 2 - 1;
  return a;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Values valid for a dtype (bool: 0/1, int32: integers), built from uniform [-1, 1) values. */
function valuesFor(dtype: 'float32' | 'int32' | 'bool', values: Float32Array): Float32Array {
  if (dtype === 'float32') return values;
  return values.map((v) => (dtype === 'bool' ? Number(v > 0) : Math.round(v * 10) + 0)); // + 0: no -0
}

type Inputs = Record<string, { shape: number[]; values: Float32Array }>;

function wasmBackend(): tf.KernelBackend & { numDataIds(): number } {
  return tf.engine().findBackend('wasm') as tf.KernelBackend & { numDataIds(): number };
}

/** Runs a kernel through the engine on the active (wasm) backend. */
function runWasm(kernelName: string, inputs: Inputs, attrs: tf.NamedAttrMap): { shape: number[]; values: Float32Array } {
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape, 'float32');
    const out = tf.engine().runKernel(kernelName, ts, attrs) as tf.Tensor;
    return { shape: out.shape, values: out.dataSync() as Float32Array };
  });
}

/** Runs tfjs's own cpu kernel directly on the cpu backend (the reference). */
function runCpu(kernelName: string, inputs: Inputs, attrs: tf.NamedAttrMap): { shape: number[]; values: Float32Array } {
  const cpu = tf.engine().findBackend('cpu');
  const infos: Record<string, tf.TensorInfo> = {};
  for (const [k, v] of Object.entries(inputs)) {
    infos[k] = { dataId: cpu.write(v.values, v.shape, 'float32'), shape: v.shape, dtype: 'float32' };
  }
  const kernel = tf.getKernel(kernelName, 'cpu');
  if (!kernel) throw new Error(`no cpu kernel ${kernelName}`);
  const out = kernel.kernelFunc({ inputs: infos, backend: cpu, attrs }) as tf.TensorInfo;
  const values = cpu.readSync(out.dataId) as Float32Array;
  cpu.disposeData(out.dataId);
  for (const t of Object.values(infos)) cpu.disposeData(t.dataId);
  return { shape: out.shape, values };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Max |a-b| divided by max(1, max|b|). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d / Math.max(1, maxAbs(b));
}

/** Counts engine tensors, engine bytes and wasm heap data ids, to detect leaks. */
function memorySnapshot(): [number, number, number] {
  const m = tf.memory();
  return [m.numTensors, m.numBytes, wasmBackend().numDataIds()];
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  n: number;
  h: number;
  w: number;
  inC: number;
  outC: number; // conv: output channels; depthwise: channel multiplier
  k: number;
  stride: number;
  pad: Pad;
  dilation: number;
}

function outSize(inSize: number, k: number, stride: number, pad: Pad, axis: 1 | 2, dilation: number): number {
  const ek = (k - 1) * dilation + 1;
  if (pad === 'same') return Math.ceil(inSize / stride);
  if (pad === 'valid') return Math.ceil((inSize - ek + 1) / stride);
  const [a, b] = pad[axis];
  return Math.floor((inSize + a + b - ek) / stride) + 1;
}

/** A deterministic sample of the shape grid, keeping only cases with a non-empty output. */
function cases(seed: number, count: number, kernelSizes: number[], pointwiseOnly = false): ConvCase[] {
  const rand = rng(seed);
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const out: ConvCase[] = [];
  // Edge cases first: 1x1 input, batch 3, odd sizes.
  const fixed: ConvCase[] = [
    { n: 1, h: 1, w: 1, inC: 1, outC: 1, k: 1, stride: 1, pad: 'same', dilation: 1 },
    { n: 3, h: 9, w: 9, inC: 8, outC: 8, k: kernelSizes[kernelSizes.length - 1], stride: 2, pad: 'same', dilation: 1 },
    { n: 2, h: 7, w: 5, inC: 3, outC: 2, k: kernelSizes[0], stride: 1, pad: 'valid', dilation: 1 },
  ];
  out.push(...fixed.filter((c) => !pointwiseOnly || c.k === 1));
  while (out.length < count) {
    const k = pick(kernelSizes);
    const r = rand();
    const pad: Pad =
      r < 0.4
        ? 'same'
        : r < 0.7
          ? 'valid'
          : [
              [0, 0],
              [Math.floor(rand() * 3), Math.floor(rand() * 3)],
              [Math.floor(rand() * 3), Math.floor(rand() * 3)],
              [0, 0],
            ];
    const c: ConvCase = {
      n: 1 + Math.floor(rand() * 3),
      h: 1 + Math.floor(rand() * 9),
      w: 1 + Math.floor(rand() * 9),
      inC: 1 + Math.floor(rand() * 8),
      outC: 1 + Math.floor(rand() * 8),
      k,
      stride: pick([1, 2]),
      pad,
      dilation: 1,
    };
    if (pointwiseOnly && c.k !== 1) continue;
    if (outSize(c.h, k, c.stride, pad, 1, 1) < 1 || outSize(c.w, k, c.stride, pad, 2, 1) < 1) continue;
    out.push(c);
  }
  return out;
}

const describeWasm = skipReason && !inCI ? describe.skip : describe;

// ---------------------------------------------------------------------------------------------

describeWasm('wasm gradient kernels', () => {
  it('has a running wasm backend (a failure in CI, a skip elsewhere)', () => {
    expect(skipReason, `wasm backend did not start: ${skipReason}`).toBeNull();
  });
  it('registers every kernel for wasm, idempotently', () => {
    registerWasmGradKernels();
    registerWasmGradKernels();
    for (const name of WASM_GRAD_KERNEL_NAMES) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
  });

  function checkConv(
    kernelName: string,
    c: ConvCase,
    depthwise: boolean,
    rand: () => number,
  ): number {
    const xShape = [c.n, c.h, c.w, c.inC];
    const filterShape = [c.k, c.k, c.inC, c.outC];
    const oh = outSize(c.h, c.k, c.stride, c.pad, 1, c.dilation);
    const ow = outSize(c.w, c.k, c.stride, c.pad, 2, c.dilation);
    const dyShape = [c.n, oh, ow, depthwise ? c.inC * c.outC : c.outC];
    const x = { shape: xShape, values: randomArray(sizeOf(xShape), rand) };
    const dy = { shape: dyShape, values: randomArray(sizeOf(dyShape), rand) };
    const filter = { shape: filterShape, values: randomArray(sizeOf(filterShape), rand) };
    const base: tf.NamedAttrMap = { strides: [c.stride, c.stride], pad: c.pad, dimRoundingMode: undefined } as never;
    if (depthwise) base.dilations = [1, 1];
    else base.dataFormat = 'NHWC';
    const isFilter = kernelName.endsWith('Filter');
    const inputs: Inputs = isFilter ? { x, dy } : { dy, filter };
    const attrs = isFilter ? { ...base, filterShape } : { ...base, inputShape: xShape };
    const got = runWasm(kernelName, inputs, attrs);
    const want = runCpu(kernelName, inputs, attrs);
    expect(got.shape).toEqual(want.shape);
    const err = relErr(got.values, want.values);
    expect(err, `${kernelName} ${JSON.stringify(c)}`).toBeLessThanOrEqual(1e-4);
    return err;
  }

  const gridTests: [string, boolean, number[], boolean][] = [
    ['Conv2DBackpropFilter', false, [1, 3, 5], false],
    ['Conv2DBackpropFilter', false, [1], true], // matmul path incl. strided/padded 1x1
    ['Conv2DBackpropInput', false, [1, 3, 5], false],
    ['Conv2DBackpropInput', false, [1], true],
    ['DepthwiseConv2dNativeBackpropFilter', true, [1, 3, 5], false],
    ['DepthwiseConv2dNativeBackpropInput', true, [1, 3, 5], false],
  ];
  for (const [name, depthwise, ks, pointwiseOnly] of gridTests) {
    for (const useXnnpack of depthwise ? [true, false] : [true]) {
      const path = depthwise ? (useXnnpack ? ', XNNPACK path' : ', loop path') : '';
      it(`${name} matches the cpu kernel (${pointwiseOnly ? '1x1' : 'kxk'} grid${path})`, () => {
        const before = memorySnapshot();
        const rand = rng(name.length * 7919 + ks.length);
        let worst = 0;
        wasmGradKernelTuning.useXnnpack = useXnnpack;
        try {
          for (const c of cases(name.length + ks.length, pointwiseOnly ? 40 : 80, ks, pointwiseOnly)) {
            if (depthwise) c.outC = 1 + Math.floor(rand() * 2); // channel multiplier 1 or 2
            worst = Math.max(worst, checkConv(name, c, depthwise, rand));
          }
        } finally {
          wasmGradKernelTuning.useXnnpack = true;
        }
        expect(worst).toBeLessThanOrEqual(1e-4);
        expect(memorySnapshot()).toEqual(before);
      });
    }
  }

  for (const useXnnpack of [true, false]) {
    it(`FusedBatchNorm, Sum and Mean match the cpu kernels (${useXnnpack ? 'XNNPACK' : 'loop'} path)`, () => {
      const before = memorySnapshot();
      const rand = rng(77);
      wasmGradKernelTuning.useXnnpack = useXnnpack;
      try {
        for (const shape of [[2, 5, 3, 7], [16, 14, 14, 24], [1, 1, 1, 1], [3, 4], [7], [2, 3, 1, 5, 2]]) {
          const C = shape[shape.length - 1];
          const x = { shape, values: randomArray(sizeOf(shape), rand) };
          const param = (positive: boolean) => {
            const v = randomArray(C, rand);
            if (positive) for (let i = 0; i < C; i++) v[i] = Math.abs(v[i]) + 0.1;
            return { shape: [C], values: v };
          };
          const bnInputs: Inputs = { x, mean: param(false), variance: param(true), offset: param(false), scale: param(false) };
          const bnAttrs = { varianceEpsilon: 1e-3 };
          const got = runWasm('FusedBatchNorm', bnInputs, bnAttrs);
          const want = runCpu('FusedBatchNorm', bnInputs, bnAttrs);
          expect(got.shape).toEqual(want.shape);
          expect(relErr(got.values, want.values), `FusedBatchNorm ${shape}`).toBeLessThanOrEqual(1e-5);
          // Without offset/scale, and with scalar mean/variance.
          const bare: Inputs = { x, mean: { shape: [1], values: new Float32Array([0.3]) }, variance: { shape: [1], values: new Float32Array([2]) } };
          expect(relErr(runWasm('FusedBatchNorm', bare, bnAttrs).values, runCpu('FusedBatchNorm', bare, bnAttrs).values)).toBeLessThanOrEqual(1e-5);

          const rank = shape.length;
          const axisSets: (number | number[])[] = [0, -1, [0, 1].filter((a) => a < rank)];
          if (rank >= 3) axisSets.push([0, 1, 2].slice(0, rank - 1), [2, 0, 1].slice(0, rank - 1), [1, 2]);
          for (const axis of axisSets) {
            for (const keepDims of [false, true]) {
              for (const kernel of ['Sum', 'Mean']) {
                const g = runWasm(kernel, { x }, { axis, keepDims });
                const w = runCpu(kernel, { x }, { axis, keepDims });
                expect(g.shape, `${kernel} ${shape} ${axis}`).toEqual(w.shape);
                expect(relErr(g.values, w.values), `${kernel} ${shape} axis=${axis} keepDims=${keepDims}`).toBeLessThanOrEqual(1e-5);
              }
            }
          }
        }
      } finally {
        wasmGradKernelTuning.useXnnpack = true;
      }
      expect(memorySnapshot()).toEqual(before);
    });
  }

  it('the Mean gradient (global average pooling) matches cpu for every axis set, keepDims or not', () => {
    const before = memorySnapshot();
    const rand = rng(12);
    const shape = [2, 3, 4, 5];
    const xv = randomArray(sizeOf(shape), rand);
    for (const axis of [[1, 2], [0], [3], [0, 1, 2, 3], [2]]) {
      for (const keepDims of [false, true]) {
        const grad = (backend: string) => {
          const prev = tf.getBackend();
          tf.setBackend(backend);
          const g = tf.tidy(() => {
            const x = tf.tensor(xv, shape);
            const w = tf.tensor(randomArray(sizeOf(tf.mean(x, axis, keepDims).shape), rng(13)), tf.mean(x, axis, keepDims).shape);
            return tf.grad((t: tf.Tensor) => tf.mean(t, axis, keepDims).mul(w).sum())(x).dataSync().slice();
          });
          tf.setBackend(prev);
          return g;
        };
        expect(relErr(grad('wasm'), grad('cpu')), `axis ${axis} keepDims ${keepDims}`).toBeLessThanOrEqual(1e-6);
      }
    }
    expect(memorySnapshot()).toEqual(before);
  });

  it('BatchMatMul with transposed operands matches the cpu kernel (2-D, batched, broadcast batch)', () => {
    const before = memorySnapshot();
    const rand = rng(11);
    // [a shape, b shape] as multiplied (before any transpose flag), flags applied to stored shapes below.
    const cases: [number[], number[]][] = [
      [[7, 5], [5, 3]],
      [[1, 9], [9, 1]],
      [[3, 4, 6], [3, 6, 2]],
      [[3, 4, 6], [1, 6, 5]],
      [[2, 1, 4, 6], [2, 3, 6, 5]],
      [[40, 128], [128, 24]],
    ];
    for (const [am, bm] of cases) {
      for (const [transposeA, transposeB] of [[true, false], [false, true], [true, true], [false, false]]) {
        const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
        const aShape = transposeA ? swap(am) : am;
        const bShape = transposeB ? swap(bm) : bm;
        const inputs = { a: { shape: aShape, values: randomArray(sizeOf(aShape), rand) }, b: { shape: bShape, values: randomArray(sizeOf(bShape), rand) } };
        const attrs = { transposeA, transposeB };
        const got = runWasm('BatchMatMul', inputs, attrs);
        const want = runCpu('BatchMatMul', inputs, attrs);
        const what = `${aShape} x ${bShape} transposeA=${transposeA} transposeB=${transposeB}`;
        expect(got.shape, what).toEqual(want.shape);
        expect(relErr(got.values, want.values), what).toBeLessThanOrEqual(1e-5);
      }
    }
    // Through autodiff: a dense layer's weight and input gradients (xᵀ·dy and dy·Wᵀ).
    const x = tf.tensor(randomArray(6 * 10, rand), [6, 10]);
    const w = tf.tensor(randomArray(10 * 4, rand), [10, 4]);
    const grads = (backend: string) => {
      const prev = tf.getBackend();
      tf.setBackend(backend);
      const g = tf.tidy(() => {
        const xs = tf.tensor(x.dataSync(), x.shape);
        const ws = tf.tensor(w.dataSync(), w.shape);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D).square().sum())([xs, ws]);
        return [dx.dataSync().slice(), dw.dataSync().slice()];
      });
      tf.setBackend(prev);
      return g;
    };
    const [dxWasm, dwWasm] = grads('wasm');
    const [dxCpu, dwCpu] = grads('cpu');
    expect(relErr(dxWasm, dxCpu)).toBeLessThanOrEqual(1e-5);
    expect(relErr(dwWasm, dwCpu)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, w]);
    expect(memorySnapshot()).toEqual(before);
  });

  it('Tile, Slice and PadV2 match the cpu kernels for every dtype; Identity shares data safely', () => {
    const before = memorySnapshot();
    const rand = rng(8);
    for (const [shape, reps] of [
      [[1, 1, 1, 5], [3, 4, 2, 1]],
      [[2, 3], [2, 3]],
      [[3], [4]],
      [[2, 1, 3], [1, 5, 1]],
      [[2, 2, 2, 2, 2], [1, 2, 1, 3, 1]],
      [[4, 0], [2, 2]],
    ] as [number[], number[]][]) {
      const values = randomArray(sizeOf(shape), rand);
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const v = valuesFor(dtype, values);
        const got = tf.tidy(() => {
          const out = tf.tile(tf.tensor(v, shape, dtype), reps);
          return { shape: out.shape, values: Array.from(out.dataSync() as ArrayLike<number>) };
        });
        const ref = runCpu('Tile', { x: { shape, values: v } }, { reps });
        expect(got.shape, `${shape} x ${reps}`).toEqual(ref.shape);
        expect(got.values, `${shape} x ${reps} ${dtype}`).toEqual(Array.from(ref.values));
      }
    }
    // Slice and PadV2 (row-copy versions) against cpu, every dtype.
    for (const [shape, begin, size, paddings] of [
      [[2, 5, 4, 3], [0, 1, 1, 0], [2, 3, 2, 3], [[0, 0], [0, 1], [0, 1], [0, 0]]],
      [[3, 4, 5, 6], [1, 0, 0, 0], [2, 4, 5, 6], [[1, 2], [0, 0], [3, 0], [0, 1]]],
      [[3, 4, 5, 6], [0, 0, 0, 2], [-1, -1, -1, 3], [[0, 0], [0, 0], [0, 0], [0, 0]]],
      [[7], [2], [4], [[3, 1]]],
      [[4, 6], [1, 2], [2, 4], [[1, 1], [2, 0]]],
      [[2, 3, 4, 5, 2], [1, 1, 0, 2, 0], [1, 2, 4, 2, 2], [[0, 1], [1, 0], [0, 0], [2, 2], [0, 0]]],
      [[16, 14, 14, 24], [0, 0, 0, 0], [16, 13, 13, 24], [[0, 0], [0, 1], [0, 1], [0, 0]]],
      [[2, 4, 3, 2], [0, 0, 0, 0], [2, 4, 3, 2], [[0, 0], [2, 1], [1, 3], [0, 0]]],
    ] as [number[], number[], number[], [number, number][]][]) {
      const values = randomArray(sizeOf(shape), rand);
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const v = valuesFor(dtype, values);
        const padValue = { float32: 2.5, int32: 3, bool: 1 }[dtype];
        const cases: [string, tf.NamedAttrMap, (t: tf.Tensor) => tf.Tensor][] = [
          ['Slice', { begin, size }, (t) => tf.slice(t, begin, size)],
          ['PadV2', { paddings, constantValue: padValue }, (t) => tf.pad(t, paddings, padValue)],
        ];
        for (const [kernel, attrs, op] of cases) {
          const got = tf.tidy(() => {
            const out = op(tf.tensor(v, shape, dtype));
            return { shape: out.shape, values: Array.from(out.dataSync() as ArrayLike<number>) };
          });
          const ref = runCpu(kernel, { x: { shape, values: v } }, attrs);
          expect(got.shape, `${kernel} ${shape}`).toEqual(ref.shape);
          expect(got.values, `${kernel} ${shape} ${dtype}`).toEqual(Array.from(ref.values));
        }
      }
    }

    // Identity: a clone survives disposal of its source and vice versa.
    const a = tf.tensor([1, 2, 3]);
    const b = a.clone();
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    const c = b.clone();
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    c.dispose();
    expect(memorySnapshot()).toEqual(before);
  });

  it('ClipByValue gradient (ReLU6) matches cpu, boundaries and NaN included', async () => {
    const xs = [-2, -0, 0, 0.5, 5.999, 6, 6.001, 9, NaN, 3];
    const grad = () =>
      tf.tidy(() => {
        const x = tf.tensor(xs, [2, 5]);
        const dy = tf.tensor(xs.map((_, i) => i + 1), [2, 5]);
        const g = tf.grad((t: tf.Tensor) => tf.clipByValue(t, 0, 6))(x, dy);
        return Array.from(g.dataSync());
      });
    try {
      await tf.setBackend('cpu');
      const want = grad();
      await tf.setBackend('wasm');
      const before = memorySnapshot();
      expect(grad()).toEqual(want);
      expect(memorySnapshot()).toEqual(before);
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('splits large problems into im2col chunks with the same result', () => {
    const before = memorySnapshot();
    const saved = wasmGradKernelTuning.maxColElems;
    wasmGradKernelTuning.maxColElems = 500; // forces one image per chunk below
    try {
      const rand = rng(5);
      for (const c of [
        { n: 3, h: 9, w: 7, inC: 5, outC: 4, k: 3, stride: 1, pad: 'same', dilation: 1 },
        { n: 3, h: 8, w: 8, inC: 6, outC: 7, k: 1, stride: 2, pad: 'valid', dilation: 1 },
        { n: 2, h: 9, w: 9, inC: 3, outC: 8, k: 5, stride: 2, pad: [[0, 0], [2, 1], [0, 2], [0, 0]], dilation: 1 },
      ] as ConvCase[]) {
        checkConv('Conv2DBackpropFilter', c, false, rand);
        checkConv('Conv2DBackpropInput', c, false, rand);
      }
    } finally {
      wasmGradKernelTuning.maxColElems = saved;
    }
    expect(memorySnapshot()).toEqual(before);
  });

  it('dilated kernels satisfy the adjoint identity <conv(x,w),dy> = <x,dX(dy,w)> = <w,dW(x,dy)>', () => {
    const before = memorySnapshot();
    const rand = rng(11);
    for (const depthwise of [false, true]) {
      for (const [h, k, d, pad, stride] of [
        [9, 3, 2, 'same', 1],
        [8, 3, 2, 'valid', 1],
        [9, 2, 3, 'same', 1],
        [7, 3, 2, [[0, 0], [1, 2], [2, 0], [0, 0]], 1],
      ] as [number, number, number, Pad, number][]) {
        const inC = 3;
        const outC = depthwise ? 2 : 4; // depthwise: multiplier
        const xs: [number, number, number, number] = [2, h, h + 1, inC];
        const fs: [number, number, number, number] = [k, k, inC, outC];
        tf.tidy(() => {
          const x = tf.tensor4d(randomArray(sizeOf(xs), rand), xs);
          const w = tf.tensor4d(randomArray(sizeOf(fs), rand), fs);
          const y = depthwise
            ? tf.depthwiseConv2d(x, w, stride, pad, 'NHWC', d)
            : tf.conv2d(x, w, stride, pad, 'NHWC', d);
          const dy = tf.tensor(randomArray(y.size, rand), y.shape);
          const names = depthwise
            ? ['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']
            : ['Conv2DBackpropInput', 'Conv2DBackpropFilter'];
          const attrs = { strides: [stride, stride], pad, dilations: [d, d] } as unknown as tf.NamedAttrMap;
          const dx = tf.engine().runKernel(names[0], { dy, filter: w }, { ...attrs, inputShape: xs }) as tf.Tensor;
          const dw = tf.engine().runKernel(names[1], { x, dy }, { ...attrs, filterShape: fs }) as tf.Tensor;
          const lhs = tf.sum(tf.mul(y, dy)).dataSync()[0];
          const viaX = tf.sum(tf.mul(x, dx)).dataSync()[0];
          const viaW = tf.sum(tf.mul(w, dw)).dataSync()[0];
          const scale = Math.max(1, Math.abs(lhs));
          const label = `${depthwise ? 'depthwise' : 'conv'} h=${h} k=${k} dilation=${d} pad=${JSON.stringify(pad)}`;
          expect(Math.abs(viaX - lhs) / scale, `dx ${label}`).toBeLessThan(1e-4);
          expect(Math.abs(viaW - lhs) / scale, `dW ${label}`).toBeLessThan(1e-4);
        });
      }
    }
    expect(memorySnapshot()).toEqual(before);
  });

  it('rejects NCHW with a clear error', () => {
    const x = tf.zeros([1, 2, 4, 4]);
    const dy = tf.zeros([1, 2, 4, 4]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
        filterShape: [1, 1, 2, 2],
      } as unknown as tf.NamedAttrMap),
    ).toThrow(/NHWC/);
    tf.dispose([x, dy]);
  });

  // A MobileNet-like block: conv 1x1 + BN + relu6 + depthwise 3x3 s1 + BN + relu6 +
  // depthwise 3x3 s2 (multiplier 2) + relu6 + conv 3x3 s2 valid + GAP + dense.
  function block(seed: number): tf.LayersModel {
    const init = (s: number) => tf.initializers.randomNormal({ stddev: 0.3, seed: seed + s });
    const inp = tf.input({ shape: [9, 9, 4] });
    let h = tf.layers.conv2d({ filters: 8, kernelSize: 1, useBias: false, kernelInitializer: init(1) }).apply(inp);
    h = tf.layers
      .batchNormalization({ gammaInitializer: init(2), betaInitializer: init(3), movingVarianceInitializer: 'ones' })
      .apply(h);
    h = tf.layers.reLU({ maxValue: 6 }).apply(h);
    h = tf.layers
      .depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(4) })
      .apply(h);
    h = tf.layers.batchNormalization({ gammaInitializer: init(5), betaInitializer: init(6) }).apply(h);
    h = tf.layers.reLU({ maxValue: 6 }).apply(h);
    h = tf.layers
      .depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, depthwiseInitializer: init(7) })
      .apply(h);
    h = tf.layers.reLU({ maxValue: 6 }).apply(h);
    h = tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'valid', kernelInitializer: init(8) }).apply(h);
    h = tf.layers.globalAveragePooling2d({}).apply(h);
    const out = tf.layers.dense({ units: 3, kernelInitializer: init(9) }).apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: inp, outputs: out });
  }

  async function blockGrads(backend: string, training: boolean): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const model = block(100);
    const rand = rng(3);
    const xv = randomArray(3 * 9 * 9 * 4, rand);
    const grads = tf.tidy(() => {
      const x = tf.tensor(xv, [3, 9, 9, 4]);
      const y = tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training }) as tf.Tensor) as tf.Scalar,
        vars,
      );
      return vars.map((v) => grads[v.name].dataSync() as Float32Array);
    });
    model.dispose();
    return grads;
  }

  for (const training of [false, true]) {
    it(`MobileNet-like block: gradients match cpu (BatchNorm training=${training})`, async () => {
      try {
        const want = await blockGrads('cpu', training);
        await tf.setBackend('wasm');
        const before = memorySnapshot();
        const got = await blockGrads('wasm', training);
        expect(got.length).toBe(want.length);
        for (let i = 0; i < got.length; i++) {
          expect(maxAbs(want[i]), `grad ${i} is non-trivial`).toBeGreaterThan(1e-6);
          expect(relErr(got[i], want[i]), `grad ${i}`).toBeLessThanOrEqual(1e-4);
        }
        expect(memorySnapshot()).toEqual(before);
      } finally {
        await tf.setBackend('wasm');
      }
    });
  }

  it('an SGD step on wasm changes every trainable weight and leaks nothing', () => {
    const model = block(7);
    const opt = tf.train.sgd(0.1);
    const x = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 3);
    const step = () =>
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    step(); // creates the optimizer's state once
    const w0 = model.trainableWeights.map((w) => w.read().dataSync().slice());
    const before = memorySnapshot();
    for (let i = 0; i < 3; i++) step();
    expect(memorySnapshot()).toEqual(before);
    const w1 = model.trainableWeights.map((w) => w.read().dataSync());
    w0.forEach((v, i) => expect(relErr(v, w1[i]), model.trainableWeights[i].name).toBeGreaterThan(0));
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });
});
