// Browser-test harness: finds Chromium (CHROMIUM_PATH, /usr/bin/chromium, then Playwright's own),
// serves the built app from dist/ with the production server, and opens pages with a fresh profile.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
// @ts-expect-error plain ESM module without types
import { startServer } from '../../scripts/serve.mjs';
// @ts-expect-error plain ESM module without types
import { createShareService } from '../../server/share-service.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(ROOT, 'e2e/fixtures/generated');
export const SHOTS = join(ROOT, 'e2e/.out/screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless=new',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined; // Playwright's own browser, if installed on this machine
}

export interface App {
  browser: Browser;
  url: string;
  close: () => Promise<void>;
}

/** Where the shared real data lives when present (never copied into the project). */
export const SHARED = resolve(ROOT, '../shared');

export async function startApp(extraRoutes: Record<string, string> = {}): Promise<App> {
  if (!existsSync(join(ROOT, 'dist/index.html'))) throw new Error('dist/ is missing: run `npm run build` first');
  // Test fixtures (the tiny backbone, datasets) are served by the same origin under /fixtures/.
  // The share service, as `npm start` mounts it, storing into a throwaway folder.
  const shareDir = mkdtempSync(join(tmpdir(), 'studio-shares-'));
  const share = createShareService({ dir: shareDir, onError: () => undefined });
  const server = await startServer({ root: join(ROOT, 'dist'), port: 0, routes: { '/fixtures/': FIXTURES, ...extraRoutes }, handlers: [share.handle] });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  return {
    browser,
    url: server.url,
    close: async () => {
      await browser.close();
      await server.close();
      share.close();
      rmSync(shareDir, { recursive: true, force: true });
    },
  };
}

/** A fresh profile (empty IndexedDB) with camera permission, and page errors collected. */
export async function newPage(app: App): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 860 } });
  const origin = new URL(app.url).origin;
  await context.grantPermissions(['camera'], { origin });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(app.url);
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export async function createProject(page: Page, name: string): Promise<string> {
  await page.getByRole('button', { name: /New project|Create your first project/ }).first().click();
  await page.getByLabel('Project name').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL(/#\/p\//);
  await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor();
  return decodeURIComponent(new URL(page.url()).hash.replace('#/p/', ''));
}

/** Waits until no import is running and returns the report's summary text. */
export async function waitForImport(page: Page, timeout = 120_000): Promise<string> {
  await page.getByTestId('import-report').waitFor({ timeout });
  await page.getByTestId('import-progress').waitFor({ state: 'detached', timeout });
  return (await page.getByTestId('report-summary').textContent()) ?? '';
}

/** Every record of one IndexedDB store of the studio, read straight from the page. */
export function idbAll<T = unknown>(page: Page, store: string): Promise<T[]> {
  return page.evaluate(async (name) => {
    const db: IDBDatabase = await new Promise((res, rej) => {
      const r = indexedDB.open('finetune-studio');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    try {
      return await new Promise<unknown[]>((res, rej) => {
        const q = db.transaction(name).objectStore(name).getAll();
        q.onsuccess = () => res(q.result);
        q.onerror = () => rej(q.error);
      });
    } finally {
      db.close();
    }
  }, store) as Promise<T[]>;
}

/** Record counts of several stores, in the order given. */
export function idbCounts(page: Page, stores: string[]): Promise<number[]> {
  return page.evaluate(async (names) => {
    const db: IDBDatabase = await new Promise((res, rej) => {
      const r = indexedDB.open('finetune-studio');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const tx = db.transaction(names);
    const n = await Promise.all(names.map((s) => new Promise<number>((res) => { const q = tx.objectStore(s).count(); q.onsuccess = () => res(q.result); })));
    db.close();
    return n;
  }, stores);
}

/** Turns Auto off (new projects train with Auto) and starts a run with the settings on the page. */
export async function startManualRun(page: Page) {
  const auto = page.getByTestId('auto-settings').getByRole('checkbox', { name: /Auto/ });
  if (await auto.isChecked()) await auto.uncheck();
  await page.getByRole('button', { name: 'Start training' }).click();
}

/** Opens the Train step's Advanced and Diagnostics disclosures, where every setting lives. */
export async function openAdvanced(page: Page) {
  for (const id of ['advanced', 'diagnostics']) {
    const d = page.getByTestId(id);
    await d.waitFor();
    if (!(await d.evaluate((e) => (e as HTMLDetailsElement).open))) await d.locator('summary').first().click();
  }
}

/** Imports a folder into the open project, goes to Train and picks the model at `modelUrl` (Advanced opened). */
export async function importAndPickModel(page: Page, folder: string, modelUrl: string) {
  await page.getByTestId('folder-input').setInputFiles(folder);
  await waitForImport(page);
  await page.getByRole('link', { name: 'Train', exact: true }).click();
  await openAdvanced(page);
  await page.getByLabel(/Or your own TF.js layers model/).fill(modelUrl);
  await page.getByRole('button', { name: 'Use this model' }).click();
}
