// Fine-tuning on WebGPU, proven against wasm and cpu: the studio's real Trainer (in a worker, with
// the worker's real tfjs setup) fine-tunes the tiny backbone at 32 px, with a 3x3 conv, 1x1 convs,
// a depthwise conv, BatchNorm in inference mode and ReLU6 in the unfrozen part, on each backend
// from the same seed and data. Unfrozen weights and losses agree, frozen weights stay bit-identical;
// on WebGPU a paused run and a run resumed from its checkpoint in a new worker end where an
// uninterrupted run ends (the latter saved in the studio's IndexedDB with its run record, the
// worker terminated, the run resumed from the stored checkpoint), and tensor count and GPU bytes
// stay flat across epochs.
// The page and worker are test-only (e2e/webgpu/, built by `npm run fixtures`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { FIXTURES, ROOT, idbCounts, newPage, startApp, type App } from './support/harness';
import type { CheckOptions } from './webgpu/page';

const BUILT = join(ROOT, 'e2e/.out/webgpu-finetune');
const TOL = 1e-4;

type Result = Awaited<ReturnType<Window['fineTuneCheck']['run']>>;
let app: App;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(BUILT, 'index.html')) || !existsSync(join(FIXTURES, 'tiny-backbone-32/model.json'))) {
    throw new Error('the fine-tuning check page or the 32 px tiny backbone is missing: run `npm run fixtures` first');
  }
  app = await startApp({ '/webgpu/': BUILT });
  ({ page } = await newPage(app));
  await page.goto(`${app.url}webgpu/index.html`);
  await page.locator('#state', { hasText: 'ready' }).waitFor();
});
afterAll(async () => {
  await app?.close();
});

const run = (opts: CheckOptions): Promise<Result> => page.evaluate((o) => window.fineTuneCheck.run(o), opts);

/** Largest absolute difference between two equally long arrays. */
function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Every unfrozen backbone weight and head weight, by name. */
function trained(r: Result): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const w of r.weights) if (w.trainable) out.set(`backbone/${w.name}`, w.after);
  for (const w of r.head) out.set(`head/${w.name}`, w.values);
  return out;
}

function compare(got: Result, want: Result, what: string): number {
  const a = trained(got);
  const b = trained(want);
  expect([...a.keys()], what).toEqual([...b.keys()]);
  let worst = 0;
  for (const [k, v] of b) {
    const d = maxDiff(a.get(k)!, v);
    expect(d, `${what}: ${k}`).toBeLessThanOrEqual(TOL);
    worst = Math.max(worst, d);
  }
  expect(got.losses.length, what).toBe(want.losses.length);
  got.losses.forEach((l, i) => expect(Math.abs(l.loss - want.losses[i].loss), `${what}: loss of batch ${i}`).toBeLessThanOrEqual(TOL));
  return worst;
}

function frozenUntouched(r: Result) {
  const frozen = r.weights.filter((w) => !w.trainable);
  expect(frozen.length).toBeGreaterThan(0);
  for (const w of frozen) expect(w.after.every((v, i) => Object.is(v, w.before[i])), `${r.backend}: frozen ${w.name} changed`).toBe(true);
}

