// Auto through the real UI: a new project trains with Auto by default; the run stores the study
// (folds, every setting tried) and the plan, the Train tab says in plain words what was chosen,
// the kept model's validation accuracy is the last epoch's, and Auto's choice can seed the manual
// settings. With ../shared present, the same on real photos and the real MobileNetV2.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createProject, idbAll, newPage, screenshot, SHARED, SHOTS, startApp, type App, importAndPickModel } from './support/harness';
import { drawDataset } from './support/datasets';

let app: App;
let dir: string;
let dataset: string;
const REAL_BACKBONE = join(SHARED, 'backbones/mobilenet-v2-0.35-224-no-top');
const FLOWERS = join(SHARED, 'datasets/flowers5');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-auto-'));
  dataset = drawDataset(join(dir, 'shapes'), ['red', 'blue', 'green'], 12);
  app = await startApp({ '/shared-backbones/': join(SHARED, 'backbones') });
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface StoredRun {
  status: string;
  config: { mode: string; auto?: { enabled: boolean }; epochs: number; head: { hiddenUnits: number; l2: number } };
  history: { epoch: number; stage: number; valAcc: number | null; trainAcc: number }[];
  bestValAcc: number | null;
  bestEpoch: number | null;
  totalEpochs: number;
  split: { train: string[]; val: string[] };
  evaluation?: { imageIds: string[]; labels: number[]; probabilities: number[]; numClasses: number; outOfFold?: { k: number } };
  study?: {
    k: number;
    fitOn?: string;
    foldSizes?: number[];
    rows: { accuracy: number; spread: number; steps: number; foldAccuracy: number[]; foldMacroF1?: number[]; foldLoss?: number[]; candidate: { l2: number; hiddenUnits: number } }[];
    plan: { mode: string; reason: string; headSteps: number; cvAccuracy: number; members?: { candidate: { l2: number; hiddenUnits: number }; steps: number }[] };
  };
}

async function waitFinished(page: Page, timeout = 300_000) {
  await page.getByRole('heading', { name: /Training finished|Stopped early|Training failed|Training stopped/ }).waitFor({ timeout });
  const failed = await page.getByRole('heading', { name: 'Training failed' }).count();
  if (failed) throw new Error(`training failed: ${await page.getByRole('alert').allTextContents()}`);
}

function evalAccuracy(e: NonNullable<StoredRun['evaluation']>) {
  let right = 0;
  e.labels.forEach((l, i) => {
    const row = e.probabilities.slice(i * e.numClasses, (i + 1) * e.numClasses);
    if (row.indexOf(Math.max(...row)) === l) right++;
  });
  return right / e.labels.length;
}

