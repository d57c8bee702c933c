// Measures how fast MobileNetV2 α0.35 (224x224) fine-tunes on the tfjs `wasm` backend in Node
// with the gradient kernels from src/core/backend/wasm-grad-kernels.ts, and where the time goes
// (per-kernel breakdown of one training step). Exists to keep those kernels honest: the target
// is >= 10 img/s fine-tuning on a 2-core machine (stock tfjs on webgl here: 0.9 img/s).
//
// Run from the repository root (nothing to install; Node 20 cannot run .ts itself, so rolldown,
// which Vite already brings, bundles the script first):
//
//   npx rolldown scripts/bench-kernels.ts -p node -f esm -e @tensorflow/tfjs -e @tensorflow/tfjs-backend-wasm -o node_modules/.cache/bench-kernels.mjs && node node_modules/.cache/bench-kernels.mjs
//
// Options (environment): BENCH_MODEL (v2 = MobileNetV2 α0.35, default; v1 = MobileNet v1 α0.25),
// BENCH_BATCH (16), BENCH_STEPS (5), BENCH_TRAINABLE (0.3, fraction of layers from the top),
// BENCH_BN_TRAINING (0 = BatchNorm in inference mode while fine-tuning, 1 = batch statistics;
// default runs both), BENCH_BASELINE=1 (register only the three missing kernels, as plain JS
// loops, no replacements: what a straightforward port gives). Needs ../shared/backbones (skips
// with a message when it is absent).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradKernels, wasmGradKernelTuning } from '../src/core/backend/wasm-grad-kernels';

const BATCH = Number(process.env.BENCH_BATCH ?? 16);
const STEPS = Number(process.env.BENCH_STEPS ?? 5);
const TRAINABLE_FRACTION = Number(process.env.BENCH_TRAINABLE ?? 0.3);
const BASELINE = process.env.BENCH_BASELINE === '1';
const BN_MODES = process.env.BENCH_BN_TRAINING == null ? [false, true] : [process.env.BENCH_BN_TRAINING === '1'];
const MODEL = process.env.BENCH_MODEL === 'v1'
  ? { dir: 'mobilenet-v1-0.25-224-no-top', cut: 'conv_pw_13_relu', label: 'MobileNet v1 α0.25' }
  : { dir: 'mobilenet-v2-0.35-224-no-top', cut: 'out_relu', label: 'MobileNetV2 α0.35' };
const MODEL_DIR = resolve(process.cwd(), '../shared/backbones', MODEL.dir);

// ---------------------------------------------------------------------------------------------
// Per-kernel timing: every wasm kernelFunc is wrapped; wasm kernels run synchronously, so the
// wall time around a call is the kernel's time. Nested calls (our kernels call BatchMatMul and
// Transpose) are counted inside their caller only.

let phase = 'other';
const kernelTimes = new Map<string, { ms: number; calls: number }>();
let depth = 0;
let profiling = false;

function instrumentWasmKernels(): void {
  const configs = tf.getKernelsForBackend('wasm');
  for (const config of configs) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    const wrapped: tf.KernelFunc = (args) => {
      if (!profiling || depth > 0) {
        depth++;
        try {
          return inner(args);
        } finally {
          depth--;
        }
      }
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        const ms = performance.now() - t0;
        depth--;
        const key = `${phase}\t${name}`;
        const e = kernelTimes.get(key) ?? { ms: 0, calls: 0 };
        e.ms += ms;
        e.calls++;
        kernelTimes.set(key, e);
      }
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...config, kernelFunc: wrapped });
  }
}

// ---------------------------------------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function loadBackbone(): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(MODEL_DIR, p))));
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
}

function buildClassifier(base: tf.LayersModel): tf.LayersModel {
  const features = base.getLayer(MODEL.cut).output as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(features) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, name: 'head_dense' }).apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: base.inputs, outputs: logits });
  const layers = model.layers;
  const firstTrainable = Math.floor(layers.length * (1 - TRAINABLE_FRACTION));
  layers.forEach((l, i) => (l.trainable = i >= firstTrainable));
  console.log(
    `model: ${MODEL.label} cut at ${MODEL.cut} + GAP + Dense(2): ${layers.length} layers, trainable from #${firstTrainable} (${layers[firstTrainable].name}), ` +
      `${model.trainableWeights.length} trainable weight tensors, ` +
      `${model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0)} params`,
  );
  return model;
}

