// Large imports: cancelling midway keeps what finished (and nothing half-written), and 5,000
// images import while the page stays responsive (no main-thread long task over a bound while the
// import runs) and the grid scrolls through them (frame times are printed, never asserted: the
// speed figures live in `npm run bench`).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createProject, idbCounts, newPage, startApp, waitForImport, type App } from './support/harness';

let app: App;
let dir: string;

/**
 * The longest main-thread task allowed while 5,000 images import. Decoding and storing run in
 * workers, so the page only renders progress; a task this long is a frozen page. It is loose
 * (10x the bench's 100 ms training target; 507 ms was seen on a loaded 2-core machine) because
 * browser tests share the machine with other work.
 */
const LONGEST_IMPORT_TASK_MS = 1000;

/** Writes `perClass` distinct small PNGs into each of `classes` folders under root/name. */
function makeDataset(name: string, classes: string[], perClass: number): string {
  const root = join(dir, name);
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (const c of classes) {
    mkdirSync(join(root, c), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const png = new PNG({ width: 64, height: 48 });
      for (let p = 0; p < png.data.length; p += 4) {
        png.data[p] = (rand() * 255) | 0;
        png.data[p + 1] = (rand() * 255) | 0;
        png.data[p + 2] = (rand() * 255) | 0;
        png.data[p + 3] = 255;
      }
      writeFileSync(join(root, c, `img-${String(i).padStart(4, '0')}.png`), PNG.sync.write(png));
    }
  }
  return root;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-bulk-'));
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const totalImages = (page: Page) =>
  page.getByTestId('class-item').locator('.class-count').evaluateAll((els) => els.reduce((a, e) => a + Number(e.textContent!.replace(/\D/g, '')), 0));

const dbCounts = (page: Page) => idbCounts(page, ['images', 'originals', 'thumbnails', 'training']);

describe('bulk import', () => {
  it('cancels midway: finished images stay, every record has all its blobs', async () => {
    const root = makeDataset('cancel-set', ['a', 'b'], 200);
    const { page, context } = await newPage(app);
    await createProject(page, 'Cancel me');
    await page.getByTestId('folder-input').setInputFiles(root);
    await page.getByTestId('import-progress').waitFor();
    await expect.poll(async () => Number((await page.getByTestId('import-progress').textContent())!.match(/(\d+) images? added/)?.[1] ?? 0), { timeout: 60_000 }).toBeGreaterThan(20);
    const progressText = await page.getByTestId('import-progress').textContent();
    expect(progressText).toMatch(/images\/s/);
    expect(progressText).toMatch(/ETA/);
    await page.getByRole('button', { name: 'Cancel import' }).click();
    const summary = await waitForImport(page);
    expect(await page.getByRole('heading', { name: 'Import cancelled' }).count()).toBe(1);
    const imported = Number(summary.match(/(\d+) images? imported/)![1]);
    const cancelled = Number(summary.match(/(\d+) not imported \(cancelled\)/)![1]);
    expect(imported).toBeGreaterThan(20);
    expect(imported).toBeLessThan(400);
    expect(imported + cancelled).toBe(400);
    expect(await totalImages(page)).toBe(imported);
    const [images, originals, thumbs, training] = await dbCounts(page);
    expect({ originals, thumbs, training }).toEqual({ originals: images, thumbs: images, training: images });
    expect(images).toBe(imported);
    await page.reload();
    await page.getByTestId('class-item').first().waitFor();
    expect(await totalImages(page)).toBe(imported);
    await context.close();
  });

  it('imports 5,000 images with the page responsive, and scrolls the virtualised grid', async () => {
    const root = makeDataset('five-thousand', ['left', 'right'], 2500);
    const { page, context } = await newPage(app);
    await createProject(page, 'Five thousand');
    await page.evaluate(() => {
      const w = window as unknown as { __longTasks: [number, number][] };
      w.__longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push([e.startTime, e.duration]))).observe({ type: 'longtask' });
    });
    await page.getByTestId('folder-input').setInputFiles(root);
    await page.getByTestId('import-progress').waitFor();
    // Handing 5,000 files to the input (the picker's work, here Playwright's) is one native task
    // before the studio sees them; count what comes after.
    const importStart = await page.evaluate(() => performance.now());
    // While importing, the page answers input: open and close a dialog.
    await page.getByRole('button', { name: 'Rename project' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    const summary = await waitForImport(page, 600_000);
    expect(summary).toContain('5,000 images imported');
    const tasks = await page.evaluate((t0) => (window as unknown as { __longTasks: [number, number][] }).__longTasks.splice(0).filter(([start]) => start >= t0).map(([, d]) => d), importStart);
    const secs = summary.match(/in ([\dms ]+)/)?.[1];
    const longest = Math.round(Math.max(0, ...tasks));
    console.log(`[bulk] 5,000 images imported in ${secs}; main-thread long tasks: ${tasks.length}, longest ${longest} ms (bound ${LONGEST_IMPORT_TASK_MS} ms)`);
    expect(longest, `longest main-thread task while importing (${tasks.length} long tasks)`).toBeLessThanOrEqual(LONGEST_IMPORT_TASK_MS);
    await expect.poll(() => totalImages(page), { timeout: 30_000 }).toBe(5000);
    expect(await dbCounts(page)).toEqual([5000, 5000, 5000, 5000]);
    // The grid renders only what is on screen, however far it scrolls.
    const tiles = () => page.getByTestId('image-tile').count();
    expect(await tiles()).toBeGreaterThan(10);
    expect(await tiles()).toBeLessThan(200);
    const frames = await page.getByTestId('grid-scroll').evaluate(async (el) => {
      // Scroll through the whole class in 40 steps, one per animation frame, timing the frames.
      const gaps: number[] = [];
      let last = performance.now();
      for (let i = 1; i <= 40; i++) {
        el.scrollTop = (el.scrollHeight * i) / 40;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }
      return gaps;
    });
    await expect.poll(() => page.locator('[data-name="five-thousand/left/img-2499.png"]').count()).toBe(1);
    expect(await tiles()).toBeLessThan(200);
    // Thumbnails come in once the scrolling stops.
    await expect.poll(() => page.locator('[data-testid=image-tile] img').count(), { timeout: 30_000 }).toBeGreaterThan(10);
    const scrollTasks = await page.evaluate(() => (window as unknown as { __longTasks: [number, number][] }).__longTasks);
    console.log(`[bulk] scrolling 2,500 tiles in 40 steps: slowest frame ${Math.round(Math.max(...frames))} ms, median ${Math.round(frames.sort((a, b) => a - b)[20])} ms; long tasks ${scrollTasks.length}`);
    await context.close();
  });
});
