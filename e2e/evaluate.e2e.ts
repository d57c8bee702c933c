// The Evaluate tab through the UI: after a run, the confusion matrix covers every validation
// image, a cell opens its images, per-class metrics and ROC show, and an image can be moved to
// another class from the gallery (the dataset changes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, idbAll, newPage, screenshot, startApp, waitForImport, type App, startManualRun, openAdvanced } from './support/harness';
import { drawDataset } from './support/datasets';

let app: App;
let dir: string;
let dataset: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-eval-'));
  dataset = drawDataset(join(dir, 'colours'), ['red', 'blue', 'green'], 12);
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('evaluate', () => {
  it('shows where the model is wrong and fixes a label in place', async () => {
    const { page, context, errors } = await newPage(app);
    const id = await createProject(page, 'Evaluate');
    await page.getByTestId('folder-input').setInputFiles(dataset);
    await waitForImport(page);
    await page.getByRole('link', { name: 'Check', exact: true }).click();
    await page.getByTestId('evaluate-empty').waitFor();

    await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
    await page.getByLabel(/Or your own TF.js layers model/).fill(`${app.url}fixtures/tiny-backbone/model.json`);
    await page.getByRole('button', { name: 'Use this model' }).click();
    await page.getByLabel('Epochs', { exact: true }).fill('4');
    await page.getByLabel('Validation share').fill('0.3');
    await startManualRun(page);
    await expect.poll(async () => (await idbAll<{ status: string }>(page, 'runs'))[0]?.status, { timeout: 120_000 }).toBe('done');

    await page.goto(`${app.url}#/p/${encodeURIComponent(id)}/evaluate`);
    const cm = page.getByTestId('confusion-matrix');
    await cm.waitFor();
    const counts = (await cm.locator('button.cm-cell').allTextContents()).map(Number);
    const [run] = await idbAll<{ evaluation: { labels: number[] }; classes: { name: string }[] }>(page, 'runs');
    expect(counts).toHaveLength(9);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(run.evaluation.labels.length);
    await expect.poll(() => page.getByTestId('per-class').locator('tbody tr').count()).toBe(5);
    // Metrics and charts sit under Details.
    await page.getByTestId('eval-details').locator('summary').click();
    await page.getByTestId('roc-chart').locator('svg').first().waitFor();

    // Open the largest cell and move its first image to another class.
    const largest = counts.indexOf(Math.max(...counts));
    await cm.locator('button.cm-cell').nth(largest).click();
    const gallery = page.getByTestId('cell-gallery');
    await expect.poll(() => gallery.getByTestId('error-tile').count()).toBe(counts[largest]);
    await screenshot(page, '09-evaluate');
    const tile = gallery.getByTestId('error-tile').first();
    const imageId = await tile.getAttribute('data-image-id');
    const trueClass = run.classes[Math.floor(largest / 3)].name;
    const target = trueClass === 'red' ? 'blue' : 'red';
    await tile.getByRole('combobox').selectOption({ label: target });
    await expect.poll(async () => {
      const images = await idbAll<{ id: string; classId: string }>(page, 'images');
      const classes = await idbAll<{ id: string; name: string }>(page, 'classes');
      const img = images.find((i) => i.id === imageId)!;
      return classes.find((c) => c.id === img.classId)!.name;
    }).toBe(target);
    await tile.getByText(`now in ${target}`).waitFor();

    // Grad-CAM over a misclassified or least-confident image: a heatmap for the predicted class.
    await page.getByRole('button', { name: /Grad-CAM for/ }).first().click();
    await page.getByTestId('gradcam-summary').waitFor({ timeout: 60_000 });
    const painted = await page.getByTestId('gradcam-canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) lit++;
      return lit / (d.length / 4);
    });
    expect(painted).toBeGreaterThan(0.9);
    await screenshot(page, '11-grad-cam');
    await page.getByRole('dialog').getByRole('combobox', { name: 'Class', exact: true }).selectOption({ index: 1 });
    await expect.poll(() => page.getByTestId('gradcam-summary').textContent()).toContain(run.classes[0].name);
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
    await context.close();
  });
});
