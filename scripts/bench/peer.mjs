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
 * The peer's training and validation images. With a validation folder: all of the dataset, and
 * that folder. Without: the studio's own split (its validation images by name), or when the
 * studio did not run, a seeded 15% per class.
 */
export function peerImages(opts, studioValNames) {
  const labels = opts.classes.map((c) => c.name);
  const train = [];
  const val = [];
  if (opts.val) {
    opts.classes.forEach((c, label) => c.files.forEach((f) => train.push({ url: urlFor('/bench-data/', f), label })));
    for (const c of opts.valClasses) {
      const label = labels.indexOf(c.name);
      if (label < 0) continue;
      c.files.forEach((f) => val.push({ url: urlFor('/bench-val/', f), label }));
    }
    return { labels, train, val, split: 'validation folder' };
  }
  const inVal = (rel) => studioValNames?.some((n) => n === rel || n.endsWith(`/${rel}`));
  let s = 42;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  opts.classes.forEach((c, label) =>
    c.files.forEach((f, i) => {
      const isVal = studioValNames ? inVal(f) : rand() < 0.15 || i === 0;
      (isVal ? val : train).push({ url: urlFor('/bench-data/', f), label });
    }),
  );
  return { labels, train, val, split: studioValNames ? "the studio's split" : 'seeded 15% per class (the studio did not run)' };
}

export async function runPeer(bench, opts, backend, images, log) {
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
    });
    r.modelRequests = requested;
    r.split = images.split;
    r.params = TM_PARAMS;
    r.pageErrors = errors;
    log(
      `  Teachable Machine on ${r.backend}${backend ? '' : ' (tfjs default)'}: val accuracy ${(r.valAccuracy * 100).toFixed(1)}% on ${r.valImages} images, ` +
        `${r.totalSeconds.toFixed(1)} s (load ${r.loadSeconds.toFixed(1)}, decode ${r.decodeSeconds.toFixed(1)}, addExample ${r.addExampleSeconds.toFixed(1)}, train ${r.trainSeconds.toFixed(1)}, predict ${r.predictSeconds.toFixed(1)}), longest main-thread task ${r.longestTaskMs} ms`,
    );
    return r;
  } finally {
    await context.close();
  }
}
