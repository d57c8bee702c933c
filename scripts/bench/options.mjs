// Command-line options of `npm run bench` and where its data comes from: the real photos and
// MobileNet weights in ../shared when present (read in place, never copied), otherwise a small
// dataset drawn here with pngjs and the tiny backbone `npm run fixtures` generates.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared beside the checkout (STUDIO_SHARED overrides it, e.g. to try the fallback without it). */
export const SHARED = resolve(process.env.STUDIO_SHARED ?? join(ROOT, '../shared'));
export const TINY_BACKBONE = join(ROOT, 'e2e/fixtures/generated/tiny-backbone');
export const ALL_BACKENDS = ['wasm', 'webgpu', 'webgl', 'cpu'];
export const SECTIONS = ['import', 'backends', 'boundary', 'frozen', 'memory', 'finetune', 'auto', 'peer'];

export const USAGE = `Usage: npm run bench -- [options]     (or node scripts/bench.mjs [options] after a build)

  --dataset DIR       folder with one subfolder per class (default ../shared/datasets/hymenoptera/train)
  --val DIR           validation folder, same layout, imported as validation images
                      (default ../shared/datasets/hymenoptera/val when --dataset is not given)
  --val-fraction F    no validation folder: set the studio's "Validation share" to F instead
  --test DIR          test folder, same layout, imported as test images: no run trains on them or
                      chooses anything with them, and the peer is scored on them too
  --test-fraction F   no test folder: set the studio's "Test share" to F (a seeded stratified share
                      held out of everything); the peer is scored on the same images
  --backbone ID|PATH  catalog id (mobilenet-v2-0.35, mobilenet-v1-0.25, tiny) or a folder with model.json
                      (default mobilenet-v2-0.35 from ../shared, else the generated tiny backbone)
  --mode M            frozen | finetune | auto | both | all (default all: frozen, fine-tune and Auto;
                      both = frozen and fine-tune)
  --epochs N          fine-tune run: N head warm-up epochs (default 10)
  --finetune-epochs N fine-tune run: the Fine-tune epochs field (default: the studio's, 6)
  --finetune-schedule KIND  fine-tune run: the Fine-tune schedule field (default: the studio's, one-cycle)
  --finetune-lr X     fine-tune run: the Fine-tune learning rate field (default: the studio's)
  --seed N            the studio's Seed field (default: the studio's default, 42)
  --seeds N|LIST      repeat the studio runs and the peer (seeded too) for N seeds from --seed (or 42),
                      or for the listed seeds (e.g. 1,2,3); prints mean and range per run
  --tta yes|no        after each studio run, score its validation and test images again with test-time
                      augmentation (the Check tab's button) and print both figures (default no)
  --reference yes|no  also run the peer on tfjs's default backend for the first seed, as a reference row
                      (default yes; it is slow where that backend is software WebGL)
  --auto-budget S     Auto run: the Time to study settings field in seconds (default: the studio's)
  --auto-finetune yes|no  Auto run: leave "May fine-tune the backbone" on (default yes) or turn it off
  --model-first yes|no  studio runs pick the model before importing, so features are computed while the
                      photos import (default no: import, then pick the model)
  --import-baseline DIR  the import section also times another build (a checkout with its dist/ built,
                      e.g. git worktree add ../before <commit> && cd ../before && npm ci && npm run build),
                      interleaved with this one, and prints the ratio of images per second
  --throttle N        after the frozen run, one more frozen run in the same page (features cached)
                      with the page's CPU throttled N× through the DevTools protocol, for its longest
                      main-thread task on a slow machine (default 4; 1 skips it)
  --backends LIST     comma-separated backends for the throughput section (default wasm,webgpu,webgl,cpu)
  --only LIST         run only these sections: ${SECTIONS.join(',')} (default all)
  --json FILE         where to write every figure (default bench-results/bench.json; bench.svg beside it)
  --help`;

function parseArgv(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n\n${USAGE}`);
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (key === 'help') {
      out.help = true;
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value\n\n${USAGE}`);
    out[key] = value;
  }
  const known = ['dataset', 'val', 'val-fraction', 'test', 'test-fraction', 'seeds', 'reference', 'tta', 'backbone', 'mode', 'epochs', 'seed', 'backends', 'only', 'json', 'import-baseline', 'throttle', 'model-first', 'auto-finetune', 'auto-budget', 'finetune-epochs', 'finetune-schedule', 'finetune-lr', 'help'];
  for (const k of Object.keys(out)) if (!known.includes(k)) throw new Error(`unknown option --${k}\n\n${USAGE}`);
  return out;
}

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|bmp)$/i;
const skipName = (n) => n.startsWith('.') || n === '__MACOSX';

/** Class folders of a dataset and their image files (nested folders count toward their top class, as in the studio). */
export function listDataset(dir) {
  const classes = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !skipName(d.name))
    .map((d) => d.name)
    .sort();
  const walk = (d) =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      if (skipName(e.name)) return [];
      const p = join(d, e.name);
      if (e.isDirectory()) return walk(p);
      return IMAGE_EXT.test(e.name) ? [p] : [];
    });
  return classes.map((name) => ({ name, files: walk(join(dir, name)).sort().map((p) => relative(dir, p).split('\\').join('/')) }));
}

