// A TF Hub backbone from the catalog through the real loading code. First tfhub.dev cannot be
// reached: a clear error and a retry. Then the test answers it with a small graph model (a
// per-channel scale, then a spatial mean, as a feature vector): the studio asks for
// model.json?tfjs-format=file and each shard with the same query, as tfjs's fromTFHub does;
// it stores the model, trains a frozen head on it, and after a reload loads it from IndexedDB
// with tfhub.dev unreachable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { createProject, idbAll, newPage, startApp, waitForImport, type App, startManualRun, openAdvanced } from './support/harness';
import { drawDataset } from './support/datasets';

let app: App;
let dir: string;
let dataset: string;

const HANDLE = 'https://tfhub.dev/google/tfjs-model/imagenet/mobilenet_v3_small_100_224/feature_vector/5/default/1';

const dims = (...d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
const graphModel = {
  format: 'graph-model',
  generatedBy: 'finetune-studio test',
  modelTopology: {
    node: [
      { name: 'images', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims(-1, 224, 224, 3) } } },
      { name: 'scale', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(3) } } } },
      { name: 'axes', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: dims(2) } } } },
      { name: 'scaled', op: 'Mul', input: ['images', 'scale'], attr: { T: { type: 'DT_FLOAT' } } },
      { name: 'feature_vector', op: 'Mean', input: ['scaled', 'axes'], attr: { T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
    ],
    versions: { producer: 1 },
  },
  weightsManifest: [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'scale', shape: [3], dtype: 'float32' },
        { name: 'axes', shape: [2], dtype: 'int32' },
      ],
    },
  ],
};
const shard = Buffer.concat([Buffer.from(new Float32Array([4, 4, 4]).buffer), Buffer.from(new Int32Array([1, 2]).buffer)]);

/** Answers tfhub.dev like TF Hub does for ?tfjs-format=file requests; anything else is a 404. */
async function serveHub(context: BrowserContext, requested: string[]) {
  await context.route(/^https:\/\/tfhub\.dev\//, async (route) => {
    const url = route.request().url();
    requested.push(url);
    const headers = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };
    if (url === `${HANDLE}/model.json?tfjs-format=file`) {
      await route.fulfill({ status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(graphModel) });
    } else if (url === `${HANDLE}/group1-shard1of1.bin?tfjs-format=file`) {
      await route.fulfill({ status: 200, headers: { ...headers, 'content-type': 'application/octet-stream' }, body: shard });
    } else {
      await route.fulfill({ status: 404, headers, body: 'not found' });
    }
  });
}

async function pickHubBackbone(page: Page) {
  await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
  await page.getByRole('radio', { name: /MobileNetV3 Small/ }).check();
  await page.getByRole('button', { name: 'Load backbone' }).click();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-hub-'));
  dataset = drawDataset(join(dir, 'colours'), ['red', 'blue'], 10);
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TF Hub backbone', () => {
  it('downloads with the TF Hub URL scheme, stores it, trains on it, and loads it offline after a reload', async () => {
    const { page, context } = await newPage(app);
    const requested: string[] = [];
    // First tfhub.dev cannot be reached and nothing is stored: the panel says so and offers a retry.
    await context.route(/^https:\/\/tfhub\.dev\//, (route) => route.abort('internetdisconnected'));
    await createProject(page, 'Hub');
    await page.getByTestId('folder-input').setInputFiles(dataset);
    await waitForImport(page);
    await pickHubBackbone(page);
    await page.getByTestId('backbone-status').getByRole('alert').filter({ hasText: /Could not load MobileNetV3 Small/ }).waitFor({ timeout: 60_000 });
    await context.unroute(/^https:\/\/tfhub\.dev\//);
    await serveHub(context, requested);
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => page.getByTestId('backbone-status').textContent(), { timeout: 60_000 }).toMatch(/ready/);
    expect(requested).toEqual([`${HANDLE}/model.json?tfjs-format=file`, `${HANDLE}/group1-shard1of1.bin?tfjs-format=file`]);
    await page.getByTestId('cached-backbones').getByText(/MobileNetV3 Small/).waitFor();
    // Frozen only: the fine-tune choice is off for a graph model.
    await expect.poll(() => page.getByRole('radio', { name: /Fine-tune/ }).isDisabled()).toBe(true);

    await page.getByLabel('Epochs', { exact: true }).fill('15');
    await page.getByLabel('Learning rate', { exact: true }).fill('0.05');
    await startManualRun(page);
    await page.getByRole('heading', { name: /Training finished|Stopped early|Training failed/ }).waitFor({ timeout: 120_000 });
    expect(await page.getByRole('heading', { name: 'Training failed' }).count()).toBe(0);
    const [run] = await idbAll<{ status: string; bestValAcc: number | null; config: { backbone: { id: string } } }>(page, 'runs');
    expect(run.config.backbone.id).toBe('mobilenet-v3-small-100');
    expect(run.status).toBe('done');
    // Red and blue differ in mean colour, which is exactly what this feature vector measures.
    expect(run.bestValAcc).toBe(1);

    // tfhub.dev goes away; the stored copy is used.
    await context.unroute(/^https:\/\/tfhub\.dev\//);
    await context.route(/^https:\/\/tfhub\.dev\//, (route) => route.abort('internetdisconnected'));
    requested.length = 0;
    await page.reload();
    await pickHubBackbone(page);
    await expect.poll(() => page.getByTestId('backbone-status').textContent(), { timeout: 60_000 }).toMatch(/ready.*works offline/);
    await context.close();
  });
});
