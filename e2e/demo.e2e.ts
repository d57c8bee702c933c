// The demo page that shares and exports open: a Teachable-Machine-format model on a phone-sized
// screen (labels with markup shown as text), every broken or hostile link refused with a clear
// error, a serverless link made in the studio and opened, and the exported demo site served
// as plain files.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { FIXTURES, SHARED, createProject, idbAll, newPage, screenshot, startApp, waitForImport, type App, startManualRun, openAdvanced } from './support/harness';
import { drawDataset } from './support/datasets';

const MODELS = join(FIXTURES, 'demo-models');
const CATALOG = 'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/';
const REAL_V2 = join(SHARED, 'backbones/mobilenet-v2-0.35-224-no-top');
let app: App;
let dir: string;

function solid(name: string, [r, g, b]: number[], size = 64): string {
  const png = new PNG({ width: size, height: size });
  for (let p = 0; p < size * size; p++) png.data.set([r, g, b, 255], p * 4);
  const file = join(dir, name);
  writeFileSync(file, PNG.sync.write(png));
  return file;
}

/** The catalog backbone's public URL answered from local files (real weights when ../shared has them). */
async function routeCatalog(context: BrowserContext) {
  const from = existsSync(REAL_V2) ? REAL_V2 : join(MODELS, 'fake-v2-035');
  await context.route(`${CATALOG}**`, (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop()!;
    const path = join(from, file);
    if (!existsSync(path)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, body: readFileSync(path), contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream', headers: { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' } });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-demo-'));
  mkdirSync(join(dir, 'site'), { recursive: true });
  app = await startApp({ '/site/': join(dir, 'site') });
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo page', () => {
  it('classifies with a Teachable Machine model on a phone, labels stay text', async () => {
    const { page, context, errors } = await newPage(app);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}demo.html#model=/fixtures/demo-models/tm/model.json`);
    await page.getByTestId('demo-title').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('demo-labels').textContent()).toContain('Red <script>alert(1)</script>');
    await page.getByTestId('demo-file-input').setInputFiles([solid('red.png', [230, 20, 20]), solid('blue.png', [20, 20, 230])]);
    await expect.poll(() => page.getByTestId('demo-result').count(), { timeout: 30_000 }).toBe(2);
    // The fixture's classes answer to the red, green and blue channels: each photo's top label is its colour.
    const topOf = (name: string) => page.getByTestId('demo-result').filter({ has: page.getByRole('heading', { name, exact: true }) }).getByTestId('demo-bar').first().getAttribute('data-label');
    expect(await topOf('red.png')).toBe('Red <script>alert(1)</script>');
    expect(await topOf('blue.png')).toBe('Blue & "quotes"');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#root script, #root img[onerror]').count()).toBe(0);
    await screenshot(page, '12-demo-phone');
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
    await context.close();
  });

  it('refuses broken and hostile links with a clear error', async () => {
    const { page, context } = await newPage(app);
    // Each link, and the reason it must be refused for (not merely some error).
    const fixture = (m: string) => `#model=/fixtures/demo-models/${m}/model.json`;
    const cases: [string, RegExp][] = [
      [fixture('short-bin'), /weight group 0 \(weights\.bin\) has 44 bytes but its weights need 48/],
      [fixture('bad-json'), /^model\.json is not valid JSON/],
      [fixture('huge'), /weight 'probs\/kernel' makes the model too large \(10000000000 elements; limit/],
      [fixture('wrong-labels'), /the model outputs shape \[1, 3\] but there are 2 labels/],
      [fixture('bad-meta'), /^metadata\.json is not valid JSON/],
      [fixture('no-meta'), /metadata\.json could not be downloaded from .*\/no-meta\/metadata\.json \(HTTP 404\)/],
      [fixture('traversal'), /weight path "\.\.\/\.\.\/etc\/passwd" must be a plain file name/],
      ['#model=javascript:alert(1)', /the model address must use http or https, not "javascript:"/],
      ['#model=/fixtures/missing/model.json', /could not be downloaded from .*\/fixtures\/missing\/.*\(HTTP 404\)/],
      ['#link=AAAA', /the share link is not valid: the link is damaged \(not valid deflate data\)/],
      ['#link=not-a-link!!', /the share link is not valid: the link is damaged \(not base64url text\)/],
      ['#nothing=1', /the address does not name a model \(found "nothing"\)/],
      ['', /this page was opened without a model/],
    ];
    for (const [hash, reason] of cases) {
      await page.goto(`${app.url}demo.html${hash}`);
      if (hash) await page.reload();
      const err = page.getByTestId('demo-error');
      await err.waitFor({ timeout: 30_000 });
      expect(await err.getByRole('heading', { name: 'This model could not be opened' }).count(), hash).toBe(1);
      expect(await err.locator('.demo-error-reason').textContent(), hash).toMatch(reason);
    }
    await screenshot(page, '13-demo-error');
    await context.close();
  });

  it('opens a serverless link made in the studio, and the exported demo site runs from plain files', async () => {
    const { page, context, errors } = await newPage(app);
    await routeCatalog(context);
    const id = await createProject(page, 'Link me');
    await page.getByTestId('folder-input').setInputFiles(drawDataset(join(dir, 'colours'), ['red', 'blue'], 6));
    await waitForImport(page);
    await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
    await page.getByRole('radio', { name: /MobileNetV2 α0\.35/ }).check();
    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await startManualRun(page);
    await expect.poll(async () => (await idbAll<{ status: string }>(page, 'runs'))[0]?.status, { timeout: 240_000 }).toBe('done');
    await page.goto(`${app.url}#/p/${encodeURIComponent(id)}/use`);
    await page.getByRole('button', { name: 'Make link' }).click();
    const link = await page.getByTestId('share-link').inputValue();
    console.log(`[demo] serverless link for 2 classes (1280→100→2 head): ${link.length} characters`);
    expect(link).toContain('demo.html#link=');

    const viewer = await context.newPage();
    await viewer.goto(link);
    await viewer.getByTestId('demo-title').filter({ hasText: 'Link me' }).waitFor({ timeout: 120_000 });
    await viewer.getByTestId('demo-file-input').setInputFiles(solid('red224.png', [220, 40, 40], 224));
    await viewer.getByTestId('demo-result').first().getByTestId('demo-bar').first().waitFor({ timeout: 60_000 });

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export demo site (.zip)' }).click();
    const zipPath = join(dir, 'site.zip');
    await (await download).saveAs(zipPath);
    const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['index.html', 'model.json', 'weights.bin', 'metadata.json']));
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(join(dir, 'site', name, '..'), { recursive: true });
      writeFileSync(join(dir, 'site', name), bytes);
    }
    const site = await context.newPage();
    await site.goto(`${app.url}site/index.html`);
    await site.getByTestId('demo-title').waitFor({ timeout: 60_000 });
    await site.getByTestId('demo-file-input').setInputFiles(solid('blue224.png', [40, 40, 220], 224));
    await site.getByTestId('demo-result').first().getByTestId('demo-bar').first().waitFor({ timeout: 60_000 });
    await screenshot(site, '14-demo-site');
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
    await context.close();
  });
});
