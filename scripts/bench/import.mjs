// Section 0, import speed: the dataset's folders (training, then validation and test when the
// bench has them) go into a fresh project through the real Import folder button, a few times, and
// the section prints images per second. Timed in the page, from the import's progress panel
// appearing to its report (Playwright's own file hand-over is not counted). With
// `--import-baseline DIR` (a checkout of another version with its dist/ built), the same imports
// run on that build too, interleaved with this one so machine load hits both alike, and the
// section prints the ratio.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { startServer } from '../serve.mjs';
import { ROOT } from './options.mjs';

const REPEATS = 3;
const IMPORT_TIMEOUT = 600_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One fresh profile: create a project, import each folder, return images and page-timed seconds. */
async function importOnce(browser, url, folders) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.getByRole('button', { name: /New project|Create your first project/ }).first().click();
    await page.getByLabel('Project name').fill('import bench');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/#\/p\//);
    let images = 0;
    let ms = 0;
    for (const { dir, role } of folders) {
      if (await page.getByRole('button', { name: 'Dismiss' }).count()) await page.getByRole('button', { name: 'Dismiss' }).click();
      await page.getByLabel('Import as validation images').setChecked(role === 'val');
      await page.getByLabel('Import as test images').setChecked(role === 'test');
      await page.evaluate(() => {
        const w = window;
        w.__importStart = null;
        w.__importEnd = null;
        const mo = new MutationObserver(() => {
          const now = performance.now();
          if (w.__importStart == null && document.querySelector('[data-testid=import-progress]')) w.__importStart = now;
          if (w.__importStart != null && !document.querySelector('[data-testid=import-progress]') && document.querySelector('[data-testid=import-report]')) {
            w.__importEnd = now;
            mo.disconnect();
          }
        });
        mo.observe(document.body, { subtree: true, childList: true });
      });
      await page.getByTestId('folder-input').setInputFiles(dir);
      await page.waitForFunction(() => window.__importEnd != null, null, { timeout: IMPORT_TIMEOUT, polling: 100 });
      ms += await page.evaluate(() => window.__importEnd - window.__importStart);
      const summary = (await page.getByTestId('report-summary').textContent()) ?? '';
      images += Number(/(\d[\d,]*) images? imported/.exec(summary)?.[1].replace(/,/g, '') ?? 0);
    }
    return { images, seconds: ms / 1000 };
  } finally {
    await context.close();
  }
}

export async function runImportBench(bench, opts, log) {
  const folders = [{ dir: opts.dataset, role: 'train' }];
  if (opts.val) folders.push({ dir: opts.val, role: 'val' });
  if (opts.test) folders.push({ dir: opts.test, role: 'test' });
  const builds = [{ label: 'this build', url: bench.url }];
  let baselineServer = null;
  if (opts.importBaseline) {
    const dir = resolve(opts.importBaseline);
    if (!existsSync(join(dir, 'dist/index.html'))) throw new Error(`--import-baseline ${opts.importBaseline}: no dist/index.html there (build that checkout first)`);
    baselineServer = await startServer({ root: join(dir, 'dist'), port: 0 });
    builds.unshift({ label: `baseline (${relative(ROOT, dir) || dir})`, url: baselineServer.url });
  }
  try {
    const runs = new Map(builds.map((b) => [b.label, []]));
    for (let i = 0; i < REPEATS; i++) {
      for (const b of builds) {
        const r = await importOnce(bench.browser, b.url, folders);
        runs.get(b.label).push(r);
        log(`  ${b.label}, import ${i + 1} of ${REPEATS}: ${r.images} images in ${r.seconds.toFixed(2)} s (${(r.images / r.seconds).toFixed(1)} img/s)`);
      }
    }
    const result = builds.map((b) => {
      const rs = runs.get(b.label);
      const rates = rs.map((r) => r.images / r.seconds);
      return { label: b.label, images: rs[0].images, seconds: rs.map((r) => r.seconds), imagesPerSecond: median(rates) };
    });
    for (const r of result) log(`  ${r.label}: median ${r.imagesPerSecond.toFixed(1)} img/s (${r.images} images; ${r.seconds.map((s) => s.toFixed(2)).join(', ')} s)`);
    const ratio = result.length === 2 ? result[1].imagesPerSecond / result[0].imagesPerSecond : null;
    if (ratio != null) log(`  import speed: ${ratio.toFixed(2)}× the baseline's images per second (target ≥ 2×)`);
    return { builds: result, ratio };
  } finally {
    await baselineServer?.close();
  }
}
