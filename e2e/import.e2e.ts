// Import through the real UI: a folder and a zip that the fixture script builds (images drawn by
// code plus every kind of bad file), the report checked line by line, persistence across a reload.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { FIXTURES, createProject, newPage, screenshot, startApp, waitForImport, type App } from './support/harness';

interface Expected {
  classes: Record<string, number>;
  skipped: { path: string; code: string }[];
  ignored: string[];
  emptyFolders: string[];
}
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
  dataset: Expected;
  zip: Expected;
  special: { exifRotated: { path: string; expected: string } };
};

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => app?.close());

async function classCounts(page: Page): Promise<Record<string, number>> {
  const items = page.getByTestId('class-item');
  const out: Record<string, number> = {};
  for (const item of await items.all()) {
    const name = (await item.locator('.class-name').textContent())!.trim();
    const count = Number((await item.locator('.class-count').textContent())!.replace(/\D/g, ''));
    out[name] = count;
  }
  return out;
}

async function reportRows(page: Page) {
  return page.getByTestId('report-row').evaluateAll((rows) =>
    rows.map((r) => ({ path: r.getAttribute('data-path')!, code: r.getAttribute('data-code')!, reason: r.textContent ?? '' })),
  );
}

function expectReport(rows: { path: string; code: string; reason: string }[], expected: Expected) {
  const got = rows.map((r) => `${r.path} → ${r.code}`).sort();
  const want = expected.skipped.map((s) => `${s.path} → ${s.code}`).sort();
  expect(got).toEqual(want);
  for (const r of rows) expect(r.reason.length, `reason for ${r.path}`).toBeGreaterThan(r.path.length + 10);
}

describe('import', () => {
  it('imports a folder: classes from subfolders, every bad file reported with its reason, all kept after reload', async () => {
    const { page, context, errors } = await newPage(app);
    await createProject(page, 'Shapes');
    await screenshot(page, '02-empty-project');
    await page.getByTestId('folder-input').setInputFiles(join(FIXTURES, 'dataset/shapes'));
    const summary = await waitForImport(page);
    expect(summary).toContain(`${Object.values(manifest.dataset.classes).reduce((a, b) => a + b, 0)} images imported`);
    expectReport(await reportRows(page), manifest.dataset);
    const ignored = await page.getByTestId('report-ignored').allTextContents();
    expect(ignored.sort()).toEqual([...manifest.dataset.ignored].sort());
    await expect.poll(() => classCounts(page)).toEqual(manifest.dataset.classes);
    const reasons = (await reportRows(page)).map((r) => r.reason).join('\n');
    expect(reasons).toMatch(/0 bytes/);
    expect(reasons).toMatch(/HEIC/);
    expect(reasons).toMatch(/truncated JPEG/);
    expect(reasons).toMatch(/too large \(30,000 × 30,000 px\)/);
    await screenshot(page, '04-import-report');

    // The EXIF-rotated photo is stored upright (portrait), the 16k x 16k one downscaled.
    const rotatedName = manifest.special.exifRotated.path.split('/').pop()!;
    await page.getByRole('button', { name: 'stripes' }).click();
    await page.getByRole('button', { name: `Preview ${rotatedName}` }).click();
    const size = await page.getByTestId('preview-training-size').textContent();
    const [w, h] = size!.match(/\d+/g)!.map(Number);
    expect(h).toBeGreaterThan(w);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Preview huge.png' }).click();
    await expect.poll(() => page.getByTestId('preview-training-size').textContent()).toMatch(/256 × 256/);
    await page.keyboard.press('Escape');
    await screenshot(page, '03-project-with-images');

    await page.reload();
    await page.getByTestId('class-item').first().waitFor();
    expect(await classCounts(page)).toEqual(manifest.dataset.classes);
    await expect.poll(() => page.getByTestId('image-tile').count()).toBeGreaterThan(0);
    expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
    await context.close();
  });

  it('imports a zip: unsafe paths, nested zips and non-images are refused and reported', async () => {
    const { page, context } = await newPage(app);
    await createProject(page, 'Zip import');
    await page.getByTestId('zip-input').setInputFiles(join(FIXTURES, 'archive.zip'));
    await waitForImport(page);
    expectReport(await reportRows(page), manifest.zip);
    const ignored = await page.getByTestId('report-ignored').allTextContents();
    expect(ignored.sort()).toEqual([...manifest.zip.ignored].sort());
    for (const d of manifest.zip.emptyFolders) await expect.poll(() => page.getByTestId('report-empty-folders').textContent()).toContain(d);
    await expect.poll(() => classCounts(page)).toEqual(manifest.zip.classes);

    // Importing the same zip again adds nothing: every image is a duplicate.
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByTestId('zip-input').setInputFiles(join(FIXTURES, 'archive.zip'));
    const summary = await waitForImport(page);
    const total = Object.values(manifest.zip.classes).reduce((a, b) => a + b, 0);
    expect(summary).toContain('0 images imported');
    expect(summary).toContain(`${total} duplicates`);
    expect(await classCounts(page)).toEqual(manifest.zip.classes);
    await context.close();
  });

  it('drops loose images onto a class', async () => {
    const { page, context } = await newPage(app);
    await createProject(page, 'Drop');
    await page.getByRole('button', { name: 'Add a class by hand' }).click();
    await page.getByLabel('Class name').fill('loose');
    await page.getByRole('button', { name: 'Add class', exact: true }).click();
    const files = ['loose-1.png', 'loose-2.jpg', 'loose-3.png'].map((n) => ({
      name: n,
      b64: readFileSync(join(FIXTURES, 'single', n)).toString('base64'),
    }));
    const dt = await page.evaluateHandle((list) => {
      const d = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
        d.items.add(new File([bytes], f.name, { type: f.name.endsWith('.png') ? 'image/png' : 'image/jpeg' }));
      }
      return d;
    }, files);
    const target = page.getByTestId('class-item').filter({ hasText: 'loose' });
    await target.dispatchEvent('dragenter', { dataTransfer: dt });
    await target.dispatchEvent('dragover', { dataTransfer: dt });
    await target.dispatchEvent('drop', { dataTransfer: dt });
    await waitForImport(page);
    await expect.poll(() => classCounts(page)).toEqual({ loose: 3 });
    await context.close();
  });
});
