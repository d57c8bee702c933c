// The bench's output: Markdown tables for stdout (and the README), each figure next to its target,
// and a hand-written SVG of validation accuracy against wall time for the studio and the peer.
import { relative } from 'node:path';
import { f, mark, pct, table } from './format.mjs';
import { heldOut, seedsSection } from './seeds.mjs';

export const TARGETS = {
  frozenWallVsPeer: 0.5, // frozen end to end ≤ 0.5× Teachable Machine's wall time, at ≥ its accuracy
  finetuneValAcc: 0.95, // on hymenoptera
  wasmFinetuneImgPerSec: 10,
  rooflineFraction: 0.6,
  tensorGrowth: 0,
  longestTaskMs: 100,
};


/** ' (batch 2, 96 px)' when fine-tuning was timed at another batch or input size than the row's. */
function finetuneShapeNote(r, b) {
  if (r.finetuneBatch == null || (r.finetuneBatch === r.batch && r.finetuneInputSize === b.inputSize)) return '';
  return ` (batch ${r.finetuneBatch}, ${r.finetuneInputSize} px)`;
}

function backendsSection(b) {
  const ad = b.adapter;
  const adapter = ad?.available ? `${ad.architecture || ad.vendor || 'unknown'}, ${ad.software ? 'software (no GPU)' : 'hardware GPU'}${ad.isFallbackAdapter ? ', fallback adapter' : ''}` : (ad?.note ?? 'n/a');
  const rows = b.results.map((r) => {
    if (!r.ok) return [r.backend, `failed: ${r.error}`, '', '', '', '', '', '', '', ''];
    const ft = r.finetuneImgPerSec != null ? f(r.finetuneImgPerSec, 2) + finetuneShapeNote(r, b) : (r.finetuneNote ?? '–').replace(/\|/g, '/');
    const targets = [];
    if (r.backend === 'wasm') targets.push(`fine-tune ≥ ${TARGETS.wasmFinetuneImgPerSec}${mark(r.finetuneImgPerSec >= TARGETS.wasmFinetuneImgPerSec)}`);
    targets.push(`≥ ${TARGETS.rooflineFraction * 100}% roofline${mark(r.rooflineFraction >= TARGETS.rooflineFraction)}`);
    return [r.backend, f(r.matmulGflops, 2), f(r.forwardImgPerSec, r.forwardImgPerSec < 10 ? 2 : 1), f(r.forwardUnfoldedImgPerSec, r.forwardUnfoldedImgPerSec < 10 ? 2 : 1), f(r.rooflineImgPerSec, 1), pct(r.rooflineFraction), f(r.headImgPerSec, 0), ft, `${r.batch}×${r.reps}, ${f(r.seconds)} s`, targets.join('; ')];
  });
  return [
    `#### 1. Backends (${b.backbone}, ${f(b.flopsPerImage / 1e6, 1)} MFLOP per image; WebGPU adapter: ${adapter})`,
    '',
    table(['backend', 'matmul GFLOP/s', 'forward img/s', 'layer by layer img/s', 'roofline img/s', 'forward / roofline', 'head img/s', 'fine-tune img/s', 'batch×reps, time', 'targets'], rows),
    '',
    'Forward = the backbone as training runs it to compute features, BatchNorm folded into the convolutions and ReLU6 fused; layer by layer = the same model through model.apply. Roofline = matmul GFLOP/s × 1e9 / FLOPs per image (convolutions and dense layers; 512² matmul as the attainable rate). Fine-tune trains the last ~30% of the layers with weights.',
  ].join('\n');
}

const e2eRow = (label, s) => [
  label,
  s.backend ?? '–',
  `${s.epochs}${s.stages.length > 1 ? ' (head + fine-tune)' : ''}`,
  s.testAccuracy != null ? `**${pct(s.testAccuracy)}** (${s.testImages})${s.lastEpochTestAccuracy != null ? `, last epoch ${pct(s.lastEpochTestAccuracy)}` : ''}` : 'no test set',
  `${pct(s.lastEpochValAcc)} / ${pct(s.valAccuracy)}`,
  f(s.importSeconds + s.importValSeconds),
  f(s.backboneSeconds),
  f(s.phases.setup),
  f(s.phases.features),
  f(s.phases.epochs),
  f(s.phases.finishing),
  `**${f(s.endToEndSeconds)}**`,
];

