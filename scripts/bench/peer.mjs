// Section 3, the peer: Teachable Machine's library in the same browser, on the same images and
// the same MobileNet weights. Its requests for the base model on storage.googleapis.com are
// answered from the local backbone folder, so nothing leaves the machine.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { freshPage } from './browser.mjs';

/** Teachable Machine's training defaults (the site's "Advanced" panel). */
export const TM_PARAMS = { epochs: 50, batchSize: 16, learningRate: 0.001, denseUnits: 100 };

const urlFor = (prefix, rel) => prefix + rel.split('/').map(encodeURIComponent).join('/');

/**
 * The peer's training images and the images it is scored on, always those the studio's headline
 * figure comes from:
 * - a test folder (--test): trained on the dataset and the validation folder, scored on the test folder;
 * - a test share (--test-fraction): scored on the studio's test images (by name), trained on the rest;
 * - a validation folder: trained on the dataset, scored on that folder;
 * - otherwise the studio's validation images by name (or, when the studio did not run, a seeded 15% per class).
 * The library holds out its own 15% of what it is given to train on, as on its site.
 */
export function peerImages(opts, studio) {
  const labels = opts.classes.map((c) => c.name);
  const train = [];
  const val = [];
  const add = (list, prefix, classes) => {
    for (const c of classes) {
      const label = labels.indexOf(c.name);
      if (label >= 0) c.files.forEach((f) => list.push({ url: urlFor(prefix, f), label }));
    }
  };
  if (opts.test) {
    add(train, '/bench-data/', opts.classes);
    if (opts.val) add(train, '/bench-val/', opts.valClasses);
    add(val, '/bench-test/', opts.testClasses);
    return { labels, train, val, split: 'the test folder', scoredOn: 'test' };
  }
  const named = (names) => (rel) => names.some((n) => n === rel || n.endsWith(`/${rel}`));
  if (opts.testFraction != null && studio?.testNames?.length) {
    const isTest = named(studio.testNames);
    opts.classes.forEach((c, label) => c.files.forEach((f) => (isTest(f) ? val : train).push({ url: urlFor('/bench-data/', f), label })));
    if (opts.val) add(train, '/bench-val/', opts.valClasses);
    return { labels, train, val, split: "the studio's test share", scoredOn: 'test' };
  }
  if (opts.val) {
    add(train, '/bench-data/', opts.classes);
    add(val, '/bench-val/', opts.valClasses);
    return { labels, train, val, split: 'validation folder', scoredOn: 'validation' };
  }
  const studioValNames = studio?.valNames ?? null;
  const inVal = studioValNames ? named(studioValNames) : null;
  let s = 42;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  opts.classes.forEach((c, label) =>
    c.files.forEach((f, i) => {
      const isVal = inVal ? inVal(f) : rand() < 0.15 || i === 0;
      (isVal ? val : train).push({ url: urlFor('/bench-data/', f), label });
    }),
  );
  return { labels, train, val, split: inVal ? "the studio's split" : 'seeded 15% per class (the studio did not run)', scoredOn: 'validation' };
}

export async function runPeer(bench, opts, backend, images, log, seed = null) {
  const { page, context, errors } = await freshPage(bench, 'bench-page/peer.html');
  const requested = [];
  await context.route('https://storage.googleapis.com/**', (route) => {
    const url = route.request().url();
    requested.push(url);
    const name = basename(new URL(url).pathname);
    const type = name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    let body;
    try {
      body = readFileSync(join(opts.backbone.dir, name));
    } catch {
      return route.fulfill({ status: 404, body: 'not in the local backbone folder' });
    }
    return route.fulfill({ status: 200, body, headers: { 'Content-Type': type, 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' } });
  });
  try {
    await page.waitForFunction(() => window.tmImage && window.tf && window.runPeer);
    await page.evaluate(() => tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
    const r = await page.evaluate((args) => window.runPeer(args), {
      backend,
      modelOptions: opts.backbone.tmOptions,
      labels: images.labels,
      train: images.train,
      val: images.val,
      params: TM_PARAMS,
      seed,
    });
    r.modelRequests = requested;
    r.split = images.split;
    r.scoredOn = images.scoredOn;
    r.seed = seed;
    r.params = TM_PARAMS;
    r.pageErrors = errors;
    log(
      `  Teachable Machine on ${r.backend}${backend ? '' : ' (tfjs default)'}${seed != null ? ` (seed ${seed})` : ''}: ${images.scoredOn} accuracy ${(r.valAccuracy * 100).toFixed(1)}% on ${r.valImages} images, ` +
        `${r.totalSeconds.toFixed(1)} s (load ${r.loadSeconds.toFixed(1)}, decode ${r.decodeSeconds.toFixed(1)}, addExample ${r.addExampleSeconds.toFixed(1)}, train ${r.trainSeconds.toFixed(1)}, predict ${r.predictSeconds.toFixed(1)}), longest main-thread task ${r.longestTaskMs} ms`,
    );
    return r;
  } finally {
    await context.close();
  }
}
