// Numbers a user can trust, through the real UI: the same photos imported twice (a folder, then a
// zip of it with its entries reversed) split the same way and give a bit-identical first-epoch
// loss for the same seed; a run with a test share scores its test images once, never in training
// or validation, and the Evaluate tab shows test and validation side by side with intervals; the
// leakage check lists a resized copy that the split would put in another set.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, idbAll, newPage, screenshot, startApp, waitForImport, type App, startManualRun, openAdvanced } from './support/harness';
import { drawDataset } from './support/datasets';

let app: App;
let dir: string;
let dataset: string;

interface Run {
  id: string;
  status: string;
  error?: string | null;
  projectId: string;
  split: { train: string[]; val: string[]; test?: string[] };
  history: { trainLoss: number; valLoss?: number }[];
  evaluation?: { imageIds: string[] };
  testEvaluation?: { imageIds: string[]; labels: number[]; probabilities: number[] };
}
interface Img { id: string; projectId: string; hash: string; name: string }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-trust-'));
  dataset = drawDataset(join(dir, 'colours'), ['red', 'blue', 'green'], 14);
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function useTinyBackbone(page: Page, opts: { test: number; seed: number }) {
  await page.getByRole('link', { name: 'Train', exact: true }).click();
  await openAdvanced(page);
  await page.getByRole('heading', { name: 'Backbone' }).waitFor();
  await page.getByLabel(/Or your own TF.js layers model/).fill(`${app.url}fixtures/tiny-backbone/model.json`);
  await page.getByRole('button', { name: 'Use this model' }).click();
  await page.getByLabel('Backend', { exact: true }).selectOption('cpu');
  await page.getByLabel('Epochs', { exact: true }).fill('2');
  await page.getByLabel('Validation share').fill('0.2');
  await page.getByLabel('Test share').fill(String(opts.test));
  await page.getByLabel('Seed', { exact: true }).fill(String(opts.seed));
}

async function trainAndWait(page: Page, projectId: string): Promise<Run> {
  const t0 = Date.now();
  await startManualRun(page);
  let run: Run | undefined;
  await expect.poll(async () => {
    run = (await idbAll<Run>(page, 'runs')).find((r) => r.projectId === projectId && r.status !== 'running');
    return run?.status;
  }, { timeout: 240_000, interval: 500 }).toBeDefined();
  expect(run!.error ?? null, 'the run failed').toBeNull();
  expect(run!.status).toBe('done');
  console.log(`trained in ${Math.round((Date.now() - t0) / 1000)} s`);
  return run!;
}

/** Image ids → content hashes, sorted: a split compared across projects by content. */
const byContent = (ids: string[], images: Img[]) => ids.map((id) => images.find((i) => i.id === id)!.hash).sort();

