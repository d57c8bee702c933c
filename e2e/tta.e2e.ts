// Test-time augmentation through the UI on a trained run: the Evaluate tab shows the TTA figure
// beside the plain one (each matching the predictions stored on the run), Try it's switch
// changes the probabilities, the export carries the choice, and the demo page opens with it on.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createProject, idbAll, importAndPickModel, newPage, screenshot, startApp, type App, startManualRun } from './support/harness';
import { drawDataset } from './support/datasets';

let app: App;
let dir: string;
let dataset: string;
const exportDir = () => join(dir, 'export');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-tta-'));
  dataset = drawDataset(join(dir, 'colours'), ['red', 'blue', 'green'], 12);
  mkdirSync(exportDir(), { recursive: true });
  app = await startApp({ '/export/': exportDir() });
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Evaluation {
  imageIds: string[];
  labels: number[];
  probabilities: number[];
  numClasses: number;
}
const accuracy = (e: Evaluation) =>
  e.labels.filter((y, i) => {
    const row = e.probabilities.slice(i * e.numClasses, (i + 1) * e.numClasses);
    return row.indexOf(Math.max(...row)) === y;
  }).length / e.labels.length;

async function probsOf(page: Page) {
  const r = page.getByTestId('try-result').first();
  return r.getByTestId('prob-bar').evaluateAll((bars) => Object.fromEntries(bars.map((b) => [b.getAttribute('data-label')!, Number(b.getAttribute('data-prob'))])));
}

describe('test-time augmentation', () => {
  it('shows the TTA figure beside the plain one and carries the choice to Try it, the export and the demo page', async () => {
    const { page, context, errors } = await newPage(app);
    const id = await createProject(page, 'TTA');
    await importAndPickModel(page, dataset, `${app.url}fixtures/tiny-backbone/model.json`);
    await page.getByLabel('Epochs', { exact: true }).fill('4');
    await page.getByLabel('Validation share').fill('0.3');
    await startManualRun(page);
    await expect.poll(async () => (await idbAll<{ status: string }>(page, 'runs'))[0]?.status, { timeout: 120_000 }).toBe('done');

    await page.goto(`${app.url}#/p/${encodeURIComponent(id)}/evaluate`);
    const panel = page.getByTestId('tta-panel');
    await panel.getByRole('button', { name: 'Score with test-time augmentation' }).click();
    const row = panel.getByTestId('tta-validation');
    await row.waitFor({ timeout: 120_000 });
    const [run] = await idbAll<{ evaluation: Evaluation; ttaEvaluation: { validation: Evaluation } }>(page, 'runs');
    const plain = run.evaluation;
    const tta = run.ttaEvaluation.validation;
    expect(tta.imageIds).toEqual(plain.imageIds);
    expect(tta.labels).toEqual(plain.labels);
    // The views change the predictions: the stored TTA probabilities are not the plain ones.
    expect(Math.max(...tta.probabilities.map((p, i) => Math.abs(p - plain.probabilities[i])))).toBeGreaterThan(1e-6);
    expect(Number(await row.getByTestId('tta-plain').getAttribute('data-accuracy'))).toBeCloseTo(accuracy(plain), 9);
    expect(Number(await row.getByTestId('tta-augmented').getAttribute('data-accuracy'))).toBeCloseTo(accuracy(tta), 9);
    console.log(`[tta] validation accuracy plain ${accuracy(plain).toFixed(3)}, with TTA ${accuracy(tta).toFixed(3)} on ${plain.labels.length} images`);
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'tta-evaluate-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'tta-evaluate-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Try it: the switch changes what the same photo gets.
    const photo = join(dataset, 'green', 'green-000.png');
    await page.goto(`${app.url}#/p/${encodeURIComponent(id)}/use`);
    await page.getByTestId('try-input').setInputFiles(photo);
    await expect.poll(() => page.getByTestId('try-result').count(), { timeout: 60_000 }).toBe(1);
    const off = await probsOf(page);
    await page.getByLabel('Test-time augmentation').check();
    await page.getByTestId('try-input').setInputFiles(photo);
    await expect.poll(() => page.getByTestId('try-result').count(), { timeout: 60_000 }).toBe(2);
    const on = await probsOf(page);
    expect(Math.max(...Object.keys(off).map((k) => Math.abs(off[k] - on[k])))).toBeGreaterThan(1e-6);
    await screenshot(page, 'tta-try-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'tta-try-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    // The export made with the switch on says so, and the demo page opens with TTA on.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export TF.js model (.zip)' }).click();
    const zipPath = join(dir, 'model.zip');
    await (await download).saveAs(zipPath);
    const entries = unzipSync(new Uint8Array(readFileSync(zipPath)));
    for (const [name, bytes] of Object.entries(entries)) writeFileSync(join(exportDir(), name), bytes);
    const metadata = JSON.parse(new TextDecoder().decode(entries['metadata.json']));
    expect(metadata.studio.tta).toBe(true);
    expect(metadata.studio.ttaViews).toMatch(/7 views/);
    const demo = await context.newPage();
    await demo.goto(`${app.url}demo.html#model=${encodeURIComponent(`${app.url}export/model.json`)}`);
    await demo.getByTestId('demo-title').waitFor({ timeout: 60_000 });
    expect(await demo.getByTestId('demo-tta').isChecked()).toBe(true);
    await demo.getByTestId('demo-file-input').setInputFiles(photo);
    await demo.getByTestId('demo-result').first().getByTestId('demo-bar').first().waitFor({ timeout: 60_000 });
    // The webcam (Chromium's fake camera) goes through the same training-copy path, with TTA.
    await demo.getByRole('button', { name: 'Use webcam' }).click();
    await demo.getByTestId('demo-live').getByTestId('demo-bar').first().waitFor({ timeout: 60_000 });
    await screenshot(demo, 'tta-demo-1280');
    await demo.setViewportSize({ width: 390, height: 844 });
    await screenshot(demo, 'tta-demo-390');
    expect(errors).toEqual([]);
    await context.close();
  }, 400_000);
});
