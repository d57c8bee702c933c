// The newcomer's path through the real UI, on a 390×844 phone and a 1280×800 desktop: from an
// empty home page to an exported model file along the recommended path only, counting every click
// and input (at most 8). On every view (home, dataset, train before/during/after, runs, check,
// use, the demo page) and dialog the page must not scroll sideways, the view's primary action must
// sit within the first two screens, and axe must find nothing serious or critical. The kept
// model's headline figure must read the same on Train, Runs, Check and Use. Screenshots of every
// step go to e2e/.out/screenshots/newcomer-<width>-*.png.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { FIXTURES, SHARED, screenshot, startApp, type App } from './support/harness';
import { drawDataset } from './support/datasets';
import { seriousViolations } from './support/axe';

const CATALOG = 'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/';
const REAL_V2 = join(SHARED, 'backbones/mobilenet-v2-0.35-224-no-top');
let app: App;
let dir: string;
let dataset: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-newcomer-'));
  dataset = drawDataset(join(dir, 'colours'), ['red', 'blue'], 16);
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The default catalog backbone's public URL answered from local files (real weights when ../shared has them). */
async function routeCatalog(context: BrowserContext) {
  const from = existsSync(REAL_V2) ? REAL_V2 : join(FIXTURES, 'demo-models/fake-v2-035');
  await context.route(`${CATALOG}**`, (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop()!;
    const path = join(from, file);
    if (!existsSync(path)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, body: readFileSync(path), contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream', headers: { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' } });
  });
}

interface Check {
  view: string;
  scrollWidth: number;
  width: number;
  primaryBottom: number | null;
  height: number;
  axe: string[];
}

/** Layout and accessibility of the view as it stands: sideways scroll, where its primary action sits, axe. */
async function inspect(page: Page, width: number, view: string, primary: Locator | null, checks: Check[], step: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  const { scrollWidth, height } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, height: window.innerHeight }));
  let primaryBottom: number | null = null;
  if (primary) {
    await primary.waitFor({ timeout: 120_000 });
    const box = await primary.evaluate((e) => {
      const r = e.getBoundingClientRect();
      return { bottom: r.bottom + window.scrollY };
    });
    primaryBottom = box.bottom;
  }
  const axe = await seriousViolations(page);
  checks.push({ view, scrollWidth, width, primaryBottom, height, axe });
  await screenshot(page, `newcomer-${width}-${step}`);
}

async function headlineOn(scope: Locator): Promise<string> {
  const h = scope.getByTestId('headline-figure').first();
  await h.waitFor({ timeout: 120_000 });
  return (await h.textContent())!.trim();
}

