// Features kept across runs, in the browser with real IndexedDB and real tfjs: a second run on
// the same images reads every feature view from the feature store (the run's log says so, and
// it computes none where the first computed them all), and a fine-tune run logs its boundary cache.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createProject, idbAll, idbCounts, newPage, openAdvanced, screenshot, startApp, type App, startManualRun, importAndPickModel, waitForImport } from './support/harness';
import { drawDataset } from './support/datasets';

let app: App;
let dir: string;
let dataset: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-features-'));
  dataset = drawDataset(join(dir, 'colours'), ['red', 'blue'], 10);
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Run = { status: string; createdAt: number; log?: string[]; name: string };
const runs = async (page: Page) => (await idbAll<Run>(page, 'runs')).sort((a, b) => a.createdAt - b.createdAt);
const doneCount = async (page: Page) => (await runs(page)).filter((r) => r.status === 'done').length;
const featureLine = (r: Run) => (r.log ?? []).find((l) => l.startsWith('Features:')) ?? '';
/** Image views the run computed with the backbone, read from its log line. */
function computed(r: Run): { computed: number; total: number } {
  const line = featureLine(r);
  const all = /^Features: all (\d+) image views computed/.exec(line);
  if (all) return { computed: Number(all[1]), total: Number(all[1]) };
  const some = /^Features: (\d+) of (\d+) image views read from the feature cache.*; (\d+) computed\.$/.exec(line);
  if (!some) throw new Error(`no features line in the run's log: ${JSON.stringify(r.log)}`);
  return { computed: Number(some[3]), total: Number(some[2]) };
}

async function train(page: Page) {
  const before = await doneCount(page);
  await startManualRun(page);
  await expect.poll(() => doneCount(page), { timeout: 180_000 }).toBe(before + 1);
}

describe('feature cache', () => {
  it('a second run on the same images reads its features from the store; fine-tuning logs its boundary cache', async () => {
    const { page, context, errors } = await newPage(app);
    const id = await createProject(page, 'Feature cache');
    await importAndPickModel(page, dataset, `${app.url}fixtures/tiny-backbone/model.json`);
    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await page.getByLabel('Augment training images (seeded random transforms)').check();
    await page.getByLabel('Horizontal flip').check();

    await train(page);
    const [first] = await runs(page);
    const one = computed(first);
    expect(one.total).toBeGreaterThan(20); // 20 images, augmented views included
    expect(one.computed).toBe(one.total);
    const [stored] = await idbCounts(page, ['features']);
    expect(stored).toBe(one.total);

    await train(page);
    const second = (await runs(page))[1];
    const two = computed(second);
    expect(two.total).toBe(one.total);
    expect(two.computed).toBeLessThanOrEqual(one.computed / 4);
    expect(two.computed).toBe(0);
    expect(await idbCounts(page, ['features'])).toEqual([stored]);

    await page.getByLabel(/Fine-tune/).check();
    await page.getByLabel('Head warm-up epochs').fill('1');
    await page.getByLabel('Fine-tune epochs').fill('2');
    await train(page);
    const third = (await runs(page))[2];
    expect(computed(third).computed).toBe(0);
    expect(third.log!.join('\n')).toMatch(/Boundary cache: \d+ training images × 4 views \+ \d+ validation images at \S+ \(\d+×\d+×\d+\), [\d.]+ MB of 512 MB budget/);

    await page.goto(`${app.url}#/p/${encodeURIComponent(id)}/runs`);
    await page.getByRole('button', { name: 'Run 3', exact: true }).click();
    const log = page.getByTestId('run-log');
    await log.waitFor();
    // A fine-tune run builds its boundary cache before the head's features: those all come from
    // the store here, so none is derived from the boundary.
    expect(await log.textContent()).toMatch(/Boundary cache.*read from the feature cache/s);
    expect(await log.textContent()).not.toMatch(/came from the boundary cache/);
    // The details' charts mount one after another: the last (learning rate) before the picture.
    await page.getByTestId('run-details').getByTestId('lr-chart').locator('path.recharts-curve').first().waitFor();
    await screenshot(page, '11-run-log');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '11-run-log-390');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('with the model already loaded, features are computed while the photos import, and the run reads them all', async () => {
    const { page, context, errors } = await newPage(app);
    await createProject(page, 'Features while importing');
    await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
    await page.getByLabel(/Or your own TF.js layers model/).fill(`${app.url}fixtures/tiny-backbone/model.json`);
    await page.getByRole('button', { name: 'Use this model' }).click();
    await expect.poll(() => page.getByTestId('backbone-status').textContent(), { timeout: 60_000 }).toMatch(/ready/);

    await page.getByRole('link', { name: 'Data', exact: true }).click();
    await page.getByTestId('folder-input').setInputFiles(dataset);
    await waitForImport(page);
    await page.getByRole('link', { name: 'Train', exact: true }).click();
    const warmed = page.getByTestId('features-warmed');
    await expect.poll(() => warmed.textContent(), { timeout: 60_000 }).toMatch(/Features of 20 of the 20 images are ready/);
    // Kept under the keys a run uses: one plain view per image.
    expect(await idbCounts(page, ['features'])).toEqual([20]);
    await screenshot(page, '11-features-warmed');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '11-features-warmed-390');
    await page.setViewportSize({ width: 1280, height: 860 });

    await openAdvanced(page);
    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await train(page);
    const [run] = await runs(page);
    expect(computed(run)).toEqual({ computed: 0, total: 20 });
    expect(featureLine(run)).toMatch(/^Features: 20 of 20 image views read from the feature cache/);
    expect(await idbCounts(page, ['features'])).toEqual([20]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