describe('fine-tuning on WebGPU', () => {
  it('the tiny backbone at 32 px has conv, depthwise, BatchNorm and ReLU6 in its last blocks', () => {
    const json = JSON.parse(readFileSync(join(FIXTURES, 'tiny-backbone-32/model.json'), 'utf8'));
    const layers: { class_name: string; config: { name: string; max_value?: number } }[] = json.modelTopology.config.layers;
    const block4 = layers.filter((l) => l.config.name.startsWith('block_4_'));
    expect(new Set(block4.map((l) => l.class_name))).toEqual(new Set(['Conv2D', 'BatchNormalization', 'ReLU', 'DepthwiseConv2D', 'Add']));
    expect(block4.filter((l) => l.class_name === 'ReLU').every((l) => l.config.max_value === 6)).toBe(true);
    expect(json.modelTopology.config.layers[0].config.batch_input_shape).toEqual([null, 32, 32, 3]);
  });

  let cpu: Result;
  it('two optimizer steps on webgpu, wasm and cpu: unfrozen weights and losses agree, frozen ones are untouched', async () => {
    const opts = { epochs: 1, optimizer: 'sgd', lr: 0.2 } as const;
    cpu = await run({ backend: 'cpu', ...opts });
    const wasm = await run({ backend: 'wasm', ...opts });
    const gpu = await run({ backend: 'webgpu', ...opts });
    console.log(`WebGPU adapter: ${gpu.adapter}; runs took cpu ${(cpu.totalMs / 1000).toFixed(1)} s, wasm ${(wasm.totalMs / 1000).toFixed(1)} s, webgpu ${(gpu.totalMs / 1000).toFixed(1)} s (first batch after ${(gpu.firstBatchMs / 1000).toFixed(1)} s)`);
    expect([cpu.backend, wasm.backend, gpu.backend]).toEqual(['cpu', 'wasm', 'webgpu']);
    expect(cpu.losses).toHaveLength(2);
    // The unfrozen part: the stem's 3x3 stride-2 conv, block_4 (1x1, depthwise, 1x1) and Conv_1.
    const open = cpu.weights.filter((w) => w.trainable);
    expect(open.map((w) => w.name).sort()).toEqual(['Conv1/0', 'Conv_1/0', 'block_4_depthwise/0', 'block_4_expand/0', 'block_4_project/0']);
    for (const w of open) expect(maxDiff(w.after, w.before), `${w.name} moved`).toBeGreaterThan(10 * TOL);
    for (const r of [cpu, wasm, gpu]) frozenUntouched(r);
    const dWasm = compare(wasm, cpu, 'wasm vs cpu');
    const dGpu = compare(gpu, cpu, 'webgpu vs cpu');
    console.log(`largest weight difference after 2 steps: wasm ${dWasm.toExponential(2)}, webgpu ${dGpu.toExponential(2)}; losses ${cpu.losses.map((l) => l.loss.toFixed(6)).join(', ')}`);
    for (const r of [cpu, wasm, gpu]) expect(r.tensorsAfter, `${r.backend} leaked tensors`).toBe(r.tensorsBefore);
  }, 420_000); // the software adapter compiles every WebGPU shader first: 40-60 s here, more when the machine is busy

  it('on WebGPU: tensors and GPU bytes stay flat across epochs, and a paused run and a run resumed in a new worker end where an uninterrupted run ends', async () => {
    const opts = { backend: 'webgpu', epochs: 3, optimizer: 'adam', lr: 0.01 } as const;
    const straight = await run(opts);
    expect(straight.backend).toBe('webgpu');
    expect(straight.losses).toHaveLength(6);
    const tensors = straight.memory.map((m) => m.numTensors);
    const gpuBytes = straight.memory.map((m) => m.numBytesInGPU ?? -1);
    console.log(`webgpu, per epoch: tensors ${tensors.join(', ')}; GPU bytes ${gpuBytes.join(', ')}`);
    expect(tensors).toHaveLength(3);
    expect(new Set(tensors).size, 'tensor count changes across epochs').toBe(1);
    expect(gpuBytes[0]).toBeGreaterThan(0);
    expect(new Set(gpuBytes).size, 'GPU bytes change across epochs').toBe(1);
    expect(straight.tensorsAfter).toBe(straight.tensorsBefore);
    frozenUntouched(straight);

    // The same six Adam steps on cpu: the optimizer's state, step by step, agrees too.
    const dCpu = compare(straight, await run({ ...opts, backend: 'cpu' }), 'webgpu vs cpu, adam');

    const paused = await run({ ...opts, pauseAtEpoch: 1, pauseMs: 1500 });
    expect(paused.batchesAfterPause, 'batches after the pause').toBeLessThanOrEqual(1);
    expect(paused.batchesWhilePaused, 'batches ran while paused').toBe(0);
    const dPause = compare(paused, straight, 'paused and resumed vs uninterrupted');

    const restarted = await run({ ...opts, restartAfterEpoch: 0 });
    expect(restarted.workers).toBe(2);
    expect(restarted.backend).toBe('webgpu');
    // Checkpoints saved in IndexedDB with the run record, by the first worker (epoch 0) and the second.
    expect(restarted.checkpoints.map((c) => [c.epoch, c.lastCheckpointEpoch])).toEqual([[0, 0], [1, 1], [2, 2]]);
    expect(new Set(restarted.checkpoints.map((c) => c.runId)).size).toBe(1);
    expect(await idbCounts(page, ['runs', 'checkpoints'])).toEqual([1, 2]);
    frozenUntouched(restarted);
    const dRestart = compare(restarted, straight, 'resumed in a new worker vs uninterrupted');
    console.log(`largest weight difference after 6 adam steps: cpu ${dCpu.toExponential(2)}, paused ${dPause.toExponential(2)}, restarted ${dRestart.toExponential(2)}`);
    for (const [what, r] of Object.entries({ straight, paused, restarted })) console.log(`${what}: first batch after ${(r.firstBatchMs / 1000).toFixed(1)} s, batches at ${r.losses.map((l) => (l.ms / 1000).toFixed(1)).join(', ')} s, total ${(r.totalMs / 1000).toFixed(1)} s`);
  }, 420_000);
});