function report(title: string, stepMs: number, steps: number): void {
  const rows = [...kernelTimes.entries()].map(([k, v]) => {
    const [ph, name] = k.split('\t');
    return { ph, name, ms: v.ms / steps, calls: v.calls / steps };
  });
  rows.sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  const byPhase = new Map<string, number>();
  for (const r of rows) byPhase.set(r.ph, (byPhase.get(r.ph) ?? 0) + r.ms);
  console.log(`\n${title}: per step ${stepMs.toFixed(0)} ms; kernels ${total.toFixed(0)} ms; ` +
    `JS outside kernels ${(stepMs - total).toFixed(0)} ms`);
  console.log('  by phase: ' + [...byPhase.entries()].map(([p, ms]) => `${p} ${ms.toFixed(0)} ms`).join(', '));
  console.log('  phase     kernel                                   ms/step  calls/step   share');
  for (const r of rows.slice(0, 18)) {
    console.log(
      `  ${r.ph.padEnd(9)} ${r.name.padEnd(40)} ${r.ms.toFixed(1).padStart(7)} ${r.calls.toFixed(0).padStart(10)} ` +
        `${((100 * r.ms) / stepMs).toFixed(1).padStart(6)}%`,
    );
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(MODEL_DIR, 'model.json'))) {
    console.log(`skipped: ${MODEL_DIR} is absent (the shared backbones live in ../shared beside the checkout)`);
    return;
  }
  const require = createRequire(import.meta.url);
  setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
  if (BASELINE) wasmGradKernelTuning.useXnnpack = false;
  registerWasmGradKernels({ replaceSlowStockKernels: !BASELINE });
  if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm') throw new Error('wasm backend failed to start');
  instrumentWasmKernels();
  console.log(
    `backend wasm: SIMD ${String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))}, ` +
      `threads ${getThreadsCount()}, batch ${BATCH}, ${STEPS} timed steps after 2 warm-up steps` +
      (BASELINE ? ' [BASELINE: missing kernels only, plain JS loops]' : ''),
  );

  const model = buildClassifier(await loadBackbone());
  const x = tf.tidy(() => tf.randomUniform([BATCH, 224, 224, 3], -1, 1, 'float32', 1));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 2), 'int32'), 2));

  // Forward (inference).
  const fwd: number[] = [];
  for (let i = 0; i < STEPS + 2; i++) {
    const t0 = performance.now();
    const out = model.predict(x) as tf.Tensor;
    out.dataSync();
    out.dispose();
    if (i >= 2) fwd.push(performance.now() - t0);
  }
  const fwdMs = median(fwd);
  console.log(`\nforward: ${fwdMs.toFixed(0)} ms per batch of ${BATCH} -> ${((1000 * BATCH) / fwdMs).toFixed(1)} img/s`);

  // Fine-tuning steps: Adam through optimizer.minimize over the trainable variables.
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const results: string[] = [];
  for (const bnTraining of BN_MODES) {
    const optimizer = tf.train.adam(1e-4);
    const origApply = optimizer.applyGradients.bind(optimizer);
    optimizer.applyGradients = (g) => {
      phase = 'adam';
      return origApply(g);
    };
    const loss = () => {
      phase = 'forward';
      const l = tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: bnTraining }) as tf.Tensor) as tf.Scalar;
      phase = 'backward';
      return l;
    };
    const times: number[] = [];
    let before = -1;
    for (let i = 0; i < STEPS + 2; i++) {
      if (i === 2) {
        before = tf.memory().numTensors;
        kernelTimes.clear();
        profiling = true;
      }
      const t0 = performance.now();
      const l = optimizer.minimize(loss, true, vars);
      l?.dataSync();
      l?.dispose();
      if (i >= 2) times.push(performance.now() - t0);
      phase = 'other';
    }
    profiling = false;
    const leaked = tf.memory().numTensors - before;
    const ms = median(times);
    const line =
      `fine-tune (BatchNorm ${bnTraining ? 'training: batch statistics' : 'inference mode'}): ` +
      `${ms.toFixed(0)} ms per step of ${BATCH} -> ${((1000 * BATCH) / ms).toFixed(1)} img/s` +
      (leaked !== 0 ? ` (tensor count changed by ${leaked} over ${STEPS} steps!)` : '');
    report(line, times.reduce((a, b) => a + b, 0) / times.length, STEPS);
    results.push(line);
    optimizer.dispose();
  }
  console.log('\nsummary');
  console.log(`  forward: ${((1000 * BATCH) / fwdMs).toFixed(1)} img/s`);
  for (const r of results) console.log('  ' + r);
  tf.dispose([x, y]);
  model.dispose();
}

await main();
