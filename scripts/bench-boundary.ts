// Measures what the fine-tune boundary cache buys: seconds per fine-tuning epoch of the real
// MobileNetV2 α0.35 (224 px) on tfjs `wasm` in Node, through the studio's own Trainer, with the
// cache (frozen prefix run once per image, then only the trainable suffix each epoch) and
// without it (the whole backbone each batch), plus the one-off cost of filling the cache.
// Pixels are seeded noise: the timing does not depend on what the images show.
//
//   npx rolldown scripts/bench-boundary.ts -p node -f esm -e @tensorflow/tfjs -e @tensorflow/tfjs-backend-wasm -o node_modules/.cache/bench-boundary.mjs && node node_modules/.cache/bench-boundary.mjs
//
// Options (environment): BENCH_IMAGES (64), BENCH_EPOCHS (3), BENCH_BLOCKS (trainable blocks,
// the studio default when unset), BENCH_VIEWS (1; >1 turns augmentation on with that many views).
// Needs ../shared/backbones (skips with a message when it is absent).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradKernels } from '../src/core/backend/wasm-grad-kernels';
import { getBackbone } from '../src/core/backbones/catalog';
import { applyBackbone } from '../src/core/backbones/layers';
import { pool, type FeatureExtractor } from '../src/core/train/features';
import { defaultRunConfig } from '../src/core/train/run-config';
import { Trainer } from '../src/core/train/trainer';
import type { PixelSource, TrainImage } from '../src/core/train/data';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 64);
const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 3);
const VIEWS = Number(process.env.BENCH_VIEWS ?? 1);
const DIR = resolve(process.cwd(), '../shared/backbones/mobilenet-v2-0.35-224-no-top');

async function loadBackbone(): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(DIR, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const all = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(DIR, p)))));
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const base = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }));
  return tf.model({ inputs: base.inputs, outputs: base.getLayer('out_relu').output as tf.SymbolicTensor });
}

function noiseSource(): PixelSource {
  const cache = new Map<string, Uint8Array>();
  return {
    load: async (ids, size) => ids.map((id) => {
      let data = cache.get(id);
      if (!data) {
        let s = Number(id.slice(1)) * 2654435761 >>> 0;
        data = new Uint8Array(size * size * 3).map(() => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24));
        cache.set(id, data);
      }
      return { data, width: size, height: size, channels: 3 as const };
    }),
  };
}

async function run(budget: number) {
  const spec = getBackbone('mobilenet-v2-0.35')!;
  const bb = await loadBackbone();
  const extractor: FeatureExtractor = { spec, forward: (x) => tf.tidy(() => pool(applyBackbone(bb, x))) };
  const base = defaultRunConfig(spec);
  const cfg = {
    ...base, mode: 'finetune' as const, epochs: 0, finetune: { ...base.finetune, epochs: EPOCHS },
    trainableBlocks: process.env.BENCH_BLOCKS ? Number(process.env.BENCH_BLOCKS) : base.trainableBlocks,
    augmentEnabled: VIEWS > 1, augmentViews: VIEWS, earlyStopping: { ...base.earlyStopping, enabled: false },
  };
  const train: TrainImage[] = Array.from({ length: IMAGES }, (_, i) => ({ id: `i${i}`, label: i % 2 }));
  const val: TrainImage[] = Array.from({ length: Math.round(IMAGES / 4) }, (_, i) => ({ id: `i${IMAGES + i}`, label: i % 2 }));
  const seconds: number[] = [];
  const log: string[] = [];
  const t0 = performance.now();
  let firstEpochAt = 0;
  const trainer = new Trainer(extractor, bb, noiseSource(), cfg, 2, train, val, {
    onBatch: (p) => void (p.epoch === 0 && p.batch === 1 && !firstEpochAt && (firstEpochAt = performance.now())),
    onEpoch: (m) => void seconds.push(m.seconds),
    onLog: (l) => void log.push(l),
  }, { boundaryBudget: budget });
  await trainer.run();
  trainer.dispose();
  bb.dispose();
  return { seconds, setup: (firstEpochAt - t0) / 1000, log };
}

if (!existsSync(join(DIR, 'model.json'))) {
  console.log(`skipped: ${DIR} is absent (the shared backbones live in ../shared beside the checkout)`);
} else {
  const require = createRequire(import.meta.url);
  setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
  registerWasmGradKernels({ replaceSlowStockKernels: true });
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to start');
  console.log(`MobileNetV2 α0.35, wasm (threads ${getThreadsCount()}), ${IMAGES} training images + ${Math.round(IMAGES / 4)} validation, ${VIEWS} view(s), ${EPOCHS} fine-tune epochs`);
  const off = await run(0);
  const on = await run(512 << 20);
  // The first epoch also compiles kernels (wasm warm-up): the median leaves it out when there are more.
  const med = (all: number[]) => { const xs = all.length > 1 ? all.slice(1) : all; return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]; };
  for (const [name, r] of [['without cache', off], ['with cache', on]] as const) {
    console.log(`${name.padEnd(14)} epochs ${r.seconds.map((s) => s.toFixed(2)).join(', ')} s (median after the first ${med(r.seconds).toFixed(2)} s); before the first batch ${r.setup.toFixed(2)} s`);
    console.log(`  log: ${r.log.join(' | ')}`);
  }
  console.log(`epoch time with the cache: ${(med(on.seconds) / med(off.seconds)).toFixed(2)}x of without (${(med(off.seconds) / med(on.seconds)).toFixed(1)}x faster)`);
}
