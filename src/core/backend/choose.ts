// Picks the training backend by measuring, never by name: each available backend runs a short
// matmul and a MobileNet-like conv block (forward, and backward for fine-tuning); the fastest
// that supports the mode wins. A software WebGPU adapter is never chosen over WASM.
import * as tf from '@tensorflow/tfjs';
import type { BackendName, TrainMode } from '../train/run-config';
import { errorText } from '../error-text';

export interface AdapterInfo {
  software: boolean;
  description: string;
}

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  error?: string;
  /** Matmul throughput, 256×256 × 256×256. */
  matmulGflops?: number;
  /** Milliseconds for one forward pass of the probe block at batch 4. */
  forwardMs?: number;
  /** Milliseconds for one forward + backward pass of the probe block; undefined if unsupported. */
  trainMs?: number;
  /** Whether conv-layer gradients run on this backend (fine-tuning). */
  canFinetune: boolean;
  adapter?: AdapterInfo;
  /** Wall time of this probe, start-up of the backend included. */
  probeMs?: number;
}

export interface BackendDecision {
  chosen: BackendName;
  reason: string;
  probes: BackendProbe[];
}

const SET_BACKEND_TIMEOUT_MS = 20_000;

/** Switches tfjs to `name` and confirms it took: setBackend can fall back silently or hang. */
export async function activateBackend(name: BackendName): Promise<boolean> {
  const attempt = tf.setBackend(name).catch(() => false);
  const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), SET_BACKEND_TIMEOUT_MS));
  const ok = await Promise.race([attempt, timeout]);
  if (!ok) return false;
  await tf.ready();
  return tf.getBackend() === name;
}

