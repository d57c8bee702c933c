// Projects through the real UI: the home view's empty state, create (URL lands in the project on
// reload), rename, duplicate with its images, delete with confirmation and storage released.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { FIXTURES, createProject, idbCounts, newPage, screenshot, startApp, waitForImport, type App } from './support/harness';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => app?.close());

const rows = (page: Page) => page.getByTestId('project-row');
const usage = (page: Page) => page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);

describe('projects', () => {
  it('creates, reopens by URL, renames, duplicates and deletes projects', async () => {
    const { page, context, errors } = await newPage(app);
    await page.getByRole('heading', { name: 'No projects yet' }).waitFor();
    await screenshot(page, '01-home-empty');

    const id = await createProject(page, 'Leaf spots');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: /Leaf spots/ }).waitFor();
    expect(page.url()).toContain(encodeURIComponent(id));

    await page.getByTestId('zip-input').setInputFiles(join(FIXTURES, 'archive.zip'));
    await waitForImport(page);
    const before = await usage(page);

    await page.getByRole('link', { name: '← Projects' }).click();
    await expect.poll(() => rows(page).count()).toBe(1);
    const row = rows(page).first();
    await expect.poll(() => row.textContent()).toMatch(/Leaf spots\s*2\s*11/);

    await page.getByRole('button', { name: 'Rename Leaf spots' }).click();
    await page.getByLabel('Project name').fill('Leaf spots v2');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await expect.poll(() => row.textContent()).toContain('Leaf spots v2');

    await page.getByRole('button', { name: 'Duplicate Leaf spots v2' }).click();
    await expect.poll(() => rows(page).count()).toBe(2);
    await expect.poll(() => page.getByRole('link', { name: 'Leaf spots v2 (copy)' }).count()).toBe(1);
    const copyRow = rows(page).filter({ hasText: '(copy)' });
    await expect.poll(() => copyRow.textContent()).toMatch(/\(copy\)\s*2\s*11/);
    await screenshot(page, '05-home-projects');

    // The copy is independent and has real images.
    await page.getByRole('link', { name: 'Leaf spots v2 (copy)' }).click();
    await expect.poll(() => page.getByTestId('image-tile').count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: '← Projects' }).click();

    // Delete asks first; cancelling keeps the project.
    await page.getByRole('button', { name: 'Delete Leaf spots v2 (copy)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await rows(page).count()).toBe(2);
    await page.getByRole('button', { name: 'Delete Leaf spots v2 (copy)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete project' }).click();
    await expect.poll(() => rows(page).count()).toBe(1);
    await page.getByRole('button', { name: 'Delete Leaf spots v2', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete project' }).click();
    await page.getByRole('heading', { name: 'No projects yet' }).waitFor();

    // Nothing of the deleted projects is left in IndexedDB, and the browser reports less use.
    const stores = ['projects', 'classes', 'images', 'originals', 'thumbnails', 'training'];
    const left = Object.fromEntries((await idbCounts(page, stores)).map((n, i) => [stores[i], n]));
    expect(left).toEqual({ projects: 0, classes: 0, images: 0, originals: 0, thumbnails: 0, training: 0 });
    await expect.poll(() => usage(page), { timeout: 20_000 }).toBeLessThan(before);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a clear page for a project link that no longer exists', async () => {
    const { page, context } = await newPage(app);
    await page.goto(`${app.url}#/p/does-not-exist`);
    await page.getByRole('heading', { name: 'Project not found' }).waitFor();
    await context.close();
  });
});
