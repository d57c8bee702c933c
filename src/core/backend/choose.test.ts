// Backend choice from probes: fastest for the mode, never a software WebGPU adapter over a
// working wasm.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { decide, measureBackends, probeBackend, skipsAfterMatmul, type BackendProbe } from './choose';
import { registerWasmGradKernels } from './wasm-grad-kernels';

const probe = (name: BackendProbe['name'], forwardMs: number, trainMs: number | undefined, patch: Partial<BackendProbe> = {}): BackendProbe => ({
  name, available: true, canFinetune: trainMs != null, matmulGflops: 10, forwardMs, trainMs, ...patch,
});

describe('decide', () => {
  it('picks the fastest for the mode', () => {
    const probes = [probe('wasm', 2, 20), probe('webgl', 1, 40)];
    expect(decide(probes, 'frozen').chosen).toBe('webgl');
    expect(decide(probes, 'finetune').chosen).toBe('wasm');
  });
  it('never picks a software WebGPU adapter while wasm works, even when it measured faster', () => {
    const soft = probe('webgpu', 1, 10, { adapter: { software: true, description: 'swiftshader' } });
    const d = decide([probe('wasm', 2, 20), soft], 'frozen');
    expect(d.chosen).toBe('wasm');
    expect(d.reason).toMatch(/software renderer/);
    expect(decide([soft, probe('cpu', 50, 500)], 'frozen').chosen).toBe('webgpu');
    expect(decide([probe('wasm', 2, 20), probe('webgpu', 1, 10, { adapter: { software: false, description: 'gpu' } })], 'frozen').chosen).toBe('webgpu');
  });
});

/** wasm ready to probe in Node, starting from cpu; returns the tensor count before probing. */
async function wasmInNode(): Promise<number> {
  // The Node build loads the .wasm binaries from the package's dist/.
  setWasmPaths(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + '/');
  registerWasmGradKernels();
  await tf.setBackend('cpu');
  return tf.memory().numTensors;
}

// The same decision from probes measured here: wasm (with the studio's gradient kernels) and cpu
// are timed for real in Node; a WebGPU probe is set beside them with a training step faster than
// wasm's measured one but a slower forward pass, as a GPU with a costly readback would measure.
describe('decide, on probes measured in Node', () => {
  it('picks WebGPU on a GPU for fine-tuning when its step is faster than wasm’s, wasm for frozen features, and never a software adapter', async () => {
    const before = await wasmInNode();
    const wasm = await probeBackend('wasm');
    const cpu = await probeBackend('cpu', undefined, wasm);
    expect(tf.memory().numTensors).toBe(before);
    if (!wasm.available || !wasm.canFinetune) {
      console.warn(`[choose.test] wasm could not be measured in Node (${wasm.error}); the measured-input case is skipped`);
      return;
    }
    console.log(`measured: wasm forward ${wasm.forwardMs!.toFixed(1)} ms, training step ${wasm.trainMs!.toFixed(1)} ms; cpu ${cpu.error ?? `training step ${cpu.trainMs?.toFixed(1)} ms`}`);
    const gpu = (software: boolean): BackendProbe => ({
      name: 'webgpu', available: true, canFinetune: true, matmulGflops: wasm.matmulGflops! / 8,
      forwardMs: wasm.forwardMs! * 2, trainMs: wasm.trainMs! / 3,
      adapter: { software, description: software ? 'google swiftshader' : 'nvidia ampere' },
    });
    const measured = [wasm, cpu];
    const ft = decide([...measured, gpu(false)], 'finetune');
    expect(ft.chosen).toBe('webgpu');
    expect(ft.reason).toMatch(/webgpu ran a training step .* 3\.0× faster than wasm/);
    expect(decide([...measured, gpu(false)], 'frozen').chosen).toBe('wasm');
    for (const mode of ['finetune', 'frozen'] as const) {
      const d = decide([...measured, gpu(true)], mode);
      expect(d.chosen).toBe('wasm');
      expect(d.reason).toMatch(/software renderer/);
    }
    // A GPU's probe is timed even when its small matmul (mostly readback latency) measured 8× slower.
    expect(skipsAfterMatmul(gpu(false), wasm)).toBe(false);
    expect(skipsAfterMatmul({ ...gpu(false), name: 'webgl', adapter: undefined }, wasm)).toBe(true);
  }, 60_000);
});

describe('measureBackends', () => {
  it('once wasm works, times neither cpu nor a software WebGL renderer, and says why', async () => {
    const before = await wasmInNode();
    const probes = await measureBackends(['cpu', 'webgl', 'wasm'], null, { software: true, description: 'Google SwiftShader' });
    expect(tf.memory().numTensors).toBe(before);
    const by = new Map(probes.map((p) => [p.name, p]));
    expect(probes[0].name).toBe('wasm');
    if (!by.get('wasm')!.available) {
      console.warn(`[choose.test] wasm could not be measured in Node (${by.get('wasm')!.error}); skipped`);
      return;
    }
    expect(by.get('cpu')).toMatchObject({ available: false, error: expect.stringMatching(/not measured: plain JavaScript/) });
    expect(by.get('cpu')!.probeMs).toBeUndefined();
    expect(by.get('webgl')).toMatchObject({ available: false, error: expect.stringMatching(/not measured: a software renderer/) });
    expect(decide(probes, 'finetune').chosen).toBe('wasm');
    // A GPU's WebGL renderer is still measured (here it cannot start, which the probe reports).
    const gpu = await measureBackends(['wasm', 'webgl'], null, { software: false, description: 'NVIDIA' });
    expect(gpu.find((p) => p.name === 'webgl')!.error).not.toMatch(/not measured/);
    await tf.setBackend('cpu');
  }, 60_000);
});
