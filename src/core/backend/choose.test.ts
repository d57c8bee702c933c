// Backend choice from probes: fastest for the mode, never a software WebGPU adapter over a
// working wasm.
import { describe, expect, it } from 'vitest';
import { decide, type BackendProbe } from './choose';

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
