// Pins down a run's plan: label order from the classes with images, content-hash image order,
// the seeded split (the same whatever ids or names), marked sets honoured, near-duplicates kept
// together, and the epoch count progress counts to.
import { describe, expect, it } from 'vitest';
import { BACKBONES } from '../backbones/catalog';
import { defaultRunConfig } from './run-config';
import { planRun, planSplit, plannedEpochs, type PlanClass, type PlanImage } from './plan-run';

const cfg = { ...defaultRunConfig(BACKBONES[0]), auto: undefined, valFraction: 0.25, seed: 7 };

function dataset(prefix = ''): { classes: PlanClass[]; images: PlanImage[] } {
  const classes: PlanClass[] = [
    { id: `${prefix}empty`, name: 'Empty', imageCount: 0 },
    { id: `${prefix}ants`, name: 'Ants', imageCount: 8 },
    { id: `${prefix}bees`, name: 'Bees', imageCount: 8 },
  ];
  const images: PlanImage[] = ['ants', 'bees'].flatMap((c) =>
    Array.from({ length: 8 }, (_, i) => ({ id: `${prefix}${c}-${i}`, classId: `${prefix}${c}`, name: `${prefix}${c}/${i}.jpg`, hash: `${c}${(i * 37) % 101}` })),
  );
  return { classes, images };
}

const hashes = (ids: string[], images: PlanImage[]) => ids.map((id) => images.find((i) => i.id === id)!.hash);

describe('planRun', () => {
  it('labels only classes with images, in their order, and counts epochs', () => {
    const { classes, images } = dataset();
    const r = planRun(classes, images, cfg);
    if ('error' in r) throw new Error(r.error);
    expect(r.plan.classes).toEqual([{ id: 'ants', name: 'Ants' }, { id: 'bees', name: 'Bees' }]);
    expect([...r.plan.labelOf]).toEqual([['ants', 0], ['bees', 1]]);
    expect(r.plan.totalEpochs).toBe(cfg.epochs);
    const { train, val } = r.plan.split;
    expect(train.length + val.length).toBe(16);
    expect(new Set([...train, ...val]).size).toBe(16);
    expect(val.filter((id) => id.startsWith('ants'))).toHaveLength(2);
    expect(val.filter((id) => id.startsWith('bees'))).toHaveLength(2);
  });

  it('refuses fewer than 2 classes with images', () => {
    const { classes, images } = dataset();
    const r = planRun(classes.slice(0, 2), images, cfg);
    expect(r).toEqual({ error: 'Training needs at least 2 classes with images.' });
  });

  it('draws the same photos into the same sets whatever their ids, names or import order', () => {
    const a = dataset();
    const b = dataset('other-');
    const pa = planSplit(a.classes, a.images, cfg);
    const pb = planSplit(b.classes, [...b.images].reverse(), cfg);
    expect(hashes(pa.split.val, a.images)).toEqual(hashes(pb.split.val, b.images));
    expect(hashes(pa.split.train, a.images)).toEqual(hashes(pb.split.train, b.images));
    // A different seed draws differently.
    const pc = planSplit(a.classes, a.images, { ...cfg, seed: 8 });
    expect(pc.split.val).not.toEqual(pa.split.val);
  });

  it('makes the marked images the validation set', () => {
    const { classes, images } = dataset();
    const marked = images.map((i) => (i.id === 'ants-3' || i.id === 'bees-5' ? { ...i, split: 'val' as const } : i));
    expect(planSplit(classes, marked, cfg).split.val.sort()).toEqual(['ants-3', 'bees-5']);
  });

  it('keeps a near-duplicate pair in one set', () => {
    const { classes, images } = dataset();
    const plain = planSplit(classes, images, cfg).split;
    const pair = [plain.train.find((id) => id.startsWith('ants'))!, plain.val.find((id) => id.startsWith('ants'))!];
    const kept = planSplit(classes, images, cfg, [pair]).split;
    const inVal = pair.map((id) => kept.val.includes(id));
    expect(inVal[0]).toBe(inVal[1]);
  });

  it('counts fine-tuning epochs, and none for Auto', () => {
    expect(plannedEpochs({ ...cfg, mode: 'finetune' })).toBe(cfg.epochs + cfg.finetune.epochs);
    expect(plannedEpochs({ ...cfg, auto: { ...defaultRunConfig(BACKBONES[0]).auto!, enabled: true } })).toBe(0);
  });
});
