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
//   BatchMatMul          transposed operands: stock plain C++ loop -> explicit Transpose, then the
//                        untransposed XNNPACK path (dense layers' gradients xᵀ·dy and dy·Wᵀ)
//   Mean gradient        dy x ones(x.shape) / n, ones filled in JS per call -> dy / n broadcast (Tile)
//   ClipByValue gradient (ReLU6 = relu + clipByValue in tfjs-layers): five kernels -> one fused
//                        kernel on wasm; the original gradient still runs on every other backend
//   Augmentation         mirror pad + Transform + eight broadcasting element-wise kernels for
//                        geometry, brightness, contrast and colour -> one fused pass (augment-ops.ts)
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
// This module registers them; the kernels live in ./wasm-grad/ by family (conv, depthwise,
// stock-fast, clip) over ./wasm-grad/shared.
//
// Call registerWasmGradKernels() after `import '@tensorflow/tfjs-backend-wasm'` (that import
// registers the stock kernels; importing it later would put the stock versions back).
import * as tf from '@tensorflow/tfjs';
import { type KernelFunc, BACKEND, MARK, stock } from './wasm-grad/shared';
import { conv2DBackpropFilter, conv2DBackpropInput } from './wasm-grad/conv';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './wasm-grad/depthwise';
import { identity, tile, fusedBatchNorm, leadingReduce, slice, padV2, batchMatMul } from './wasm-grad/stock-fast';
import { AUGMENT_AFFINE_KERNEL, augmentAffine } from './wasm-grad/augment';
import { CLIP_BY_VALUE_GRAD_KERNEL, clipByValueGrad, registerClipByValueGradient, registerMeanGradient } from './wasm-grad/clip';
export { wasmGradKernelTuning } from './wasm-grad/shared';
export { CLIP_BY_VALUE_GRAD_KERNEL } from './wasm-grad/clip';

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
  ['BatchMatMul', mark(batchMatMul)],
  [CLIP_BY_VALUE_GRAD_KERNEL, mark(clipByValueGrad)],
  [AUGMENT_AFFINE_KERNEL, mark(augmentAffine)],
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
  if (replace) {
    registerClipByValueGradient();
    registerMeanGradient();
  }
}
