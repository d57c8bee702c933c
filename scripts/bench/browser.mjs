// The browser side of the bench: one headless Chromium launched like the browser tests do
// (e2e/support/harness.ts), the built app served by scripts/serve.mjs with the bench's folders
// mounted beside it, and small helpers shared by the sections.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../serve.mjs';
import { ROOT } from './options.mjs';

/** Same flags as e2e/support/harness.ts (WebGPU included). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless=new',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined;
}

/**
 * Serves dist/ plus: /bench-page/ (the blank pages of scripts/bench/page), /node_modules/ (the
 * peer's UMD bundles), /bench-backbone/, /bench-data/, /bench-val/ and /bench-test/.
 */
export async function startBench(opts) {
  if (!existsSync(join(ROOT, 'dist/index.html'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  const routes = {
    '/bench-page/': join(ROOT, 'scripts/bench/page'),
    '/node_modules/': join(ROOT, 'node_modules'),
    '/bench-backbone/': opts.backbone.dir,
    '/bench-data/': opts.dataset,
  };
  if (opts.val) routes['/bench-val/'] = opts.val;
  if (opts.test) routes['/bench-test/'] = opts.test;
  const server = await startServer({ root: join(ROOT, 'dist'), port: 0, routes });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const worker = readdirSync(join(ROOT, 'dist/assets')).find((f) => /^training\.worker-.*\.js$/.test(f));
  if (!worker) throw new Error('dist/assets has no training.worker-*.js');
  return {
    browser,
    url: server.url,
    workerUrl: `/assets/${worker}`,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** A fresh profile (empty IndexedDB); page errors are collected, not thrown. */
export async function freshPage(bench, path = '') {
  const context = await bench.browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // A failed fetch is reported by URL below (the console line does not name it).
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !/favicon/.test(r.url())) errors.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(bench.url + path);
  return { context, page, errors };
}

/** Full garbage collection in the page, then its JS heap: performance.memory and the exact CDP figure. */
export async function pageHeap(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  const perf = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
  return { usedJSHeapSize: perf, cdpUsedSize: usedSize };
}

/** The live tensor count of a worker's tfjs (tfjs keeps its engine on the global as `_tfengine`). */
export async function workerTensors(page, match = /training\.worker/) {
  const w = page.workers().find((x) => match.test(x.url()));
  if (!w) return null;
  return w.evaluate(() => globalThis._tfengine?.state?.numTensors ?? null).catch(() => null);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function seconds(ms) {
  return Math.round(ms / 100) / 10;
}

/** What the built app's training worker has registered (tfjs keeps its engine on the global). */
export async function workerEnvironment(bench) {
  const { page, context } = await freshPage(bench, 'bench-page/blank.html');
  try {
    await page.evaluate((url) => {
      window.__envWorker = new Worker(url, { type: 'module' });
    }, bench.workerUrl);
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const w = page.workers().find((x) => x.url().includes('training.worker'));
      const keys = w ? await w.evaluate(() => (globalThis._tfengine ? Object.keys(globalThis._tfengine.registryFactory) : null)).catch(() => null) : null;
      if (keys) {
        const nav = await page.evaluate(() => ({ hardwareConcurrency: navigator.hardwareConcurrency, userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated }));
        return { registeredBackends: keys, ...nav };
      }
      await sleep(200);
    }
    return { registeredBackends: null, note: 'the training worker did not expose tfjs within 30 s' };
  } finally {
    await context.close();
  }
}
