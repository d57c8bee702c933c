// Webcam capture with Chromium's fake camera: a single shot and a hold-to-record burst land in
// the selected class and survive a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, newPage, startApp, type App } from './support/harness';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => app?.close());

describe('webcam', () => {
  it('captures single shots and bursts into the selected class', async () => {
    const { page, context, errors } = await newPage(app);
    await createProject(page, 'Webcam');
    await page.getByRole('button', { name: 'Add a class by hand' }).click();
    await page.getByLabel('Class name').fill('thumbs up');
    await page.getByRole('button', { name: 'Add class', exact: true }).click();
    await page.getByRole('toolbar', { name: 'Import' }).getByRole('button', { name: 'Webcam' }).click();
    const dialog = page.getByRole('dialog', { name: /Webcam → thumbs up/ });
    await dialog.waitFor();
    await expect.poll(() => dialog.getByRole('button', { name: 'Capture photo' }).isEnabled()).toBe(true);
    await expect.poll(() => page.evaluate(() => document.querySelector('video')?.videoWidth ?? 0)).toBeGreaterThan(0);

    await dialog.getByRole('button', { name: 'Capture photo' }).click();
    // A capture is decoded and stored like an import before it counts: allow for a busy machine.
    await expect.poll(() => dialog.getByTestId('webcam-count').textContent(), { timeout: 30_000 }).toContain('1 captured');

    const hold = dialog.getByRole('button', { name: 'Hold to record' });
    await hold.hover();
    await page.mouse.down();
    await page.waitForTimeout(1200);
    await page.mouse.up();
    await page.waitForTimeout(600); // the last frame is encoded after release
    const captured = Number((await dialog.getByTestId('webcam-count').textContent())!.match(/\d+/)![0]);
    expect(captured).toBeGreaterThanOrEqual(3);

    await page.keyboard.press('Escape');
    const count = () => page.getByTestId('class-item').first().locator('.class-count').textContent();
    await expect.poll(async () => Number((await count())!.replace(/\D/g, '')), { timeout: 30_000 }).toBe(captured);
    await page.reload();
    await page.getByTestId('class-item').first().waitFor();
    expect(Number((await count())!.replace(/\D/g, ''))).toBe(captured);
    expect(errors).toEqual([]);
    await context.close();
  });
});