/** Draws a 3-class dataset (train + val) of 96×72 PNGs: each class its own colour and stripe direction. */
function drawFixtureDataset(root) {
  let s = 7;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const palette = { red: [220, 60, 50], blue: [40, 90, 220], green: [40, 170, 70] };
  for (const [split, n] of [['train', 24], ['val', 8]]) {
    Object.entries(palette).forEach(([name, [r, g, b]], k) => {
      mkdirSync(join(root, split, name), { recursive: true });
      for (let i = 0; i < n; i++) {
        const png = new PNG({ width: 96, height: 72 });
        const phase = rand() * 12;
        for (let y = 0; y < 72; y++) {
          for (let x = 0; x < 96; x++) {
            const stripe = Math.sin(((k === 1 ? y : x) * (k === 2 ? 2 : 1) + phase) / 3) > 0 ? 1 : 0.55;
            const noise = (rand() - 0.5) * 60;
            const p = (y * 96 + x) * 4;
            png.data[p] = Math.max(0, Math.min(255, r * stripe + noise));
            png.data[p + 1] = Math.max(0, Math.min(255, g * stripe + noise));
            png.data[p + 2] = Math.max(0, Math.min(255, b * stripe + noise));
            png.data[p + 3] = 255;
          }
        }
        writeFileSync(join(root, split, name, `${name}-${String(i).padStart(3, '0')}.png`), PNG.sync.write(png));
      }
    });
  }
  return { train: join(root, 'train'), val: join(root, 'val') };
}

const isDir = (p) => existsSync(p) && statSync(p).isDirectory();

/** Where the backbone's model.json lives, and how Teachable Machine's library is told to load the same weights. */
function resolveBackbone(arg, notes) {
  let dir;
  let id = arg;
  if (!arg) {
    const shared = join(SHARED, 'backbones/mobilenet-v2-0.35-224-no-top');
    if (existsSync(join(shared, 'model.json'))) {
      dir = shared;
      id = 'mobilenet-v2-0.35';
    } else {
      notes.push(`${SHARED} has no MobileNetV2 weights: using the generated tiny backbone (random weights, figures are not comparable with MobileNetV2)`);
      dir = TINY_BACKBONE;
      id = 'tiny';
    }
  } else if (arg === 'tiny') {
    dir = TINY_BACKBONE;
  } else if (/^mobilenet-v[12]-[\d.]+$/.test(arg)) {
    dir = join(SHARED, 'backbones', `${arg}-224-no-top`);
    if (!existsSync(join(dir, 'model.json'))) {
      const have = isDir(join(SHARED, 'backbones')) ? readdirSync(join(SHARED, 'backbones')).join(', ') : 'none';
      throw new Error(`--backbone ${arg}: ${dir}/model.json is missing (../shared/backbones has: ${have})`);
    }
  } else {
    dir = resolve(arg.endsWith('model.json') ? dirname(arg) : arg);
    id = basename(dir);
    if (!existsSync(join(dir, 'model.json'))) throw new Error(`--backbone ${arg}: no model.json in ${dir}`);
  }
  if (dir === TINY_BACKBONE && !existsSync(join(dir, 'model.json'))) throw new Error('the tiny backbone is missing: run `npm run fixtures` first');
  const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const topo = model.modelTopology.model_config ?? model.modelTopology;
  const outputLayer = topo.config.output_layers?.[0]?.[0];
  const inputShape = topo.config.layers?.[0]?.config?.batch_input_shape;
  const inputSize = Array.isArray(inputShape) && inputShape[1] ? inputShape[1] : 224;
  // Teachable Machine downloads MobileNet from storage.googleapis.com by version and alpha; the
  // bench answers those requests from `dir`. Any other model goes in as a checkpoint URL.
  const m = /mobilenet-v([12])-([\d.]+)/.exec(basename(dir));
  const tm = m && inputSize === 224 ? { version: Number(m[1]), alpha: Number(m[2]) } : { checkpointUrl: '/bench-backbone/model.json', trainingLayer: outputLayer };
  return { id, dir, outputLayer, inputSize, tmOptions: tm, real: dir !== TINY_BACKBONE };
}

function parseYesNo(v, key, dflt) {
  if (v === undefined) return dflt;
  if (v === 'yes' || v === 'no') return v === 'yes';
  throw new Error(`--${key} must be yes or no`);
}

/** `--seeds 3` → three seeds from `base` (or 42); `--seeds 1,5,9` → those; absent → [base] (null: the studio's default). */
export function parseSeeds(arg, base) {
  if (arg === undefined) return [base];
  const parts = String(arg).split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  if (!parts.length || parts.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`--seeds ${arg}: give a count or a comma-separated list of whole numbers`);
  if (parts.length > 1) return parts;
  if (parts[0] < 1 || parts[0] > 20) throw new Error(`--seeds ${arg}: between 1 and 20 seeds`);
  const from = base ?? 42;
  return Array.from({ length: parts[0] }, (_, i) => from + i);
}

