// The Runs tab: two runs listed with their results, compared side by side (config differences,
// overlaid curves), details with charts, and a new run started from an earlier run's weights.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createProject, idbAll, newPage, screenshot, startApp, waitForImport, type App, startManualRun, openAdvanced } from './support/harness';
import { drawDataset } from './support/datasets';

let app: App;
let dir: string;
let dataset: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-runs-'));
  dataset = drawDataset(join(dir, 'colours'), ['red', 'blue'], 10);
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const runCount = async (page: Page) => {
  const runs = await idbAll<{ status: string; parentRunId: string | null }>(page, 'runs');
  return { done: runs.filter((r) => r.status === 'done').length, total: runs.length, children: runs.filter((r) => r.parentRunId).length };
};

describe('runs', () => {
  it('lists, compares and continues runs', async () => {
    const { page, context, errors } = await newPage(app);
    const id = await createProject(page, 'Runs');
    await page.getByTestId('folder-input').setInputFiles(dataset);
    await waitForImport(page);
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('runs-empty').waitFor();

    await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
    await page.getByLabel(/Or your own TF.js layers model/).fill(`${app.url}fixtures/tiny-backbone/model.json`);
    await page.getByRole('button', { name: 'Use this model' }).click();
    await page.getByLabel('Epochs', { exact: true }).fill('3');
    for (const lr of ['0.01', '0.001']) {
      await page.getByLabel('Learning rate', { exact: true }).fill(lr);
      const before = (await runCount(page)).done;
      await startManualRun(page);
      await expect.poll(async () => (await runCount(page)).done, { timeout: 120_000 }).toBe(before + 1);
    }

    await page.goto(`${app.url}#/p/${encodeURIComponent(id)}/runs`);
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(2);
    await page.getByRole('checkbox', { name: 'Compare Run 1' }).check();
    await page.getByRole('checkbox', { name: 'Compare Run 2' }).check();
    const compare = page.getByTestId('compare-table');
    await compare.waitFor();
    const text = (await compare.textContent())!;
    expect(text).toMatch(/0\.01/);
    expect(text).toMatch(/1e-3|0\.001/);
    await page.getByTestId('overlay-chart').first().locator('svg').first().waitFor();
    await page.getByRole('button', { name: 'Run 1', exact: true }).click();
    await page.getByTestId('run-details').getByTestId('epoch-charts').locator('svg').first().waitFor();
    await screenshot(page, '08-runs-compare');

    await page.getByRole('button', { name: 'New run from these weights (Run 1)' }).click();
    await expect.poll(async () => (await runCount(page)).children, { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => (await runCount(page)).done, { timeout: 120_000 }).toBe(3);
    expect(errors).toEqual([]);
    await context.close();
  });
});
