// Run controls and model management through the UI: pause, resume and stop a run; import a model
// folder (validated, stored for offline use, trainable), reject a broken model with its reason,
// and delete a stored model.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { FIXTURES, createProject, idbAll, newPage, startApp, waitForImport, type App, startManualRun, openAdvanced } from './support/harness';
import { drawDataset } from './support/datasets';

let app: App;
let dir: string;
let dataset: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-controls-'));
  dataset = drawDataset(join(dir, 'colours'), ['red', 'blue'], 10);
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(page: Page, name: string) {
  await createProject(page, name);
  await page.getByTestId('folder-input').setInputFiles(dataset);
  await waitForImport(page);
  await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
  await page.getByRole('heading', { name: 'Backbone' }).waitFor();
}

const epochShown = async (page: Page) => Number((await page.getByTestId('live-epoch').textContent())!.split('/')[0]);
const runStatus = async (page: Page) => (await idbAll<{ status: string }>(page, 'runs')).map((r) => r.status);

describe('training controls and models', () => {
  it('pauses, resumes and stops a run', async () => {
    const { page, context } = await newPage(app);
    await setup(page, 'Controls');
    await page.getByLabel(/Or your own TF.js layers model/).fill(`${app.url}fixtures/tiny-backbone/model.json`);
    await page.getByRole('button', { name: 'Use this model' }).click();
    await page.getByLabel(/Fine-tune/).check();
    await page.getByLabel('Head warm-up epochs').fill('1');
    await page.getByLabel('Fine-tune epochs').fill('200');
    await page.getByLabel('Batch size', { exact: true }).fill('2');
    await page.getByLabel('Early stopping').uncheck();
    await startManualRun(page);
    await expect.poll(() => epochShown(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('heading', { name: 'Paused' }).waitFor();
    // The batch in flight when Pause was pressed finishes; after that nothing moves.
    const position = async () => `${await page.getByTestId('live-epoch').textContent()} ${await page.getByText(/^\d+ \/ \d+$/).nth(1).textContent()}`;
    await page.waitForTimeout(800);
    const paused = await position();
    await page.waitForTimeout(1500);
    expect(await position()).toBe(paused);
    const at = await epochShown(page);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => epochShown(page), { timeout: 60_000 }).toBeGreaterThan(at);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('heading', { name: 'Training stopped' }).waitFor({ timeout: 60_000 });
    await expect.poll(() => runStatus(page)).toEqual(['stopped']);
    await context.close();
  });

  it('imports a model folder, trains with it, rejects a broken model, and deletes the stored copy', async () => {
    const { page, context } = await newPage(app);
    await setup(page, 'Own model');
    // A broken copy: the weights file is cut short.
    const broken = join(dir, 'broken.zip');
    const tiny = join(FIXTURES, 'tiny-backbone');
    const weights = readFileSync(join(tiny, 'tiny.weights.bin'));
    writeFileSync(broken, zipSync({ 'model.json': readFileSync(join(tiny, 'model.json')), 'tiny.weights.bin': weights.subarray(0, weights.length - 100) }));
    await page.getByTestId('model-zip-input').setInputFiles(broken);
    await page.getByRole('alert').filter({ hasText: /Model not imported: broken: weight group 0 .* has \d+ bytes but its weights need \d+/ }).waitFor();
    await expect.poll(() => page.getByTestId('cached-backbones').count()).toBe(0);

    await page.getByTestId('model-folder-input').setInputFiles(tiny);
    await page.getByTestId('cached-backbones').getByText('tiny-backbone').waitFor();
    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await startManualRun(page);
    await page.getByRole('heading', { name: /Training finished|Stopped early/ }).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: 'Delete stored tiny-backbone' }).click();
    await expect.poll(() => page.getByTestId('cached-backbones').count()).toBe(0);
    await context.close();
  });
});
