#!/usr/bin/env node
// `npm run bench`: measures the studio in one headless Chromium on this machine, and prints the
// figures next to their targets. It never fails on a time: it exits 1 only when something broke.
//
//   1. Backends: the built app's training worker benchmarks each tfjs backend (matmul, forward,
//      head on cached features, fine-tuning) on the backbone; forward as a share of the roofline.
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
const res = {
  environment: null,
  options: { ...opts, classes: opts.classes.map((c) => ({ name: c.name, images: c.files.length })), valClasses: opts.valClasses?.map((c) => ({ name: c.name, images: c.files.length })) ?? null, sections: [...opts.sections] },
  targets: TARGETS,
  dataLine: `${opts.datasetName}, ${opts.classes.length} classes, ${trainCount} images${opts.val ? ` + ${valCount} validation images (its own split)` : `, validation share ${opts.valFraction ?? 'studio default'}`}`,
  backends: null,
  frozen: null,
  finetune: null,
  memory: null,
  peer: [],
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

  if (opts.sections.has('backends')) res.backends = await section(`1. backends: ${opts.backends.join(', ')}`, () => runBackends(bench, opts, log));
  if (opts.sections.has('frozen')) {
    const memoryRuns = opts.sections.has('memory') ? 3 : 0;
    const r = await section(`2a. studio, frozen backbone${memoryRuns ? ' (then 3 more frozen runs for memory)' : ''}`, () => runStudio(bench, opts, 'frozen', log, memoryRuns));
    res.frozen = r?.result ?? null;
    res.memory = r?.memory ?? null;
  }
  if (opts.sections.has('finetune')) {
    const r = await section(`2b. studio, fine-tune + augmentation (${opts.epochs} + ${opts.epochs} epochs)`, () => runStudio(bench, opts, 'finetune', log));
    res.finetune = r?.result ?? null;
  }
  if (opts.sections.has('auto')) {
    const r = await section('2c. studio, Auto (the default for a new project)', () => runStudio(bench, opts, 'auto', log));
    res.auto = r?.result ?? null;
  }
  if (opts.sections.has('peer')) {
    const studio = res.frozen ?? res.auto ?? res.finetune;
    const images = peerImages(opts, opts.val ? null : (studio?.valNames ?? null));
    const first = await section("3a. peer: Teachable Machine on tfjs's default backend", () => runPeer(bench, opts, null, images, log));
    if (first) res.peer.push({ label: `TM, default (${first.backend})`, ...first });
    const ours = studio?.backend ?? 'wasm';
    if (first?.backend === ours) {
      log(`  the default backend is already the studio's (${ours}): one peer run`);
    } else {
      const second = await section(`3b. peer: Teachable Machine on the studio's backend (${ours})`, () => runPeer(bench, opts, ours, images, log));
      if (second) res.peer.push({ label: `TM, studio's backend (${second.backend})`, ...second });
    }
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
