// The plan of a run, decided before the worker starts it: which classes take part and their label
// order, the order images are drawn in, the train/validation/test split, and the epoch count the
// progress bar counts to. Pure, so "Start training" and the leakage check (which shows each
// near-duplicate's set before training) plan the same split, and tests can pin it down.
import { groupTogether, stratifiedSplit, type SplitResult } from './split';
import type { RunConfig } from './run-config';

/** What the plan needs of a class (the studio's class record fits). */
export interface PlanClass {
  id: string;
  name: string;
  imageCount: number;
}

/** What the plan needs of an image (the studio's image record fits). */
export interface PlanImage {
  id: string;
  classId: string;
  name: string;
  /** Content hash: orders the images and keys the split, so file names and ids do not matter. */
  hash: string;
  /** A set the user marked the image for, if any. */
  split?: 'train' | 'val' | 'test' | null;
}

export interface PlannedSplit<C extends PlanClass = PlanClass> {
  /** Classes with images, in label order. */
  used: C[];
  labelOf: Map<string, number>;
  split: SplitResult;
}

export interface RunPlan<C extends PlanClass = PlanClass> extends PlannedSplit<C> {
  /** The run record's classes, in label order. */
  classes: { id: string; name: string }[];
  /** Epochs the progress counts to (0 for Auto: its plan decides). */
  totalEpochs: number;
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** `together`: groups of image ids (near-duplicates) the user asked to keep in one set. */
export function planSplit<C extends PlanClass>(classes: C[], images: PlanImage[], cfg: Pick<RunConfig, 'valFraction' | 'testFraction' | 'seed'>, together: string[][] = []): PlannedSplit<C> {
  const used = classes.filter((c) => c.imageCount > 0);
  const labelOf = new Map(used.map((c, i) => [c.id, i]));
  // In content-hash order (then name): the same photos train in the same order whatever their
  // file names, ids or import order, so the same seed gives the same first-epoch loss.
  const ordered = images.filter((i) => labelOf.has(i.classId)).sort((a, b) => cmp(a.hash, b.hash) || cmp(a.name, b.name));
  // Drawn over content hashes: the same photos and seed give the same split in any project.
  const items = ordered.map((i) => ({ id: i.id, label: labelOf.get(i.classId)!, key: i.hash }));
  // Images the user marked for validation (or test) are that set; otherwise a seeded stratified share.
  const markedAs = (s: 'val' | 'test') => new Set(ordered.filter((i) => i.split === s).map((i) => i.id));
  const marked = markedAs('val');
  const markedTest = markedAs('test');
  const split = stratifiedSplit(items, {
    valFraction: marked.size ? 0 : cfg.valFraction,
    testFraction: markedTest.size ? 0 : (cfg.testFraction ?? 0),
    seed: cfg.seed,
    forcedVal: marked,
    forcedTest: markedTest,
  });
  const hashOf = new Map(ordered.map((i) => [i.id, i.hash]));
  return { used, labelOf, split: together.length ? groupTogether(split, together, (id) => hashOf.get(id) ?? id, { val: marked, test: markedTest }) : split };
}

/** Epochs a run counts to: the head's, plus fine-tuning's; Auto's plan sets them later (0). */
export function plannedEpochs(cfg: Pick<RunConfig, 'auto' | 'epochs' | 'mode' | 'finetune'>): number {
  if (cfg.auto?.enabled) return 0;
  return cfg.epochs + (cfg.mode === 'finetune' ? cfg.finetune.epochs : 0);
}

/** The whole plan of a new run, or the reason it cannot train. */
export function planRun<C extends PlanClass>(classes: C[], images: PlanImage[], cfg: RunConfig, together: string[][] = []): { plan: RunPlan<C> } | { error: string } {
  const planned = planSplit(classes, images, cfg, together);
  if (planned.used.length < 2) return { error: 'Training needs at least 2 classes with images.' };
  return { plan: { ...planned, classes: planned.used.map((c) => ({ id: c.id, name: c.name })), totalEpochs: plannedEpochs(cfg) } };
}
