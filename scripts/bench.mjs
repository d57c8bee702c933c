#!/usr/bin/env node
// `npm run bench`: measures the studio in one headless Chromium on this machine, and prints the
// figures next to their targets. It never fails on a time: it exits 1 only when something broke.
//
//   0. Import: images per second through the Import folder button (and against another build).
//   1. Backends: the built app's training worker benchmarks each tfjs backend (matmul, forward,
//      head on cached features, fine-tuning) on the backbone; forward as a share of the roofline.
//   1b. Boundary cache: fine-tune epoch time with and without it (the Trainer in Node).
//   2. End to end through the real UI: import → train → validation accuracy, each phase timed,
//      for a frozen backbone with the studio's defaults and for fine-tuning with augmentation.
//   3. The peer: Teachable Machine's own library (@teachablemachine/image) with its defaults, on
//      the same images and MobileNet weights, on tfjs's default backend and on the studio's.
//   4. Memory: worker tensors per epoch, and tensors + page heap around three more frozen runs.
//   5. Responsiveness: the longest main-thread task while each run trains.
//
// Data: ../shared (MobileNetV2 0.35 and the ants/bees photos) read in place; without it, the
// generated tiny backbone and a drawn dataset, with a note. Writes bench-results/bench.json (every
// figure and the environment) and bench.svg (validation accuracy vs wall time) beside it.
// Options: node scripts/bench.mjs --help. Helpers live in scripts/bench/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { runBackends } from './bench/backends.mjs';
import { runBoundaryBench } from './bench/boundary.mjs';
import { runImportBench } from './bench/import.mjs';
import { startBench, workerEnvironment } from './bench/browser.mjs';
import { ROOT, USAGE, resolveOptions } from './bench/options.mjs';
import { peerImages, runPeer } from './bench/peer.mjs';
import { renderSvg, renderTables, TARGETS } from './bench/report.mjs';
import { runStudio } from './bench/studio.mjs';

const log = (s) => console.log(s);

