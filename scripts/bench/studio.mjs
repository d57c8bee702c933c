// Sections 2, 4 and 5, the studio end to end through its real UI: import the dataset (and the
// validation folder), pick the backbone by URL, train, and read the run back from IndexedDB.
// Each phase is timed; a page-side tracker records when the worker computes features and when
// the run ends, and a PerformanceObserver records main-thread long tasks. The memory section
// trains three more frozen runs in the same page and compares tensors and heap before and after;
// a last frozen run trains with the page's CPU throttled (--throttle) for the long tasks on a slow machine.
import { pct } from './format.mjs';
import { freshPage, pageHeap, seconds, sleep, workerTensors } from './browser.mjs';

const IMPORT_TIMEOUT = 600_000;
const TRAIN_TIMEOUT = { frozen: 15 * 60_000, finetune: 30 * 60_000, auto: 30 * 60_000 };

/** Installed once per page: long tasks and the live panel's status/title changes, with times. */
function installTracker() {
  const w = window;
  w.__bench = { longTasks: [], marks: [] };
  new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__bench.longTasks.push({ start: e.startTime, duration: e.duration }))).observe({ type: 'longtask' });
  let last = '';
  setInterval(() => {
    const title = document.querySelector('#live-title')?.textContent ?? '';
    const status = document.querySelector('[data-testid=live-stats] dd')?.textContent ?? '';
    const key = `${title}|${status.replace(/\d+\/\d+/, '')}`;
    if (key !== last) {
      w.__bench.marks.push({ t: performance.now(), title, status });
      last = key;
    }
  }, 50);
}

const readDb = (page) =>
  page.evaluate(async () => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('finetune-studio');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const all = (store) =>
      new Promise((res) => {
        const q = db.transaction(store).objectStore(store).getAll();
        q.onsuccess = () => res(q.result);
      });
    const runs = (await all('runs')).sort((a, b) => a.createdAt - b.createdAt);
    const images = (await all('images')).map((i) => ({ id: i.id, name: i.name, split: i.split ?? null }));
    db.close();
    return { runs, images };
  });

