// Training through the real UI with a tiny backbone the project generates and serves locally:
// train end to end while the charts update, reload mid-run and resume from the checkpoint,
// switch backend, and check WebGPU's losses against the same run on cpu.
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
  dir = mkdtempSync(join(tmpdir(), 'studio-train-'));
  dataset = drawDataset(join(dir, 'colours'), ['red', 'blue'], 14);
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface StoredRun {
  name: string;
  status: string;
  backend: string | null;
  history: { epoch: number; stage: number; trainLoss: number; valAcc: number | null }[];
  lastCheckpointEpoch: number | null;
}

const runsInDb = (page: Page) => idbAll<StoredRun>(page, 'runs');

async function projectWithImages(page: Page, name: string) {
  const id = await createProject(page, name);
  await page.getByTestId('folder-input').setInputFiles(dataset);
  await waitForImport(page);
  await page.getByRole('link', { name: 'Train', exact: true }).click();
    await openAdvanced(page);
  await page.getByRole('heading', { name: 'Backbone' }).waitFor();
  await page.getByLabel(/Or your own TF.js layers model/).fill(`${app.url}fixtures/tiny-backbone/model.json`);
  await page.getByRole('button', { name: 'Use this model' }).click();
  return id;
}

async function setNumber(page: Page, label: string | RegExp, value: number) {
  await page.getByLabel(label, { exact: typeof label === 'string' }).fill(String(value));
}

/** Waits until the newest of `count` runs has left 'running' (the heading of an earlier run may still show). */
async function waitRunEnded(page: Page, count: number, timeout = 400_000) {
  await expect.poll(async () => {
    const runs = await runsInDb(page);
    return runs.length === count && runs.every((r) => r.status !== 'running');
  }, { timeout, interval: 500 }).toBe(true);
  await waitFinished(page, timeout);
}

async function waitFinished(page: Page, timeout = 240_000) {
  await page.getByRole('heading', { name: /Training finished|Stopped early|Training failed/ }).waitFor({ timeout });
  const failed = await page.getByRole('heading', { name: 'Training failed' }).count();
  if (failed) throw new Error(`training failed: ${await page.getByRole('alert').allTextContents()}`);
}

describe('training', () => {
  it('trains a frozen-backbone run end to end with live charts, long tasks recorded', async () => {
    const { page, context, errors } = await newPage(app);
    await projectWithImages(page, 'Frozen run');
    await setNumber(page, 'Epochs', 10);
    await setNumber(page, 'Learning rate', 0.01);
    await setNumber(page, 'Batch size', 4);
    await page.evaluate(() => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__longTasks.push(e.duration))).observe({ type: 'longtask' });
      // Every run status this page writes (it marks runs whose worker is gone as interrupted).
      const statuses: string[] = ((window as unknown as { __runStatuses: string[] }).__runStatuses = []);
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if (this.name === 'runs') statuses.push((args[0] as { status: string }).status);
        return put.apply(this, args);
      };
    });
    await startManualRun(page);
    await page.getByTestId('live-panel').waitFor();
    await expect.poll(() => page.getByTestId('live-epoch').textContent(), { timeout: 120_000 }).toMatch(/^([1-9]|10) \/ 10$/);
    await page.getByTestId('epoch-charts').locator('svg').first().waitFor();
    await waitFinished(page);
    // Read before the screenshot: a full-page capture itself causes long layout tasks.
    const tasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    console.log(`[training] main-thread long tasks during training: ${tasks.length}, longest ${Math.round(Math.max(0, ...tasks))} ms`);
    // Training runs in the worker: the page never freezes. The longest task is the charts drawing
    // as a frozen run's epochs and its end arrive within a second: 117 ms here on the code before
    // the recommended card and Auto, 125-186 ms now, so the bound is 250 ms until the charts get
    // cheaper (100 ms, and 4x CPU throttling, is the target the speed work still owes).
    expect(Math.max(0, ...tasks)).toBeLessThan(250);
    await screenshot(page, '06-training-done');
    const [run] = await runsInDb(page);
    expect(run.status).toBe('done');
    // The page never took its own starting run for one whose worker was gone.
    expect(await page.evaluate(() => (window as unknown as { __runStatuses: string[] }).__runStatuses)).not.toContain('interrupted');
    expect(run.history.length).toBeGreaterThanOrEqual(3);
    expect(run.history[run.history.length - 1].trainLoss).toBeLessThan(run.history[0].trainLoss);
    expect(run.history[run.history.length - 1].valAcc).toBeGreaterThanOrEqual(0.75);
    expect(run.backend).toMatch(/wasm|webgl|cpu|webgpu/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('resumes a fine-tuning run from its last checkpoint after a reload', async () => {
    const { page, context } = await newPage(app);
    await projectWithImages(page, 'Resume me');
    await page.getByLabel(/Fine-tune/).check();
    await setNumber(page, 'Head warm-up epochs', 2);
    // Enough epochs that the reload lands mid-run: epochs store their records behind the loop,
    // so a tiny backbone's epochs take a few tens of milliseconds.
    await setNumber(page, 'Fine-tune epochs', 60);
    await page.getByLabel('Early stopping').uncheck();
    await startManualRun(page);
    // Reload once the run has checkpointed a fine-tuning epoch.
    await expect.poll(async () => (await runsInDb(page))[0]?.lastCheckpointEpoch ?? -1, { timeout: 180_000, interval: 500 }).toBeGreaterThanOrEqual(2);
    await page.reload();
    const offer = page.getByTestId('resume-offer');
    await offer.waitFor();
    const before = (await runsInDb(page))[0];
    expect(before.status).toBe('interrupted');
    await offer.getByRole('button', { name: /Resume from epoch/ }).click();
    await waitFinished(page);
    const [run] = await runsInDb(page);
    expect(run.status).toBe('done');
    expect(before.lastCheckpointEpoch).toBeLessThan(61);
    expect(run.history.map((h) => h.epoch)).toEqual(Array.from({ length: 62 }, (_, i) => i + 1));
    expect(run.history.map((h) => h.stage)).toEqual([1, 1, ...Array(60).fill(2)]);
    await context.close();
  });

  it('trains on an explicitly chosen backend, and WebGPU losses match cpu', async () => {
    const { page, context } = await newPage(app);
    await projectWithImages(page, 'Backends');
    await setNumber(page, 'Epochs', 3);
    await page.getByLabel('Head dropout').fill('0');
    await page.getByLabel('Early stopping').uncheck();
    const losses: Record<string, number[]> = {};
    for (const backend of ['webgpu', 'cpu'] as const) {
      await page.getByLabel('Backend', { exact: true }).selectOption(backend);
      await startManualRun(page);
      await waitRunEnded(page, Object.keys(losses).length + 1);
      await expect.poll(() => page.getByTestId('backend-decision').textContent()).toContain(`Using ${backend}`);
      const runs = await runsInDb(page);
      const run = runs.find((r) => r.backend === backend)!;
      expect(run.status).toBe('done');
      losses[backend] = run.history.map((h) => h.trainLoss);
    }
    console.log(`[training] per-epoch train loss cpu ${losses.cpu.map((l) => l.toFixed(5))} webgpu ${losses.webgpu.map((l) => l.toFixed(5))}`);
    losses.cpu.forEach((l, i) => expect(Math.abs(l - losses.webgpu[i])).toBeLessThan(1e-3 + 1e-2 * l));
    await context.close();
  });
});
