// The real MobileNetV2 0.35 (from ../shared, served locally) fine-tuned through the UI on the
// ants/bees photos: train on its train split, validate on its val split (imported as validation
// images), and reach more than 85% validation accuracy. Skips, saying why, without ../shared.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SHARED, createProject, idbAll, newPage, screenshot, startApp, waitForImport, type App, startManualRun, openAdvanced } from './support/harness';

const BACKBONE = join(SHARED, 'backbones/mobilenet-v2-0.35-224-no-top/model.json');
const DATA = join(SHARED, 'datasets/hymenoptera');
const present = existsSync(BACKBONE) && existsSync(join(DATA, 'train')) && existsSync(join(DATA, 'val'));
if (!present) console.log(`[real-backbone] skipped: ${SHARED} with the MobileNetV2 weights and the hymenoptera photos is not on this machine`);

let app: App;
beforeAll(async () => {
  if (present) app = await startApp({ '/shared-backbones/': join(SHARED, 'backbones') });
});
afterAll(async () => app?.close());

const bestValAcc = async (page: Page) =>
  (await idbAll<{ status: string; bestValAcc: number | null; history: { valAcc: number | null }[] }>(page, 'runs'))[0];

describe.skipIf(!present)('real MobileNetV2 on ants/bees', () => {
  it('fine-tunes with augmentation and validates above 85% on the val split', async () => {
    const { page, context } = await newPage(app);
    await createProject(page, 'Ants and bees');
    await page.getByTestId('folder-input').setInputFiles(join(DATA, 'train'));
    await waitForImport(page, 300_000);
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByLabel('Import as validation images').check();
    await page.getByTestId('folder-input').setInputFiles(join(DATA, 'val'));
    await waitForImport(page, 300_000);
    await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
    await page.getByLabel(/Or your own TF.js layers model/).fill(`${app.url}shared-backbones/mobilenet-v2-0.35-224-no-top/model.json`);
    await page.getByRole('button', { name: 'Use this model' }).click();
    await page.getByLabel(/Fine-tune/).check();
    await page.getByLabel('Head warm-up epochs').fill('4');
    await page.getByLabel('Fine-tune epochs').fill('3');
    await page.getByLabel('Augment training images (seeded random transforms)').check();
    await startManualRun(page);
    await page.getByRole('heading', { name: /Training finished|Stopped early|Training failed/ }).waitFor({ timeout: 900_000 });
    await screenshot(page, '07-real-backbone-finetuned');
    const run = await bestValAcc(page);
    console.log(`[real-backbone] val accuracy per epoch: ${run.history.map((h) => h.valAcc?.toFixed(3)).join(' ')}; best ${run.bestValAcc}`);
    expect(run.status).toBe('done');
    expect(run.bestValAcc!).toBeGreaterThan(0.85);
    await context.close();
  });
});