describe('Auto', () => {
  it('is on for a new project, studies the data, explains its choice and keeps the model it reports', async () => {
    const { page, context, errors } = await newPage(app);
    await createProject(page, 'Auto colours');
    await importAndPickModel(page, dataset, `${app.url}fixtures/tiny-backbone/model.json`);
    const auto = page.getByTestId('auto-settings').getByRole('checkbox', { name: /Auto/ });
    await expect.poll(() => auto.isChecked()).toBe(true);
    await page.getByLabel('Time to study settings (seconds)').fill('30');
    await page.getByRole('button', { name: 'Start training' }).click();
    await waitFinished(page);
    await page.getByTestId('auto-plan').waitFor();
    await screenshot(page, 'auto-01-done');
    const [run] = await idbAll<StoredRun>(page, 'runs');
    expect(run.status).toBe('done');
    expect(run.config.auto?.enabled).toBe(true);
    const study = run.study!;
    // 12 per class, training and validation images together in the folds → 5 folds; every family fits a 30 s budget here.
    expect(study.k).toBe(5);
    expect(study.rows.length).toBeGreaterThanOrEqual(8);
    for (const r of study.rows) expect(r.foldAccuracy).toHaveLength(5);
    // Best first.
    for (let i = 1; i < study.rows.length; i++) expect(study.rows[i].accuracy).toBeLessThanOrEqual(study.rows[i - 1].accuracy);
    // Too few images per class to fine-tune: the frozen plan, with the chosen head in the stored config.
    expect(study.plan.mode).toBe('frozen');
    expect(study.plan.reason).toMatch(/3 classes, about 12 images each; frozen features separate them at \d+%/);
    expect(run.split.val.length).toBeGreaterThan(0);
    expect(run.config.mode).toBe('frozen');
    expect(run.config.head.l2).toBe(study.rows[0].candidate.l2);
    // The head fit on every training and validation image is the run's history; the kept model is
    // its last epoch. Its validation figures are the chosen setting's out-of-fold predictions of
    // all those images (each from the fold model that did not train on it), and say so.
    expect(study.fitOn).toBe('train+val');
    expect(run.history.at(-1)!.epoch).toBe(study.plan.headSteps);
    expect(run.bestEpoch).toBe(study.plan.headSteps);
    expect(run.bestValAcc).toBe(run.history.at(-1)!.valAcc);
    expect(run.evaluation!.outOfFold).toEqual({ k: 5 });
    expect(run.evaluation!.imageIds.sort()).toEqual([...run.split.train, ...run.split.val].sort());
    expect(evalAccuracy(run.evaluation!)).toBeCloseTo(run.bestValAcc!, 6);
    // The kept head averages the best linear settings (up to 3), the best first; its out-of-fold
    // figure is the average's, and one setting alone is just that setting's figure.
    const members = study.plan.members!;
    expect(members.length).toBeGreaterThanOrEqual(1);
    expect(members.length).toBeLessThanOrEqual(3);
    expect(members[0].candidate).toEqual(study.rows[0].candidate);
    if (study.rows[0].candidate.hiddenUnits === 0) for (const m of members) expect(m.candidate.hiddenUnits).toBe(0);
    if (members.length > 1) expect(study.plan.reason).toMatch(new RegExp(`the kept classifier averages its ${members.length} best settings\\.$`));
    else expect(evalAccuracy(run.evaluation!)).toBeCloseTo(study.rows[0].accuracy, 6);
    await expect.poll(() => page.getByTestId('live-panel').getByTestId('headline').textContent()).toMatch(/of 36 right .*out of fold \(5-fold cross-validation\)/);
    await expect.poll(() => page.getByTestId('auto-fit-on').textContent()).toMatch(/trains on every training and validation image/);
    expect(run.bestValAcc).toBeGreaterThanOrEqual(0.8);
    // In plain words on the Train tab, with the table behind a disclosure.
    await expect.poll(() => page.getByTestId('auto-plan').textContent()).toMatch(/Auto chose:.*frozen features/);
    await page.getByText(/What Auto tried: \d+ settings, 5-fold cross-validation/).click();
    await expect.poll(() => page.getByTestId('auto-status').locator('details.auto-table').first().locator('tbody tr').count()).toBe(study.rows.length);
    await screenshot(page, 'auto-02-table');
    // Cross-validation of the chosen setting, fold by fold, stored with the run: every training and validation image in one fold.
    expect(study.foldSizes!.reduce((a, b) => a + b, 0)).toBe(run.split.train.length + run.split.val.length);
    expect(study.rows[0].foldMacroF1).toHaveLength(5);
    expect(study.rows[0].foldLoss).toHaveLength(5);
    const folds = page.getByTestId('fold-table');
    await folds.locator('summary').click();
    await expect.poll(() => folds.locator('tbody tr').count()).toBe(6); // 5 folds + mean ± spread
    const first = await folds.locator('tbody tr').first().locator('td').allTextContents();
    expect(first).toEqual(['1', String(study.foldSizes![0]), `${(study.rows[0].foldAccuracy[0] * 100).toFixed(1)}%`, study.rows[0].foldMacroF1![0].toFixed(2), study.rows[0].foldLoss![0].toFixed(3)]);
    await screenshot(page, 'auto-02b-folds');
    const wide = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('auto-status').screenshot({ path: join(SHOTS, 'auto-02c-folds-390.png') });
    if (wide) await page.setViewportSize(wide);
    // Auto's choice seeds the manual settings.
    await page.getByRole('button', { name: "Start from Auto's choice in the manual settings" }).click();
    await expect.poll(() => auto.isChecked()).toBe(false);
    await expect.poll(() => page.getByLabel('Head L2').inputValue()).toBe(String(study.rows[0].candidate.l2));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fine-tunes from the fitted head when frozen features do not separate the classes', async () => {
    // Two classes of pure noise: nothing separates them, and 52 images each are enough to fine-tune.
    const noise = join(dir, 'noise');
    let s = 5;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const c of ['left', 'right']) {
      mkdirSync(join(noise, c), { recursive: true });
      for (let i = 0; i < 52; i++) {
        const png = new PNG({ width: 40, height: 40 });
        for (let p = 0; p < png.data.length; p++) png.data[p] = p % 4 === 3 ? 255 : Math.floor(rand() * 256);
        writeFileSync(join(noise, c, `${c}-${i}.png`), PNG.sync.write(png));
      }
    }
    const { page, context, errors } = await newPage(app);
    await createProject(page, 'Auto noise');
    await importAndPickModel(page, noise, `${app.url}fixtures/tiny-backbone/model.json`);
    await page.getByLabel('Time to study settings (seconds)').fill('5');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByTestId('auto-plan').waitFor({ timeout: 300_000 });
    await waitFinished(page, 600_000);
    await screenshot(page, 'auto-04-finetune');
    const [run] = await idbAll<StoredRun>(page, 'runs');
    const plan = run.study!.plan;
    expect(run.status).toBe('done');
    expect(plan.mode).toBe('finetune');
    expect(plan.reason).toMatch(/2 classes, about 52 images each; frozen features separate them at \d+%.*: fine-tuning the last \d+ blocks for \d+ epochs/);
    expect(run.config).toMatchObject({ mode: 'finetune', epochs: 0 });
    // The head fit's passes, then the fine-tuning epochs numbered on from them.
    const head = run.history.filter((h) => h.stage === 1);
    const tuned = run.history.filter((h) => h.stage === 2);
    expect(head.at(-1)!.epoch).toBe(plan.headSteps);
    expect(tuned.length).toBeGreaterThanOrEqual(1);
    expect(tuned[0].epoch).toBe(plan.headSteps + 1);
    expect(run.totalEpochs).toBe(plan.headSteps + (run.config as unknown as { finetune: { epochs: number } }).finetune.epochs);
    // Fine-tuning keeps the validation images out of training to check each epoch on them.
    expect(run.study!.fitOn).toBe('train');
    expect(run.evaluation!.imageIds.length).toBe(run.split.val.length);
    expect(run.evaluation!.outOfFold).toBeUndefined();
    // The whole one-cycle schedule ran and its last epoch is the model: the stored validation
    // predictions are the last epoch's.
    const ftEpochs = (run.config as unknown as { finetune: { epochs: number } }).finetune.epochs;
    expect(tuned).toHaveLength(ftEpochs);
    expect(evalAccuracy(run.evaluation!)).toBeCloseTo(run.history.at(-1)!.valAcc!, 6);
    expect(plan.reason).toMatch(/keeping the last\.$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it.skipIf(!existsSync(join(REAL_BACKBONE, 'model.json')) || !existsSync(FLOWERS))('on real flower photos with the real MobileNetV2', async () => {
    // 30 photos of each of the 5 flower classes, copied to a temporary folder (the folder input does not follow links).
    const photos = join(dir, 'flowers');
    for (const c of readdirSync(FLOWERS).filter((d) => !d.startsWith('.')).sort()) {
      mkdirSync(join(photos, c), { recursive: true });
      for (const f of readdirSync(join(FLOWERS, c)).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, 30)) copyFileSync(join(FLOWERS, c, f), join(photos, c, f));
    }
    const { page, context, errors } = await newPage(app);
    await createProject(page, 'Auto flowers');
    await importAndPickModel(page, photos, `${app.url}shared-backbones/mobilenet-v2-0.35-224-no-top/model.json`);
    await page.getByLabel(/May fine-tune the backbone/).uncheck();
    await page.getByRole('button', { name: 'Start training' }).click();
    await waitFinished(page);
    await page.getByTestId('auto-plan').waitFor();
    await screenshot(page, 'auto-03-flowers');
    const [run] = await idbAll<StoredRun>(page, 'runs');
    const study = run.study!;
    console.log(`[auto] flowers: ${study.rows.length} settings, ${study.k} folds, best ${(study.rows[0].accuracy * 100).toFixed(1)}% out of fold; kept head ${((run.bestValAcc ?? 0) * 100).toFixed(1)}% out of fold on ${run.evaluation!.labels.length}; ${study.plan.reason}`);
    expect(study.plan.mode).toBe('frozen');
    expect(study.plan.reason).toMatch(/fine-tuning is turned off/);
    // Five classes: chance is 20%; frozen MobileNetV2 features do far better on flowers.
    expect(study.rows[0].accuracy).toBeGreaterThan(0.5);
    expect(run.bestValAcc).toBeGreaterThan(0.5);
    expect(evalAccuracy(run.evaluation!)).toBeCloseTo(run.bestValAcc!, 6);
    expect(errors).toEqual([]);
    await context.close();
  });
});
