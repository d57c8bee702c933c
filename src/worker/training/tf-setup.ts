// Loads the tfjs backends into the worker: cpu and webgl come with @tensorflow/tfjs, wasm and
// webgpu are added here. The .wasm binaries are emitted by Vite as assets and served by the app.
// Threads stay off: minified builds break the threaded WASM worker, and tfjs uses half the
// cores anyway. The gradient kernels tfjs-backend-wasm lacks are registered for fine-tuning.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmGradKernels } from '../../core/backend/wasm-grad-kernels';
import type { AdapterInfo } from '../../core/backend/choose';
import type { BackendName } from '../../core/train/run-config';

let done = false;

export function setupTf() {
  if (done) return;
  done = true;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths({
    'tfjs-backend-wasm.wasm': new URL(wasmPlain, self.location.href).href,
    'tfjs-backend-wasm-simd.wasm': new URL(wasmSimd, self.location.href).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL(wasmThreaded, self.location.href).href,
  });
  registerWasmGradKernels();
  tf.enableProdMode();
}

/** Backends tfjs has registered here, in the order they are probed. */
export function registeredBackends(): BackendName[] {
  const all: BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];
  return all.filter((b) => tf.findBackendFactory(b) != null);
}

/** Whether WebGPU has an adapter, and whether it is a software one (SwiftShader) rather than a GPU. */
export async function webgpuAdapter(): Promise<AdapterInfo | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return null;
  const adapter = (await gpu.requestAdapter().catch(() => null)) as
    | { info?: Record<string, unknown>; isFallbackAdapter?: boolean; requestAdapterInfo?: () => Promise<Record<string, unknown>> }
    | null;
  if (!adapter) return null;
  const info: Record<string, unknown> = adapter.info ?? (await adapter.requestAdapterInfo?.().catch(() => ({}))) ?? {};
  const text = ['vendor', 'architecture', 'device', 'description'].map((k) => String(info[k] ?? '')).filter(Boolean).join(' ');
  const software = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || /swiftshader|llvmpipe|software|basic render/i.test(text);
  return { software, description: text || 'unknown adapter' };
}

/** The WebGL renderer, and whether it is a software one (SwiftShader, llvmpipe) rather than a GPU. */
export function webglRenderer(): AdapterInfo | null {
  try {
    if (typeof OffscreenCanvas === 'undefined') return null;
    const canvas = new OffscreenCanvas(1, 1);
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const text = String((ext && gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) || gl.getParameter(gl.RENDERER) || '');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { software: /swiftshader|llvmpipe|softpipe|software|basic render/i.test(text), description: text || 'unknown renderer' };
  } catch {
    return null;
  }
}