async function waitText(locator, re, timeout, what) {
  const end = Date.now() + timeout;
  while (!re.test((await locator.textContent().catch(() => '')) ?? '')) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function createProject(page, name) {
  await page.getByRole('button', { name: /New project|Create your first project/ }).first().click();
  await page.getByLabel('Project name').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL(/#\/p\//);
}

/** Imports a folder through the project's Import folder button; `role` ticks "Import as validation/test images". */
async function importFolder(page, dir, role) {
  const t = Date.now();
  if (await page.getByRole('button', { name: 'Dismiss' }).count()) await page.getByRole('button', { name: 'Dismiss' }).click();
  await page.getByLabel('Import as validation images').setChecked(role === 'val');
  await page.getByLabel('Import as test images').setChecked(role === 'test');
  await page.getByTestId('folder-input').setInputFiles(dir);
  // Playwright lists a folder's regular files only (symbolic links are left out): an empty pick never starts an import.
  await page.locator('[data-testid=import-progress], [data-testid=import-report]').first().waitFor({ timeout: 60_000 }).catch(() => {
    throw new Error(`no import started from ${dir} (no regular image files in it? symbolic links are not followed)`);
  });
  await page.getByTestId('import-report').waitFor({ timeout: IMPORT_TIMEOUT });
  await page.getByTestId('import-progress').waitFor({ state: 'detached', timeout: IMPORT_TIMEOUT });
  const summary = (await page.getByTestId('report-summary').textContent()) ?? '';
  return { seconds: seconds(Date.now() - t), summary };
}

/** Clicks Start training and waits for the new run to end; times come from the page's clock. */
async function trainOnce(page, runsBefore, mode) {
  const tClick = await page.evaluate(() => performance.now());
  // Auto (on for a new project) is left on for an Auto run and turned off for the others.
  const auto = page.getByTestId('auto-settings').getByRole('checkbox', { name: /Auto/ });
  if ((await auto.count()) && (await auto.isChecked()) !== (mode === 'auto')) await auto.setChecked(mode === 'auto');
  await page.getByRole('button', { name: 'Start training', exact: true }).click();
  // Wait on the page's own heading, as the tracker saw it change after the click: reading
  // IndexedDB from the page while it trains would put the benchmark's work on the main thread
  // it is measuring.
  const deadline = Date.now() + TRAIN_TIMEOUT[mode];
  for (;;) {
    const title = await page.evaluate((t0) => window.__bench.marks.filter((m) => m.t > t0).map((m) => m.title).find((x) => /Training finished|Stopped early|Training stopped|Training failed/.test(x)), tClick);
    if (title === 'Training failed') throw new Error(`training failed: ${(await page.getByRole('alert').allTextContents()).join(' ')}`);
    if (title) break;
    if (Date.now() > deadline) throw new Error(`the ${mode} run did not finish in ${TRAIN_TIMEOUT[mode] / 60000} min`);
    await sleep(250);
  }
  let run;
  for (const end = Date.now() + 30_000; ; await sleep(200)) {
    const { runs } = await readDb(page);
    run = runs[runsBefore];
    if (run && ['done', 'stopped', 'error'].includes(run.status) && runs.length === runsBefore + 1) break;
    if (Date.now() > end) throw new Error(`the ${mode} run ended on screen but its record says ${run?.status ?? 'nothing'}`);
  }
  await sleep(200);
  const { longTasks, marks } = await page.evaluate(() => window.__bench);
  const mine = marks.filter((m) => m.t >= tClick);
  const end = mine.find((m) => /Training finished|Stopped early|Training stopped/.test(m.title))?.t ?? (await page.evaluate(() => performance.now()));
  const feat = mine.filter((m) => /Computing features/.test(m.status));
  const featStart = feat[0]?.t ?? null;
  const featEnd = featStart == null ? null : (mine.find((m) => m.t > featStart && !/Computing features/.test(m.status))?.t ?? end);
  const tasks = longTasks.filter((x) => x.start >= tClick && x.start <= end);
  return { run, tClick, tEnd: end, featStart, featEnd, tasks };
}


/** Top-1 accuracy of a stored evaluation (labels + row-major probabilities), or null without one. */
function accuracyOf(ev) {
  const n = ev ? ev.labels.length : 0;
  if (!n) return null;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const p = ev.probabilities.slice(i * ev.numClasses, (i + 1) * ev.numClasses);
    if (p.indexOf(Math.max(...p)) === ev.labels[i]) correct++;
  }
  return correct / n;
}

function summarise(run, timing, images, extra) {
  const hist = run.history;
  const epochSeconds = hist.reduce((a, h) => a + h.seconds, 0);
  const trainSeconds = (timing.tEnd - timing.tClick) / 1000;
  const setupSeconds = ((timing.featStart ?? timing.tEnd) - timing.tClick) / 1000;
  const featureSeconds = timing.featStart == null ? 0 : (timing.featEnd - timing.featStart) / 1000;
  // Tensor growth per epoch within each stage (a stage change legitimately adds optimizer slots).
  const growth = [1, 2].map((s) => hist.filter((h) => h.stage === s && h.tensors != null)).filter((h) => h.length > 1).map((h) => (h[h.length - 1].tensors - h[0].tensors) / (h.length - 1));
  const byId = new Map(images.map((i) => [i.id, i.name]));
  return {
    runName: run.name,
    status: run.status,
    backend: run.backend,
    backendReason: run.backendReason,
    epochs: hist.length,
    stages: [...new Set(hist.map((h) => h.stage))],
    trainImages: run.split.train.length,
    // Auto's pooled head: its val figure is out of fold over the training and validation images.
    valImages: run.evaluation?.labels.length ?? run.split.val.length,
    valOutOfFold: !!run.evaluation?.outOfFold,
    valAccuracy: accuracyOf(run.evaluation),
    // The held-out figure: images no training step and no choice (epoch, setting) ever saw.
    testImages: run.split.test?.length ?? 0,
    testAccuracy: accuracyOf(run.testEvaluation),
    lastEpochTestAccuracy: run.testLastEpoch?.accuracy ?? null,
    bestValAcc: run.bestValAcc,
    bestEpoch: run.bestEpoch,
    lastEpochValAcc: hist.at(-1)?.valAcc ?? null,
    phases: { setup: setupSeconds, features: featureSeconds, epochs: epochSeconds, finishing: Math.max(0, trainSeconds - setupSeconds - featureSeconds - epochSeconds) },
    trainSeconds,
    imagesPerSecond: hist.map((h) => h.imagesPerSecond),
    history: hist.map((h) => ({ epoch: h.epoch, stage: h.stage, trainLoss: h.trainLoss, valAcc: h.valAcc, seconds: h.seconds, imagesPerSecond: h.imagesPerSecond, tensors: h.tensors ?? null })),
    // Seconds after Start training at which each epoch ended (features first, then epochs).
    epochEnds: hist.map((_, i) => Math.min(trainSeconds, setupSeconds + featureSeconds + hist.slice(0, i + 1).reduce((a, h) => a + h.seconds, 0))),
    tensorGrowthPerEpoch: growth.length ? Math.max(...growth) : null,
    longTasks: timing.tasks.length,
    longestTaskMs: Math.round(Math.max(0, ...timing.tasks.map((t) => t.duration))),
    valNames: run.split.val.map((id) => byId.get(id)).filter(Boolean),
    testNames: (run.split.test ?? []).map((id) => byId.get(id)).filter(Boolean),
    study: run.study ? { k: run.study.k, tried: run.study.rows.length, skipped: run.study.skipped, seconds: run.study.elapsedMs / 1000, cvAccuracy: run.study.plan.cvAccuracy, cvSpread: run.study.plan.cvSpread, mode: run.study.plan.mode, reason: run.study.plan.reason, fitOn: run.study.fitOn ?? null } : null,
    ...extra,
  };
}

/**
 * One studio run in a fresh profile: import, backbone, settings, train. With `memoryRuns`, that
 * many more runs follow in the same page, with tensors and heap measured before and after.
 */
export async function runStudio(bench, opts, mode, log, memoryRuns = 0, seed = opts.seed) {
  const { page, context, errors } = await freshPage(bench);
  try {
    await page.evaluate(installTracker);
    await createProject(page, `Bench ${mode}`);
    const t0 = Date.now();
    // --model-first: the model is picked before the photos go in, so the worker computes their
    // features while they import (the Train step's "Features … are ready").
    const pickModel = async () => {
      await page.getByRole('link', { name: 'Train', exact: true }).click();
      // Every setting sits under the Train step's Advanced and Diagnostics disclosures.
      for (const id of ['advanced', 'diagnostics']) await page.getByTestId(id).evaluate((d) => { d.open = true; });
      const tb = Date.now();
      await page.getByLabel(/Or your own TF.js layers model/).fill(`${bench.url}bench-backbone/model.json`);
      // Use this model loads it straight away.
      await page.getByRole('button', { name: 'Use this model' }).click();
      await waitText(page.getByTestId('backbone-status'), /ready/, 180_000, 'the backbone to load');
      return seconds(Date.now() - tb);
    };
    let backboneSeconds = null;
    if (opts.modelFirst) {
      backboneSeconds = await pickModel();
      await page.getByRole('link', { name: 'Data', exact: true }).click();
    }
    const importTrain = await importFolder(page, opts.dataset, 'train');
    log(`  import ${opts.dataset}: ${importTrain.summary}`);
    let importVal = null;
    if (opts.val) {
      importVal = await importFolder(page, opts.val, 'val');
      log(`  import ${opts.val} as validation: ${importVal.summary}`);
    }
    let importTest = null;
    if (opts.test) {
      importTest = await importFolder(page, opts.test, 'test');
      log(`  import ${opts.test} as test: ${importTest.summary}`);
    }
    if (opts.modelFirst) {
      await page.getByRole('link', { name: 'Train', exact: true }).click();
      for (const id of ['advanced', 'diagnostics']) await page.getByTestId(id).evaluate((d) => { d.open = true; });
      // Features still being prepared are left to the run (it takes over at the next batch).
      const warmed = (await page.getByTestId('features-warmed').textContent().catch(() => null)) ?? 'no features prepared yet';
      log(`  at Start training: ${warmed}`);
    } else {
      backboneSeconds = await pickModel();
    }
    if (mode === 'finetune') {
      await page.getByLabel(/Fine-tune/).check();
      await page.getByLabel('Head warm-up epochs').fill(String(opts.epochs));
      if (opts.finetuneEpochs != null) await page.getByLabel('Fine-tune epochs').fill(String(opts.finetuneEpochs));
      if (opts.finetuneSchedule) await page.getByLabel('Fine-tune schedule').selectOption(opts.finetuneSchedule);
      if (opts.finetuneLr != null) await page.getByLabel('Fine-tune learning rate').fill(String(opts.finetuneLr));
      await page.getByLabel('Augment training images (seeded random transforms)').check();
    }
    if (mode === 'auto' && !opts.autoFinetune) await page.getByLabel(/May fine-tune the backbone/).uncheck();
    if (mode === 'auto' && opts.autoBudget != null) await page.getByLabel('Time to study settings (seconds)').fill(String(opts.autoBudget));
    if (opts.valFraction != null) await page.getByLabel('Validation share', { exact: true }).fill(String(opts.valFraction));
    if (opts.testFraction != null) await page.getByLabel('Test share', { exact: true }).fill(String(opts.testFraction));
    if (seed != null) await page.getByLabel('Seed', { exact: true }).fill(String(seed));
    const timing = await trainOnce(page, 0, mode);
    const { images } = await readDb(page);
    const wallSeconds = (Date.now() - t0) / 1000;
    const result = summarise(timing.run, timing, images, {
      mode,
      importSeconds: importTrain.seconds,
      importValSeconds: (importVal?.seconds ?? 0) + (importTest?.seconds ?? 0),
      importSummary: [importTrain.summary, importVal?.summary, importTest?.summary].filter(Boolean),
      seed,
      backboneSeconds,
    });
    // End to end: both imports, the backbone, and training (val features and evaluation included).
    result.endToEndSeconds = result.importSeconds + result.importValSeconds + backboneSeconds + result.trainSeconds;
    result.wallSeconds = wallSeconds;
    const testText = result.testAccuracy != null ? `test accuracy ${(result.testAccuracy * 100).toFixed(1)}% on ${result.testImages} images, ` : '';
    log(
      `  ${mode}${seed != null ? ` (seed ${seed})` : ''}: ${testText}${result.valOutOfFold ? 'out-of-fold' : 'val'} accuracy ${(result.valAccuracy * 100).toFixed(1)}% on ${result.valImages} images, ${result.epochs} epochs on ${result.backend}, ` +
        `end to end ${result.endToEndSeconds.toFixed(1)} s (import ${(result.importSeconds + result.importValSeconds).toFixed(1)} s, backbone ${backboneSeconds} s, train ${result.trainSeconds.toFixed(1)} s), longest main-thread task ${result.longestTaskMs} ms`,
    );

    if (opts.tta) {
      // The Check tab's "Score with test-time augmentation": the same images, 7 views each.
      const t = Date.now();
      const url = page.url().replace(/#.*/, '') + '#/p/' + encodeURIComponent(timing.run.projectId) + '/evaluate';
      await page.goto(url);
      const panel = page.getByTestId('tta-panel');
      await panel.getByRole('button', { name: 'Score with test-time augmentation' }).click();
      await panel.getByTestId('tta-validation').waitFor({ timeout: 600_000 });
      const { runs } = await readDb(page);
      const tta = runs[0].ttaEvaluation ?? {};
      result.tta = { valAccuracy: accuracyOf(tta.validation), testAccuracy: accuracyOf(tta.test), seconds: (Date.now() - t) / 1000 };
      await page.goto(url.replace(/\/evaluate$/, '/train'));
      await page.getByRole('button', { name: 'Start training', exact: true }).waitFor();
      log(`  with test-time augmentation: val ${pct(result.tta.valAccuracy)} (plain ${pct(result.valAccuracy)}), test ${pct(result.tta.testAccuracy)} (plain ${pct(result.testAccuracy)}), ${result.tta.seconds.toFixed(1)} s to score`);
    }

    let memory = null;
    if (memoryRuns > 0) {
      const before = { workerTensors: await workerTensors(page), ...(await pageHeap(page)) };
      const runs = [];
      for (let i = 0; i < memoryRuns; i++) {
        const t = await trainOnce(page, i + 1, 'frozen');
        const s = summarise(t.run, t, images, {});
        runs.push({ runName: s.runName, epochs: s.epochs, valAccuracy: s.valAccuracy, trainSeconds: s.trainSeconds, tensorGrowthPerEpoch: s.tensorGrowthPerEpoch, endTensors: s.history.at(-1)?.tensors ?? null, longestTaskMs: s.longestTaskMs, longTasks: s.longTasks });
        log(`  memory run ${i + 1}/${memoryRuns}: ${s.epochs} epochs, ${s.trainSeconds.toFixed(1)} s, worker tensors at the last epoch ${runs.at(-1).endTensors}, longest task ${s.longestTaskMs} ms`);
      }
      const after = { workerTensors: await workerTensors(page), ...(await pageHeap(page)) };
      memory = { runs, before, after, tensorDelta: before.workerTensors != null && after.workerTensors != null ? after.workerTensors - before.workerTensors : null, heapDeltaBytes: after.cdpUsedSize - before.cdpUsedSize };
      log(`  memory: worker tensors ${before.workerTensors} → ${after.workerTensors}, page heap ${(before.cdpUsedSize / 1e6).toFixed(1)} → ${(after.cdpUsedSize / 1e6).toFixed(1)} MB after ${memoryRuns} runs`);
    }
    if (mode === 'frozen' && opts.throttle > 1) {
      // The same frozen run again (its features now cached) with the page's CPU slowed down as
      // DevTools does, from the click on Start training to the run's end.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: opts.throttle });
      try {
        const t = await trainOnce(page, 1 + memoryRuns, 'frozen');
        const s = summarise(t.run, t, images, {});
        result.throttled = { rate: opts.throttle, longTasks: s.longTasks, longestTaskMs: s.longestTaskMs, trainSeconds: s.trainSeconds };
        log(`  frozen again, page CPU throttled ${opts.throttle}x: ${s.epochs} epochs, ${s.trainSeconds.toFixed(1)} s, longest main-thread task ${s.longestTaskMs} ms (${s.longTasks} long tasks; unthrottled ${result.longestTaskMs} ms)`);
      } finally {
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
        await cdp.detach();
      }
    }
    result.pageErrors = errors.filter((e) => !/favicon/.test(e));
    return { result, memory };
  } finally {
    await context.close();
  }
}