function studioSection(res, opts) {
  const rows = [];
  if (res.frozen) rows.push(e2eRow('frozen, studio defaults', res.frozen));
  if (res.finetune) rows.push(e2eRow(`fine-tune + augmentation (${opts.epochs} + ${opts.finetuneEpochs ?? res.finetune.history.filter((h) => h.stage === 2).length} epochs)`, res.finetune));
  if (res.auto) rows.push(e2eRow(`Auto (${res.auto.study?.mode ?? '?'})`, res.auto));
  const lines = [`#### 2. End to end through the UI (${res.dataLine})`, ''];
  if (!rows.length) return [...lines, 'not run'].join('\n');
  lines.push(table(['run', 'backend', 'epochs', 'test accuracy (n)', 'val accuracy: last epoch / kept', 'import s', 'backbone s', 'setup s', 'features s', 'epochs s', 'finish s', 'end to end s'], rows));
  if (res.finetune) {
    const ok = opts.datasetName === 'hymenoptera' ? heldOut(res.finetune) >= TARGETS.finetuneValAcc : null;
    lines.push('', `Fine-tune target: ≥ ${TARGETS.finetuneValAcc * 100}% held-out accuracy on hymenoptera → ${pct(heldOut(res.finetune))}${ok == null ? ' (not hymenoptera: no target)' : mark(ok)}`);
  }
  const withTta = [['frozen', res.frozen], ['fine-tune', res.finetune], ['Auto', res.auto]].filter(([, r]) => r?.tta);
  if (withTta.length) {
    lines.push('', table(['run', 'val plain', 'val with TTA', 'test plain', 'test with TTA', 'scoring s'], withTta.map(([n, r]) => [n, pct(r.valAccuracy), pct(r.tta.valAccuracy), pct(r.testAccuracy), pct(r.tta.testAccuracy), f(r.tta.seconds)])));
    lines.push('', 'TTA: the softmax averaged over 7 views (the image, its mirror, 90% crops at the four corners and the centre), scored after training on the same images.');
  }
  if (res.auto?.study) {
    const a = res.auto.study;
    lines.push('', `Auto's study: ${a.tried} settings tried${a.skipped ? ` (${a.skipped} left out by the time limit)` : ''} in ${f(a.seconds)} s, ${a.k}-fold cross-validation on the ${a.fitOn ? 'training and validation' : 'training'} images, best ${pct(a.cvAccuracy)} ± ${pct(a.cvSpread)} out of fold. Its plan: ${a.reason} ${
      a.fitOn === 'train+val'
        ? "Its head then trains on the training and validation images together for the passes the out-of-fold curve picked, so its val accuracy is the chosen setting's out-of-fold figure over all of them, not a held-out one: quote the test figure."
        : !a.fitOn
          ? "The validation images took no part in Auto's choices (its head trains for the number of passes the out-of-fold curve picked; no early stopping), so its val accuracy is a held-out figure."
          : "Fine-tuning trains on the training images and keeps its last epoch; the validation images were in the study's folds (the head's choice), so quote the test figure."
    }`);
  }
  lines.push(
    '',
    'Test accuracy is the figure to quote: no training step and no choice saw those images. Val accuracy "last epoch" is the final epoch\'s, "kept" that of the weights the run keeps ' +
      '(early stopping restores the best epoch, chosen on this validation set, so "kept" is optimistic). ' +
      'Import = train + validation folders (decode, hash, three copies into IndexedDB); setup = Start training → first feature batch (backend probe, backbone); features = cached backbone features; finish = evaluation and saving.',
  );
  return lines.join('\n');
}

function peerSection(res) {
  const peers = res.peer.filter(Boolean);
  const lines = ['#### 3. Peer: Teachable Machine (@teachablemachine/image 0.8.5) in the same browser, same images, same weights', ''];
  if (!peers.length) return [...lines, 'not run'].join('\n');
  const p0 = peers[0];
  lines.push(`Its defaults: ${p0.params.epochs} epochs, batch ${p0.params.batchSize}, learning rate ${p0.params.learningRate}, ${p0.params.denseUnits} dense units; it holds out 15% per class internally. Train on ${p0.trainImages} images, scored on ${p0.valImages} ${p0.scoredOn ?? 'validation'} images (${p0.split}); seeded (Math.random) with ${p0.seed ?? 'nothing'}.`, '');
  lines.push(
    table(
      ['run', 'backend', `${p0.scoredOn ?? 'val'} accuracy`, 'load s', 'decode s', 'addExample s', 'train s', 'predict val s', 'total s', 'longest task ms'],
      peers.map((p) => [p.label, p.backend, pct(p.valAccuracy), f(p.loadSeconds + p.backendSeconds), f(p.decodeSeconds), f(p.addExampleSeconds), f(p.trainSeconds), f(p.predictSeconds), `**${f(p.totalSeconds)}**`, String(p.longestTaskMs)]),
    ),
  );
  const ours = [res.frozen && ['frozen', res.frozen], res.finetune && ['fine-tune', res.finetune], res.auto && ['Auto', res.auto]].filter(Boolean);
  const rows = [];
  for (const p of peers) {
    for (const [name, s] of ours) {
      const wall = s.endToEndSeconds / p.totalSeconds;
      const acc = heldOut(s) / p.valAccuracy;
      const judged = p.sameBackend !== false;
      const target = !judged ? 'reference (not the studio\'s backend)' : name === 'frozen' ? `≤ ${TARGETS.frozenWallVsPeer}× time${mark(wall <= TARGETS.frozenWallVsPeer)}, ≥ 1× accuracy${mark(acc >= 1)}` : `≥ 1× accuracy${mark(acc >= 1)}`;
      rows.push([`${name} vs ${p.label}`, `${f(s.endToEndSeconds)} s / ${f(p.totalSeconds)} s = **${f(wall, 2)}×**`, `${pct(heldOut(s))} / ${pct(p.valAccuracy)} = **${f(acc, 3)}×**`, target]);
    }
  }
  lines.push('', table(['ours / theirs', 'wall time', 'held-out accuracy', 'target'], rows));
  lines.push('', "TM's total: tf.ready + base model load, decoding and cropping the training images, addExample, train, then decoding and predict() on each validation image. Ours: both imports + backbone + training (validation features and evaluation included).");
  return lines.join('\n');
}