export function resolveOptions(argv) {
  const a = parseArgv(argv);
  if (a.help) return { help: true };
  const notes = [];
  const num = (k, d, ok) => {
    if (a[k] === undefined) return d;
    const v = Number(a[k]);
    if (!Number.isFinite(v) || !ok(v)) throw new Error(`--${k} ${a[k]} is out of range`);
    return v;
  };
  const mode = a.mode ?? 'all';
  if (!['frozen', 'finetune', 'auto', 'both', 'all'].includes(mode)) throw new Error(`--mode must be frozen, finetune, auto, both or all`);
  const backends = (a.backends ?? ALL_BACKENDS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of backends) if (!ALL_BACKENDS.includes(b)) throw new Error(`--backends: unknown backend ${b}`);
  // wasm first: the others are slow here and the section has a time budget.
  backends.sort((x, y) => (x === 'wasm' ? -1 : y === 'wasm' ? 1 : 0));
  const only = (a.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);
  const sections = new Set(only);
  if (sections.has('memory')) sections.add('frozen'); // the memory runs follow the frozen run in its page
  // Each mode keeps its own runs (the memory runs follow the frozen run in its page).
  const keep = { frozen: ['frozen', 'memory'], finetune: ['finetune'], auto: ['auto'], both: ['frozen', 'memory', 'finetune'], all: ['frozen', 'memory', 'finetune', 'auto'] }[mode];
  for (const s of ['frozen', 'memory', 'finetune', 'auto']) if (!keep.includes(s)) sections.delete(s);

  let dataset = a.dataset ? resolve(a.dataset) : null;
  let val = a.val ? resolve(a.val) : null;
  const valFraction = num('val-fraction', null, (v) => v >= 0 && v <= 0.5);
  let datasetName;
  const test = a.test ? resolve(a.test) : null;
  const testFraction = num('test-fraction', null, (v) => v > 0 && v <= 0.5);
  if (test && !isDir(test)) throw new Error(`--test ${test} is not a folder`);
  if (test && testFraction != null) throw new Error('give --test or --test-fraction, not both');
  if (!dataset) {
    const hym = join(SHARED, 'datasets/hymenoptera');
    if (isDir(join(hym, 'train')) && isDir(join(hym, 'val'))) {
      dataset = join(hym, 'train');
      if (!val && valFraction == null && !test) val = join(hym, 'val');
      datasetName = 'hymenoptera';
    } else {
      const drawn = drawFixtureDataset(mkdtempSync(join(tmpdir(), 'studio-bench-')));
      notes.push(`${SHARED} has no hymenoptera photos: using a small drawn dataset (3 classes, 24 train + 8 val images each)`);
      dataset = drawn.train;
      if (!val && valFraction == null && !test) val = drawn.val;
      datasetName = 'drawn-stripes';
    }
  } else {
    datasetName = basename(dataset) === 'train' ? basename(dirname(dataset)) : basename(dataset);
  }
  if (!isDir(dataset)) throw new Error(`--dataset ${dataset} is not a folder`);
  if (val && !isDir(val)) throw new Error(`--val ${val} is not a folder`);
  if (val && valFraction != null) throw new Error('give --val or --val-fraction, not both');
  const seed = num('seed', null, (v) => Number.isInteger(v) && v >= 0);
  const seeds = parseSeeds(a.seeds, seed);
  const classes = listDataset(dataset);
  if (classes.length < 2) throw new Error(`${dataset} needs at least 2 class subfolders (found ${classes.length})`);

  return {
    dataset,
    datasetName,
    classes,
    val,
    valClasses: val ? listDataset(val) : null,
    valFraction,
    test,
    testClasses: test ? listDataset(test) : null,
    testFraction,
    backbone: resolveBackbone(a.backbone, notes),
    mode,
    epochs: num('epochs', 10, (v) => Number.isInteger(v) && v >= 1 && v <= 500),
    finetuneEpochs: num('finetune-epochs', null, (v) => Number.isInteger(v) && v >= 1 && v <= 500),
    finetuneSchedule: a['finetune-schedule'] ?? null,
    finetuneLr: num('finetune-lr', null, (v) => v > 0 && v < 1),
    throttle: num('throttle', 4, (v) => v >= 1 && v <= 20),
    seed,
    seeds,
    reference: parseYesNo(a.reference, 'reference', true),
    tta: parseYesNo(a.tta, 'tta', false),
    backends,
    sections,
    modelFirst: parseYesNo(a['model-first'], 'model-first', false),
    autoFinetune: parseYesNo(a['auto-finetune'], 'auto-finetune', true),
    autoBudget: a['auto-budget'] != null ? Number(a['auto-budget']) : null,
    importBaseline: a['import-baseline'] ? resolve(a['import-baseline']) : null,
    json: resolve(a.json ?? join(ROOT, 'bench-results/bench.json')),
    notes,
  };
}
