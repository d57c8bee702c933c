// Untrusted models in the studio (backbone by URL, model zip import) and the real demo page: a #model= link to another site is shown with its origin
// and loads only when the visitor agrees; a model whose weights fit the cap but whose activations
// do not (an UpSampling2D stack) is refused before anything runs, with the layer and the limit.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, createProject, newPage, screenshot, startApp, type App, openAdvanced } from './support/harness';

const MODELS = join(FIXTURES, 'demo-models');
const FOREIGN = 'https://models.example.test/';
let app: App;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

describe('untrusted models on the demo page', () => {
  it('asks before loading a model from another origin, then refuses the UpSampling2D stack with the reason', async () => {
    const { page, context } = await newPage(app);
    const requested: string[] = [];
    await context.route(`${FOREIGN}**`, (route) => {
      const file = new URL(route.request().url()).pathname.split('/').pop()!;
      requested.push(file);
      return route.fulfill({ status: 200, body: readFileSync(join(MODELS, 'upsample', file)), contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream', headers: { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' } });
    });
    await page.goto(`${app.url}demo.html#model=${FOREIGN}upsample/model.json`);
    await page.getByTestId('demo-origin').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('demo-origin-host').textContent()).toBe('https://models.example.test');
    expect(requested).toEqual([]);
    await screenshot(page, '40-demo-origin-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '40-demo-origin-390');
    await page.getByRole('button', { name: 'Load the model' }).click();
    const error = page.getByTestId('demo-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toMatch(/layer 'up4' \(UpSampling2D\) would output 8192 × 8192 × 3 = 201,326,592 values per image, over the limit of 33,554,432 values per layer/);
    expect(requested).not.toContain('weights.bin');
    await screenshot(page, '41-demo-budget-refused-390');
    await context.close();
  });

  it('opens a same-origin link without asking, and still checks its budget', async () => {
    const { page, context } = await newPage(app);
    await page.goto(`${app.url}demo.html#model=/fixtures/demo-models/upsample/model.json`);
    const error = page.getByTestId('demo-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('demo-origin').count()).toBe(0);
    expect(await error.textContent()).toMatch(/'up4' \(UpSampling2D\)/);
    await context.close();
  });
});

const REASON = /layer 'up4' \(UpSampling2D\) would output 8192 × 8192 × 3 = 201,326,592 values per image, over the limit of 33,554,432 values per layer/;

describe('untrusted models in the studio', () => {
  it('refuses the UpSampling2D stack picked by URL, with the layer and the limit', async () => {
    const { page, context } = await newPage(app);
    await createProject(page, 'Hostile by URL');
    await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
    await page.getByLabel(/Or your own TF.js layers model/).fill(`${app.url}fixtures/demo-models/upsample/model.json`);
    // Use this model loads it at once: the budget refuses it before anything runs.
    await page.getByRole('button', { name: 'Use this model' }).click();
    await page.getByText(REASON).first().waitFor({ timeout: 90_000 });
    await screenshot(page, '42-studio-url-budget-refused');
    await context.close();
  });

  it('refuses the UpSampling2D stack imported as a zip, with the layer and the limit', async () => {
    const { page, context } = await newPage(app);
    await createProject(page, 'Hostile zip');
    await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
    const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
    try {
      const zip = join(dir, 'upsample.zip');
      const files = Object.fromEntries(['model.json', 'weights.bin'].map((f) => [f, new Uint8Array(readFileSync(join(MODELS, 'upsample', f)))]));
      writeFileSync(zip, zipSync(files));
      await page.getByTestId('model-zip-input').setInputFiles(zip);
      await page.getByText(REASON).first().waitFor({ timeout: 90_000 });
      await screenshot(page, '43-studio-import-budget-refused');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await context.close();
  });
});