for (const [width, height] of [
  [390, 844],
  [1280, 800],
] as const) {
  describe(`newcomer at ${width}×${height}`, () => {
    it('goes from an empty home to an exported model in at most 8 actions, with one headline figure and a layout that fits', async () => {
      const context = await app.browser.newContext({ viewport: { width, height }, acceptDownloads: true });
      await routeCatalog(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      const checks: Check[] = [];
      let clicks = 0;
      let inputs = 0;
      const click = async (l: Locator) => {
        clicks++;
        await l.click();
      };

      await page.goto(app.url);
      const create = page.getByRole('button', { name: 'Create your first project' });
      await inspect(page, width, 'home', create, checks, '01-home');
      await click(create);
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Project name').waitFor();
      await inspect(page, width, 'new-project dialog', dialog.getByRole('button', { name: 'Create project' }), checks, '02-new-project');
      inputs++;
      await dialog.getByLabel('Project name').fill('Colours');
      await dialog.getByLabel('Project name').press('Enter');
      await page.waitForURL(/#\/p\//);
      const projectUrl = page.url();

      const choose = page.getByRole('button', { name: 'Choose a folder…' });
      await inspect(page, width, 'dataset (empty)', choose, checks, '03-dataset-empty');
      const chooser = page.waitForEvent('filechooser');
      await click(choose);
      inputs++;
      await (await chooser).setFiles(dataset);
      await page.getByTestId('import-report').waitFor({ timeout: 120_000 });
      await page.getByTestId('import-progress').waitFor({ state: 'detached', timeout: 120_000 });
      const toTrain = page.getByRole('link', { name: 'Train a model →' });
      await inspect(page, width, 'dataset (imported)', toTrain, checks, '04-dataset');

      await click(toTrain);
      const start = page.getByRole('button', { name: 'Start training' });
      await page.getByTestId('plan-sentence').filter({ hasText: '32 images in 2 classes' }).waitFor();
      await inspect(page, width, 'train (before)', start, checks, '05-train-before');
      await click(start);
      const live = page.getByTestId('live-panel');
      await live.waitFor();
      // While it trains: no result yet, the Stop button is the view's action.
      expect(await live.getByTestId('live-result').count()).toBe(0);
      await inspect(page, width, 'train (during)', live.getByRole('button', { name: 'Stop' }), checks, '06-train-during');
      await page.getByRole('heading', { name: 'Training finished' }).waitFor({ timeout: 300_000 });
      const onTrain = await headlineOn(live);
      expect(onTrain).toMatch(/^\d+ of \d+ right \(\d+%, likely \d+–\d+%\)$/);
      const tryIt = live.getByRole('link', { name: 'Try it' });
      await inspect(page, width, 'train (after)', tryIt, checks, '07-train-after');

      await click(tryIt);
      const exportButton = page.getByRole('button', { name: 'Export TF.js model (.zip)' });
      await exportButton.waitFor();
      const onUse = await headlineOn(page.locator('.deploy-head'));
      await inspect(page, width, 'use', exportButton, checks, '08-use');
      const download = page.waitForEvent('download');
      await click(exportButton);
      const file = join(dir, `export-${width}.zip`);
      await (await download).saveAs(file);
      await page.getByTestId('export-guide').waitFor();
      await inspect(page, width, 'use (exported)', page.getByTestId('export-guide'), checks, '09-exported');

      // The recommended path is done: count it before looking around.
      console.log(`[newcomer ${width}] ${clicks} clicks + ${inputs} inputs; headline "${onTrain}"`);
      expect(clicks + inputs).toBeLessThanOrEqual(8);
      const zip = unzipSync(new Uint8Array(readFileSync(file)));
      expect(Object.keys(zip)).toEqual(expect.arrayContaining(['model.json', 'metadata.json']));
      expect(statSync(file).size).toBeGreaterThan(1000);

      // The same figure everywhere.
      await page.getByRole('link', { name: 'Runs', exact: true }).click();
      const onRuns = await headlineOn(page.getByTestId('runs-table'));
      await inspect(page, width, 'runs', page.getByRole('button', { name: 'Run 1', exact: true }), checks, '10-runs');
      await page.getByRole('link', { name: 'Check', exact: true }).click();
      const onCheck = await headlineOn(page.locator('.eval-plain'));
      await inspect(page, width, 'check', page.getByTestId('eval-sentence'), checks, '11-check');
      await page.getByTestId('eval-details').locator('summary').click();
      await page.getByTestId('roc-chart').locator('svg').first().waitFor();
      await inspect(page, width, 'check (details)', null, checks, '12-check-details');
      expect([onRuns, onCheck, onUse]).toEqual([onTrain, onTrain, onTrain]);

      // Dialogs: Grad-CAM over a photo, the project settings, deleting a run.
      await page.getByTestId('confusion-matrix').locator('button.cm-cell:not([disabled])').first().click();
      await page.getByTestId('cell-gallery').getByRole('button', { name: /Grad-CAM for/ }).first().click();
      await page.getByTestId('gradcam-summary').waitFor({ timeout: 60_000 });
      await inspect(page, width, 'grad-cam dialog', null, checks, '13-gradcam');
      await page.keyboard.press('Escape');
      await page.goto(projectUrl);
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByRole('dialog').waitFor();
      await inspect(page, width, 'settings dialog', null, checks, '14-settings');
      await page.keyboard.press('Escape');
      await page.getByRole('link', { name: 'Runs', exact: true }).click();
      await page.getByRole('button', { name: 'Delete Run 1' }).click();
      await page.getByRole('dialog').waitFor();
      await inspect(page, width, 'delete-run dialog', null, checks, '15-delete-run');
      await page.keyboard.press('Escape');

      // The share: the serverless link opens the demo page, titled with the project's name.
      await page.getByRole('link', { name: 'Use', exact: true }).click();
      await page.getByRole('button', { name: 'Make link' }).click();
      const link = await page.getByTestId('share-link').inputValue();
      await inspect(page, width, 'use (link made)', page.getByTestId('share-link'), checks, '16-share');
      const viewer = await context.newPage();
      await viewer.goto(link);
      await viewer.getByTestId('demo-title').filter({ hasText: 'Colours' }).waitFor({ timeout: 120_000 });
      expect(await viewer.getByTestId('demo-labels').textContent()).toMatch(/red.*blue|blue.*red/);
      await inspect(viewer, width, 'demo page', viewer.getByRole('button', { name: 'Choose images' }).and(viewer.locator('.demo-btn-primary')), checks, '17-demo');

      for (const c of checks) {
        expect(c.scrollWidth, `${c.view}: page scrolls sideways at ${c.width} px`).toBeLessThanOrEqual(c.width);
        if (c.primaryBottom != null) expect(c.primaryBottom, `${c.view}: primary action below the second screen`).toBeLessThanOrEqual(2 * c.height);
        expect(c.axe, `${c.view}: axe`).toEqual([]);
      }
      expect(errors).toEqual([]);
      await context.close();
    }, 600_000);
  });
}