function memorySection(res) {
  const lines = ['#### 4. Memory (worker tensors from run history; page JS heap after a forced GC)', ''];
  const rows = [];
  const g = (s) => (s?.tensorGrowthPerEpoch == null ? '–' : f(s.tensorGrowthPerEpoch, 1));
  if (res.frozen) rows.push(['tensor growth per epoch, frozen run', g(res.frozen), `${TARGETS.tensorGrowth}${mark(res.frozen.tensorGrowthPerEpoch === 0)}`]);
  if (res.finetune) rows.push(['tensor growth per epoch, fine-tune run (within each stage)', g(res.finetune), `${TARGETS.tensorGrowth}${mark(res.finetune.tensorGrowthPerEpoch === 0)}`]);
  const m = res.memory;
  if (m) {
    rows.push([`tensor growth per epoch, ${m.runs.length} more frozen runs`, m.runs.map(g).join(', '), `${TARGETS.tensorGrowth}${mark(m.runs.every((r) => r.tensorGrowthPerEpoch === 0))}`]);
    rows.push([`worker tensors at the last epoch of each of those runs`, m.runs.map((r) => r.endTensors ?? '–').join(', '), 'equal']);
    rows.push([`worker tensors at rest, before → after ${m.runs.length} frozen runs`, `${m.before.workerTensors} → ${m.after.workerTensors} (${m.tensorDelta >= 0 ? '+' : ''}${m.tensorDelta})`, `+0${mark(m.tensorDelta === 0)}`]);
    rows.push(['page performance.memory.usedJSHeapSize, before → after', `${f(m.before.usedJSHeapSize / 1e6, 2)} → ${f(m.after.usedJSHeapSize / 1e6, 2)} MB`, '–']);
    rows.push(['page JS heap (CDP Runtime.getHeapUsage), before → after', `${f(m.before.cdpUsedSize / 1e6, 2)} → ${f(m.after.cdpUsedSize / 1e6, 2)} MB (${m.heapDeltaBytes >= 0 ? '+' : ''}${f(m.heapDeltaBytes / 1e3, 0)} kB)`, '–']);
  }
  if (!rows.length) return [...lines, 'not run'].join('\n');
  lines.push(table(['measure', 'value', 'target'], rows));
  return lines.join('\n');
}

function responsivenessSection(res) {
  const rows = [];
  const row = (label, s) => rows.push([label, String(s.longTasks), String(s.longestTaskMs), `≤ ${TARGETS.longestTaskMs}${mark(s.longestTaskMs <= TARGETS.longestTaskMs)}`]);
  if (res.frozen) row('studio, frozen run', res.frozen);
  if (res.memory) res.memory.runs.forEach((r, i) => row(`studio, frozen run ${i + 2}`, r));
  if (res.frozen?.throttled) row(`studio, frozen run again, page CPU throttled ${res.frozen.throttled.rate}×`, res.frozen.throttled);
  if (res.finetune) row('studio, fine-tune run', res.finetune);
  for (const p of res.peer.filter(Boolean)) rows.push([`peer: ${p.label} (trains on the main thread; its own work only)`, String(p.longTasks), String(p.longestTaskMs), 'for reference']);
  const lines = ['#### 5. Responsiveness (main-thread long tasks while training, PerformanceObserver "longtask")', ''];
  if (!rows.length) return [...lines, 'not run'].join('\n');
  lines.push(table(['run', 'long tasks (> 50 ms)', 'longest ms', 'target'], rows));
  return lines.join('\n');
}