let opts;
try {
  opts = resolveOptions(process.argv.slice(2));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 60000).toFixed(1)} min`;
const valCount = opts.valClasses?.reduce((a, c) => a + c.files.length, 0);
const trainCount = opts.classes.reduce((a, c) => a + c.files.length, 0);
const testCount = opts.testClasses?.reduce((a, c) => a + c.files.length, 0);
const res = {
  environment: null,
  options: { ...opts, classes: opts.classes.map((c) => ({ name: c.name, images: c.files.length })), valClasses: opts.valClasses?.map((c) => ({ name: c.name, images: c.files.length })) ?? null, testClasses: opts.testClasses?.map((c) => ({ name: c.name, images: c.files.length })) ?? null, sections: [...opts.sections] },
  targets: TARGETS,
  dataLine:
    `${opts.datasetName}, ${opts.classes.length} classes, ${trainCount} images` +
    (opts.val ? ` + ${valCount} validation images (its own split)` : `, validation share ${opts.valFraction ?? 'studio default'}`) +
    (opts.test ? ` + ${testCount} test images (${relative(ROOT, opts.test)})` : opts.testFraction != null ? `, test share ${opts.testFraction}` : '') +
    (opts.seeds.length > 1 ? `; seeds ${opts.seeds.join(', ')}` : ''),
  import: null,
  backends: null,
  boundary: null,
  frozen: null,
  finetune: null,
  memory: null,
  peer: [],
  seeds: [],
  errors: [],
  totalSeconds: null,
};

/** Runs one section; a failure is recorded and reported, and the other sections still run. */
async function section(name, fn) {
  log(`\n[bench] ${name} (${elapsed()} in)`);
  try {
    return await fn();
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    res.errors.push({ section: name, message });
    log(`  FAILED: ${message}`);
    return null;
  }
}

for (const n of opts.notes) log(`[bench] note: ${n}`);
const bench = await startBench(opts);
try {
  const env = await workerEnvironment(bench);
  res.environment = {
    date: new Date().toISOString(),
    chromium: bench.browser.version(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    totalMemoryGB: totalmem() / 2 ** 30,
    ...env,
  };
  log(`[bench] Chromium ${res.environment.chromium}, ${env.hardwareConcurrency} cores, worker backends: ${(env.registeredBackends ?? []).join(', ')}`);
  log(`[bench] backbone ${opts.backbone.id} (${opts.backbone.dir}); dataset ${res.dataLine}`);

  if (opts.sections.has('import')) res.import = await section('0. import speed (fresh project each time)', () => runImportBench(bench, opts, log));
  if (opts.sections.has('backends')) res.backends = await section(`1. backends: ${opts.backends.join(', ')}`, () => runBackends(bench, opts, log));
  if (opts.sections.has('boundary')) res.boundary = await section('1b. fine-tune epoch with and without the boundary cache (Node, wasm)', () => runBoundaryBench(opts, log));
  const many = opts.seeds.length > 1;
  for (const [i, seed] of opts.seeds.entries()) {
    const first = i === 0;
    const tag = many ? ` [seed ${seed}, ${i + 1} of ${opts.seeds.length}]` : '';
    const one = { seed, frozen: null, finetune: null, auto: null, memory: null, peer: [] };
    if (opts.sections.has('frozen')) {
      const memoryRuns = first && opts.sections.has('memory') ? 3 : 0;
      const r = await section(`2a. studio, frozen backbone${memoryRuns ? ' (then 3 more frozen runs for memory)' : ''}${tag}`, () => runStudio(bench, opts, 'frozen', log, memoryRuns, seed));
      one.frozen = r?.result ?? null;
      one.memory = r?.memory ?? null;
    }
    if (opts.sections.has('finetune')) {
      const r = await section(`2b. studio, fine-tune + augmentation (${opts.epochs} + ${opts.finetuneEpochs ?? 'default'} epochs${opts.finetuneSchedule ? `, ${opts.finetuneSchedule}` : ''}${opts.finetuneLr != null ? `, fine-tune lr ${opts.finetuneLr}` : ''})${tag}`, () => runStudio(bench, opts, 'finetune', log, 0, seed));
      one.finetune = r?.result ?? null;
    }
    if (opts.sections.has('auto')) {
      const r = await section(`2c. studio, Auto (the default for a new project)${tag}`, () => runStudio(bench, opts, 'auto', log, 0, seed));
      one.auto = r?.result ?? null;
    }
    if (opts.sections.has('peer')) {
      // The peer is scored on the studio's held-out images; its time is judged against the run on
      // the studio's backend only. tfjs's default backend (software WebGL here) is a reference row,
      // run for the first seed only.
      const studio = one.frozen ?? one.auto ?? one.finetune;
      const images = peerImages(opts, studio);
      const ours = studio?.backend ?? 'wasm';
      const same = await section(`3a. peer: Teachable Machine on the studio's backend (${ours})${tag}`, () => runPeer(bench, opts, ours, images, log, seed ?? 42));
      if (same) one.peer.push({ label: `TM, studio's backend (${same.backend})`, sameBackend: true, ...same });
      if (first && opts.reference) {
        const other = await section(`3b. peer: Teachable Machine on tfjs's default backend (reference)${tag}`, () => runPeer(bench, opts, null, images, log, seed ?? 42));
        if (other && other.backend !== ours) one.peer.push({ label: `TM, default (${other.backend}), reference`, sameBackend: false, ...other });
        else if (other) log(`  the default backend is the studio's (${ours}) too: no reference row`);
      }
    }
    res.seeds.push(one);
    if (first) Object.assign(res, { frozen: one.frozen, finetune: one.finetune, auto: one.auto, memory: one.memory, peer: one.peer });
  }
} finally {
  await bench.close();
}

res.totalSeconds = (Date.now() - started) / 1000;
mkdirSync(dirname(opts.json), { recursive: true });
writeFileSync(opts.json, JSON.stringify(res, null, 2) + '\n');
const svg = join(dirname(opts.json), 'bench.svg');
writeFileSync(svg, renderSvg(res));
log(`\n${renderTables(res, opts)}\n`);
log(`[bench] done in ${elapsed()}; wrote ${relative(ROOT, opts.json)} and ${relative(ROOT, svg)}`);
process.exit(res.errors.length ? 1 : 0);