async function timeIt(fn: () => Promise<void>, minMs = 150, maxReps = 20): Promise<number> {
  await fn(); // warm-up (shader compilation, kernel caches)
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxReps && (times.length < 2 || performance.now() - start < minMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Runs `make` in a tidy and waits for the result. Always the async read: webgpu's dataSync goes
 * through a WebGPU canvas, which some drivers (and headless software adapters) cannot provide.
 */
function run(make: () => tf.Tensor): () => Promise<void> {
  return async () => {
    const t = tf.tidy(make);
    await t.data();
    t.dispose();
  };
}

/** A MobileNetV2 inverted-residual block: 1x1 expand, 3x3 depthwise (stride 2), 1x1 project. */
function probeBlock() {
  const x = tf.randomNormal([4, 56, 56, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
  // tf.variable keeps its initial tensor alive, so make each inside a tidy.
  const w1 = tf.tidy(() => tf.variable(tf.randomNormal([1, 1, 16, 96], 0, 0.1, 'float32', 2)));
  const dw = tf.tidy(() => tf.variable(tf.randomNormal([3, 3, 96, 1], 0, 0.1, 'float32', 3)));
  const w2 = tf.tidy(() => tf.variable(tf.randomNormal([1, 1, 96, 24], 0, 0.1, 'float32', 4)));
  const forward = () => {
    const a = tf.relu6(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'));
    const b = tf.relu6(tf.depthwiseConv2d(a, dw as tf.Tensor4D, 2, 'same'));
    return tf.mean(tf.conv2d(b, w2 as tf.Tensor4D, 1, 'same'));
  };
  return { x, vars: [w1, w2, dw], forward };
}

/**
 * Whether a probe stops after its matmul: over 4× slower than the best so far means it cannot win.
 * Never a WebGPU probe on a real GPU: one small matmul there mostly times the readback of its
 * result (a fixed latency of the driver), and says little about a training step, where the GPU's
 * throughput shows; skipping it would keep a GPU from ever being picked.
 */
export function skipsAfterMatmul(probe: BackendProbe, reference?: BackendProbe): boolean {
  if (probe.name === 'webgpu' && probe.adapter && !probe.adapter.software) return false;
  return !!(reference?.matmulGflops && probe.matmulGflops != null && probe.matmulGflops * 4 < reference.matmulGflops);
}

/**
 * Measures one backend. With `reference` (the best probe so far), a backend whose matmul is over
 * 4× slower skips the block timings: it cannot win, and timing it (shader compilation, a software
 * renderer using every core) would cost seconds and starve the page.
 */
export async function probeBackend(name: BackendName, adapter?: AdapterInfo, reference?: BackendProbe): Promise<BackendProbe> {
  const t0 = performance.now();
  const probe = await probeTimed(name, adapter, reference);
  probe.probeMs = performance.now() - t0;
  return probe;
}

async function probeTimed(name: BackendName, adapter?: AdapterInfo, reference?: BackendProbe): Promise<BackendProbe> {
  const probe: BackendProbe = { name, available: false, canFinetune: false, adapter };
  if (!(await activateBackend(name))) {
    probe.error = `tfjs could not start the ${name} backend here`;
    return probe;
  }
  probe.available = true;
  const before = tf.memory().numTensors;
  const a = tf.randomNormal([256, 256], 0, 1, 'float32', 5);
  const b = tf.randomNormal([256, 256], 0, 1, 'float32', 6);
  const block = probeBlock();
  try {
    const ms = await timeIt(run(() => tf.matMul(a, b)), 50);
    probe.matmulGflops = (2 * 256 ** 3) / (ms / 1000) / 1e9;
    if (reference?.matmulGflops && skipsAfterMatmul(probe, reference)) {
      probe.error = `matmul ${(reference.matmulGflops / probe.matmulGflops).toFixed(0)}× slower than ${reference.name}; not timed further`;
      return probe;
    }
    probe.forwardMs = await timeIt(run(block.forward), 200, 8);
    try {
      probe.trainMs = await timeIt(
        run(() => {
          const { value, grads } = tf.variableGrads(block.forward as () => tf.Scalar, block.vars);
          return tf.addN([value, ...Object.values(grads).map((g) => tf.sum(g))]);
        }),
        200,
        6,
      );
      probe.canFinetune = true;
    } catch (e) {
      probe.error = `cannot train conv layers: ${errorText(e)}`;
    }
  } catch (e) {
    probe.available = false;
    probe.error = errorText(e);
  } finally {
    tf.dispose([a, b, block.x, ...block.vars]);
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked > 0) probe.error = `${probe.error ?? ''} (probe left ${leaked} tensors)`.trim();
  return probe;
}

/** Whether a working wasm is among `probes`: then a software WebGPU adapter is never picked. */
function wasmWorks(probes: BackendProbe[]): boolean {
  return probes.some((p) => p.name === 'wasm' && p.available && p.forwardMs != null);
}

/**
 * Probes `names` (wasm first: it is the reference a slow backend is compared against). WebGPU
 * without an adapter is marked unavailable; a software WebGPU adapter or WebGL renderer, and the
 * plain-JavaScript cpu backend, are not timed once wasm works, since decide would never pick them
 * (timing them only compiles shaders on the CPU or multiplies in JavaScript for a second).
 */
export async function measureBackends(names: BackendName[], adapter: AdapterInfo | null, webgl: AdapterInfo | null = null): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  const order = [...names].sort((a, b) => (a === 'wasm' ? -1 : b === 'wasm' ? 1 : 0));
  for (const name of order) {
    // Neither could win once wasm works, and timing them took about 0.8 s of every first model pick.
    if (name === 'cpu' && wasmWorks(probes)) {
      probes.push({ name, available: false, canFinetune: false, error: 'not measured: plain JavaScript is never faster than wasm, which works here' });
      continue;
    }
    if (name === 'webgl' && webgl?.software && wasmWorks(probes)) {
      probes.push({ name, available: false, canFinetune: false, adapter: webgl, error: 'not measured: a software renderer is never used while wasm works' });
      continue;
    }
    if (name === 'webgpu' && !adapter) {
      probes.push({ name, available: false, canFinetune: false, error: 'no WebGPU adapter on this device' });
      continue;
    }
    if (name === 'webgpu' && adapter?.software && wasmWorks(probes)) {
      probes.push({ name, available: false, canFinetune: false, adapter, error: 'not measured: a software adapter is never used while wasm works' });
      continue;
    }
    const best = probes.filter((p) => p.available && p.matmulGflops).sort((x, y) => y.matmulGflops! - x.matmulGflops!)[0];
    probes.push(await probeBackend(name, name === 'webgpu' ? (adapter ?? undefined) : undefined, best));
  }
  return probes;
}

/** Ranks the probes for a mode and explains the pick in one sentence. */
export function decide(probes: BackendProbe[], mode: TrainMode): BackendDecision {
  const cost = (p: BackendProbe) => (mode === 'finetune' ? p.trainMs : p.forwardMs) ?? Infinity;
  const usable = probes.filter((p) => p.available && (mode === 'frozen' || p.canFinetune));
  const candidates = usable.filter((p) => !(p.name === 'webgpu' && p.adapter?.software && wasmWorks(usable)));
  candidates.sort((x, y) => cost(x) - cost(y));
  const best = candidates[0];
  if (!best) {
    return { chosen: 'cpu', reason: 'no backend passed its probe; using plain JavaScript (slow)', probes };
  }
  const second = candidates[1];
  const what = mode === 'finetune' ? 'a training step' : 'a forward pass';
  let reason = `${best.name} ran ${what} of the probe block in ${cost(best).toFixed(0)} ms`;
  if (second && Number.isFinite(cost(second))) reason += `, ${(cost(second) / cost(best)).toFixed(1)}× faster than ${second.name}`;
  const untimed = probes.filter((p) => p.available && p !== best && !Number.isFinite(cost(p))).map((p) => p.name);
  if (untimed.length) reason += `; ${untimed.join(' and ')} ${untimed.length > 1 ? 'were' : 'was'} far slower at matrix multiplication`;
  const soft = probes.find((p) => p.name === 'webgpu' && p.adapter?.software);
  if (soft && best.name !== 'webgpu') reason += '; the WebGPU adapter is a software renderer, not a GPU';
  return { chosen: best.name, reason, probes };
}