export function renderTables(res, opts) {
  const e = res.environment;
  const head = [
    `### Benchmark results, ${e.date}`,
    '',
    `Chromium ${e.chromium} (headless) · ${e.hardwareConcurrency} logical cores (${e.cpuModel}) · ${f(e.totalMemoryGB, 0)} GB RAM · Node ${e.node} · tfjs backends registered in the worker: ${(e.registeredBackends ?? []).join(', ')}`,
    `Backbone: ${opts.backbone.id} (${relative(process.cwd(), opts.backbone.dir) || '.'}) · dataset: ${res.dataLine}`,
  ];
  if (opts.notes.length) head.push('', ...opts.notes.map((n) => `Note: ${n}`));
  const parts = [head.join('\n')];
  if (res.backends) parts.push(backendsSection(res.backends));
  parts.push(studioSection(res, opts), peerSection(res));
  if (res.seeds.length > 1) parts.push(seedsSection(res));
  parts.push(memorySection(res), responsivenessSection(res));
  if (res.errors.length) parts.push(['#### Errors', '', ...res.errors.map((x) => `- ${x.section}: ${x.message}`)].join('\n'));
  return parts.join('\n\n');
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Validation accuracy (y) against seconds since the first click / page start (x), one line per run. */
export function renderSvg(res) {
  const series = [];
  const ours = (label, s, color) => {
    if (!s) return;
    const offset = s.importSeconds + s.importValSeconds + s.backboneSeconds;
    const pts = s.history.map((h, i) => [offset + s.epochEnds[i], h.valAcc]).filter(([, y]) => y != null);
    series.push({ label: `${label}: ${pct(heldOut(s))} in ${f(s.endToEndSeconds)} s`, color, pts, final: [s.endToEndSeconds, heldOut(s)] });
  };
  ours('Studio, frozen', res.frozen, '#2f5bd3');
  ours('Studio, fine-tune + augmentation', res.finetune, '#1a9e5a');
  ours('Studio, Auto', res.auto, '#7a3fc2');
  const peerColors = ['#d9534f', '#e39b2d'];
  res.peer.filter(Boolean).forEach((p, i) => {
    const offset = p.backendSeconds + p.loadSeconds + p.decodeSeconds + p.addExampleSeconds;
    series.push({ label: `Teachable Machine, ${p.backend}: ${pct(p.valAccuracy)} in ${f(p.totalSeconds)} s`, color: peerColors[i % 2], pts: p.curve.map((c) => [offset + c.trainSeconds, c.valAcc]), final: [p.totalSeconds, p.valAccuracy], dashed: true });
  });
  const W = 760;
  const H = 440;
  const m = { l: 60, r: 20, t: 40, b: 120 };
  const all = series.flatMap((s) => [...s.pts, s.final]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xMax = Math.max(10, ...all.map(([x]) => x)) * 1.05;
  const yMin = Math.max(0, Math.floor((Math.min(1, ...all.map(([, y]) => y)) - 0.02) * 20) / 20);
  const X = (x) => m.l + (x / xMax) * (W - m.l - m.r);
  const Y = (y) => m.t + ((1 - y) / (1 - yMin || 1)) * (H - m.t - m.b);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`];
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${m.l}" y="22" font-size="14" font-weight="600">Validation accuracy vs wall time: ${esc(res.options.datasetName)}, ${esc(res.options.backbone.id)}</text>`);
  const step = xMax > 400 ? 100 : xMax > 150 ? 25 : xMax > 60 ? 10 : 5;
  for (let x = 0; x <= xMax; x += step) {
    out.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/><text x="${X(x)}" y="${H - m.b + 16}" text-anchor="middle" fill="#555">${x}</text>`);
  }
  for (let y = yMin; y <= 1.0001; y += 0.05) {
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(y)}" y2="${Y(y)}" stroke="#eee"/><text x="${m.l - 6}" y="${Y(y) + 4}" text-anchor="end" fill="#555">${Math.round(y * 100)}%</text>`);
  }
  out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 34}" text-anchor="middle">seconds from the first step (import / page start) to each epoch's end; ringed dot = final model</text>`);
  series.forEach((s, i) => {
    const pts = s.pts.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ''} points="${pts.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    const [fx, fy] = s.final;
    if (Number.isFinite(fx) && Number.isFinite(fy)) out.push(`<circle cx="${X(fx).toFixed(1)}" cy="${Y(fy).toFixed(1)}" r="6" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    const ly = H - m.b + 56 + i * 16;
    out.push(`<line x1="${m.l}" x2="${m.l + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/><text x="${m.l + 30}" y="${ly}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
