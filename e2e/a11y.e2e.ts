// Accessibility: axe-core scans of the home view and a project view find no serious or critical
// violations, and the main flow works from the keyboard alone.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { FIXTURES, createProject, newPage, startApp, waitForImport, type App } from './support/harness';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => app?.close());

async function seriousViolations(page: Page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document);
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('accessibility', () => {
  it('home and project views have no serious or critical axe violations', async () => {
    const { page, context } = await newPage(app);
    await page.getByRole('heading', { name: 'No projects yet' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await createProject(page, 'Axe');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId('zip-input').setInputFiles(join(FIXTURES, 'archive.zip'));
    await waitForImport(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: '← Projects' }).click();
    await page.getByTestId('project-row').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it('creates a project and a class with the keyboard only', async () => {
    const { page, context } = await newPage(app);
    await page.getByRole('heading', { name: 'No projects yet' }).waitFor();
    const focusOn = async (name: string | RegExp) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        const label = await page.evaluate(() => document.activeElement?.textContent?.trim() || document.activeElement?.getAttribute('aria-label') || '');
        if (typeof name === 'string' ? label === name : name.test(label)) return;
      }
      throw new Error(`could not reach "${name}" with Tab`);
    };
    await focusOn('New project');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Keyboard project');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/p\//);
    await focusOn('Add a class by hand');
    await page.keyboard.press('Enter');
    await page.keyboard.type('typed class');
    await page.keyboard.press('Enter');
    await page.getByTestId('active-class-name').filter({ hasText: 'typed class' }).waitFor();
    await context.close();
  });
});