describe('numbers a user can trust', () => {
  it('the same photos imported in another order split the same way and give a bit-identical first-epoch loss', async () => {
    const { page, context, errors } = await newPage(app);
    const a = await createProject(page, 'Folder');
    await page.getByTestId('folder-input').setInputFiles(dataset);
    await waitForImport(page);
    await useTinyBackbone(page, { test: 0.2, seed: 42 });
    const runA = await trainAndWait(page, a);

    // The same photos as a zip, entries reversed and renamed: other ids, other order, other names.
    const entries: Record<string, Uint8Array> = {};
    for (const cls of ['green', 'blue', 'red'])
      for (const f of readdirSync(join(dataset, cls)).sort().reverse()) entries[`${cls}/copy-${f.split('').reverse().join('')}`] = readFileSync(join(dataset, cls, f));
    const zip = join(dir, 'reversed.zip');
    writeFileSync(zip, zipSync(entries));
    await page.goto(app.url);
    const b = await createProject(page, 'Zip');
    await page.getByTestId('zip-input').setInputFiles(zip);
    await waitForImport(page);
    await useTinyBackbone(page, { test: 0.2, seed: 42 });
    const runB = await trainAndWait(page, b);

    const images = await idbAll<Img>(page, 'images');
    for (const set of ['train', 'val', 'test'] as const) {
      expect(runB.split[set] ?? []).not.toHaveLength(0);
      expect(byContent(runB.split[set] ?? [], images)).toEqual(byContent(runA.split[set] ?? [], images));
    }
    expect(new Set(runA.split.train).size).toBeGreaterThan(0);
    expect(runB.history[0].trainLoss).toBe(runA.history[0].trainLoss);
    expect(runB.history[0].valLoss).toBe(runA.history[0].valLoss);
    expect(errors).toEqual([]);
    await context.close();
  }, 600_000);

  it('a run with a test share scores the test images once and shows them beside validation with intervals', async () => {
    const { page, context, errors } = await newPage(app);
    // One photo of the set again, resized to 80×60 and saved as a new file: a near-duplicate.
    const src = PNG.sync.read(readFileSync(join(dataset, 'red', 'red-003.png')));
    const small = new PNG({ width: 80, height: 60 });
    for (let y = 0; y < 60; y++)
      for (let x = 0; x < 80; x++) {
        const s = (Math.floor((y * 72) / 60) * 96 + Math.floor((x * 96) / 80)) * 4;
        small.data.set(src.data.subarray(s, s + 4), (y * 80 + x) * 4);
      }
    const withCopy = join(dir, 'with-copy');
    drawDataset(withCopy, ['red', 'blue', 'green'], 14);
    writeFileSync(join(withCopy, 'red', 'zz-resized-copy.png'), PNG.sync.write(small));

    const id = await createProject(page, 'Held out');
    await page.getByTestId('folder-input').setInputFiles(withCopy);
    await waitForImport(page);
    await useTinyBackbone(page, { test: 0.25, seed: 7 });

    // The leakage check finds the copy (and only it) before training.
    const panel = page.getByTestId('leakage-panel');
    await panel.getByRole('button', { name: 'Check for near-duplicates' }).click();
    page.on('console', (m) => console.log('page:', m.text()));
    setTimeout(() => void panel.textContent().then((t) => console.log('leakage panel after 20 s:', t)).catch(() => undefined), 20_000);
    await expect.poll(async () => (await panel.getByTestId('leakage-pair').count()) + (await panel.getByTestId('leakage-none').count()), { timeout: 180_000 }).toBeGreaterThan(0);
    const images = await idbAll<Img>(page, 'images');
    const copy = images.find((i) => i.projectId === id && i.name.endsWith('zz-resized-copy.png'))!;
    const original = images.find((i) => i.projectId === id && i.name.endsWith('red/red-003.png'))!;
    const pairs = panel.getByTestId('leakage-pair');
    const listed = await pairs.count();
    if (listed > 0) {
      // The split put the two in different sets: one pair, the copy and its original.
      expect(listed).toBe(1);
      await expect.poll(() => pairs.first().textContent()).toContain('zz-resized-copy.png');
      await screenshot(page, 'trust-leakage-1280');
      await pairs.first().getByRole('button', { name: 'Keep in one set' }).click();
      await panel.getByTestId('leakage-none').waitFor();
    } else {
      await expect.poll(() => panel.getByTestId('leakage-none').textContent()).toMatch(/1 near-duplicate pair found, each already in one set/);
    }

    const run = await trainAndWait(page, id);
    const test = run.split.test ?? [];
    expect(test.length).toBeGreaterThanOrEqual(9);
    const setOf = (x: string) => (run.split.train.includes(x) ? 'train' : run.split.val.includes(x) ? 'val' : test.includes(x) ? 'test' : 'none');
    expect(setOf(copy.id)).toBe(setOf(original.id));
    // Test images never reach training or the validation predictions; they are scored once, all of them.
    for (const t of test) {
      expect(run.split.train).not.toContain(t);
      expect(run.split.val).not.toContain(t);
      expect(run.evaluation!.imageIds).not.toContain(t);
    }
    expect(run.testEvaluation!.imageIds).toEqual(test);
    expect(run.testEvaluation!.probabilities).toHaveLength(test.length * 3);

    await page.goto(`${app.url}#/p/${encodeURIComponent(id)}/evaluate`);
    const heldout = page.getByTestId('heldout-panel');
    await heldout.waitFor();
    const row = heldout.getByTestId('heldout-test');
    await expect.poll(() => row.textContent()).toMatch(/quote this/);
    const right = run.testEvaluation!.labels.filter((l, i) => {
      const p = run.testEvaluation!.probabilities.slice(i * 3, i * 3 + 3);
      return p.indexOf(Math.max(...p)) === l;
    }).length;
    expect(await row.textContent()).toContain(`${right} / ${test.length}`);
    expect(await row.textContent()).toMatch(/\(\d+\.\d%–\d+\.\d%\)/);
    expect(await heldout.getByTestId('heldout-validation').textContent()).toMatch(/\(\d+\.\d%–\d+\.\d%\)/);
    await heldout.getByText(/Per class on the test set/).click();
    await expect.poll(() => heldout.getByTestId('per-class-intervals').locator('tbody tr').count()).toBe(3);
    await screenshot(page, 'trust-evaluate-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'trust-evaluate-390');
    await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
    await page.getByTestId('leakage-panel').getByRole('button', { name: /Check/ }).click();
    await page.getByTestId('leakage-panel').getByRole('button', { name: /Check/ }).waitFor();
    await screenshot(page, 'trust-train-390');
    expect(errors).toEqual([]);
    await context.close();
  }, 600_000);
});
