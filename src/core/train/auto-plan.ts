// What Auto trains, decided from the data: the study's best head, and whether to fine-tune the
// backbone (and how much) from how many images each class has and how well frozen features
// already separate the classes. Also the plain-words sentence the Train tab shows.
import { AUGMENT_DEFAULTS } from '../augment/augment-config';
import type { HeadCandidate } from './head-search';
import type { RunConfig } from './run-config';
import type { StudyResult, StudyRow } from './study';

export interface AutoSettings {
  /** Auto chooses the run (the default for a new project). */
  enabled: boolean;
  /** Seconds the head search may take; the first family of candidates always runs. */
  budgetSec: number;
  /** Fine-tuning may be chosen (slower; often more accurate when frozen features separate the classes poorly). */
  allowFinetune: boolean;
}

export const DEFAULT_AUTO: AutoSettings = { enabled: true, budgetSec: 5, allowFinetune: true };

/** Frozen features at or above this out-of-fold accuracy: fine-tuning is not worth its time. */
export const SEPARATED = 0.9;
/**
 * Fine-tuning only below this out-of-fold accuracy, and with at least MIN_PER_CLASS_FINETUNE
 * images in every class. On held-out photos of two flower sets (5 × 40 at 66% out of fold, 3 × 80
 * at 76%) the frozen plan scored at least as well as fine-tuning, at under half its time.
 */
export const FINETUNE_BELOW = 0.7;
/** Fewer images than this in the smallest class: fine-tuning does not pay for its time. */
export const MIN_PER_CLASS_FINETUNE = 50;
/** A frozen plan's head averages the logits of this many of the best linear settings. */
export const ENSEMBLE_SIZE = 3;

/** One setting of the averaged head: its candidate and the passes its out-of-fold curve picked. */
export interface PlanMember {
  candidate: HeadCandidate;
  steps: number;
  /** Its own out-of-fold accuracy in the study. */
  accuracy: number;
}

export interface AutoPlan {
  mode: 'frozen' | 'finetune';
  head: HeadCandidate;
  /** Full-batch passes of the head fit. */
  headSteps: number;
  trainableBlocks: number;
  finetuneEpochs: number;
  finetuneLr: number;
  /** One plain-words sentence: what was chosen and why. */
  reason: string;
  /**
   * Frozen plans: the settings whose logits the kept head averages, best first (linear heads
   * average into one linear head). Just the best when it has a hidden layer; absent in plans
   * stored before heads were averaged (and in fine-tune plans): the best alone.
   */
  members?: PlanMember[];
  /** Out-of-fold accuracy of the chosen head ± spread across folds, and the number of folds. */
  cvAccuracy: number;
  cvSpread: number;
  k: number;
}

export interface PlanInput {
  study: StudyResult;
  classNames: string[];
  /** Training images per class (label order). */
  counts: number[];
  fineTunable: boolean;
  allowFinetune: boolean;
  /** Blocks of the backbone that can be unfrozen. */
  blocks: number;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function describeHead(c: HeadCandidate): string {
  const kind = c.hiddenUnits > 0 ? `a hidden layer of ${c.hiddenUnits} (dropout ${c.dropout})` : 'a linear head';
  return `${kind}, L2 ${c.l2}${c.labelSmoothing ? `, label smoothing ${c.labelSmoothing}` : ''}${c.standardize ? ', standardized features' : ''}${c.balance === 'class-weights' ? ', balanced classes' : ''}`;
}

/**
 * Which images a plan's head fits on: a frozen plan on the training and validation images (its
 * figures out of fold), a fine-tune plan on the training images.
 */
export function fitOnOf(plan: Pick<AutoPlan, 'mode'>): 'train+val' | 'train' {
  return plan.mode === 'frozen' ? 'train+val' : 'train';
}

/** The best setting, and when it is linear the next best linear ones (up to `size` in all). */
export function planMembers(rows: StudyRow[], size = ENSEMBLE_SIZE): PlanMember[] {
  const member = (r: StudyRow): PlanMember => ({ candidate: r.candidate, steps: r.steps, accuracy: r.accuracy });
  if (rows.length === 0) return [];
  if (rows[0].candidate.hiddenUnits > 0) return [member(rows[0])];
  return rows.filter((r) => r.candidate.hiddenUnits === 0).slice(0, size).map(member);
}

export function chooseAutoPlan(inp: PlanInput): AutoPlan {
  const best: StudyRow = inp.study.best;
  const n = inp.counts.length;
  const smallest = Math.min(...inp.counts);
  const total = inp.counts.reduce((a, b) => a + b, 0);
  const even = Math.max(...inp.counts) - smallest <= Math.max(1, 0.1 * smallest);
  const data = even ? `${n} classes, about ${Math.round(total / n)} images each` : `${n} classes, ${smallest} to ${Math.max(...inp.counts)} images each`;
  const sep = `frozen features separate them at ${pct(best.accuracy)} (± ${pct(best.spread)} over ${inp.study.k} folds)`;
  const base = { head: best.candidate, headSteps: best.steps, cvAccuracy: best.accuracy, cvSpread: best.spread, k: inp.study.k };
  let why: string | null = null;
  if (!inp.fineTunable) why = 'this backbone can only be used frozen';
  else if (!inp.allowFinetune) why = 'fine-tuning is turned off';
  else if (best.accuracy >= SEPARATED) why = 'fine-tuning would add little for the time it takes';
  else if (smallest < MIN_PER_CLASS_FINETUNE) why = `${smallest} images in the smallest class are too few for fine-tuning to pay off; it needs about ${MIN_PER_CLASS_FINETUNE}`;
  else if (best.accuracy >= FINETUNE_BELOW) why = `fine-tuning pays off mainly when they separate under ${pct(FINETUNE_BELOW)}`;
  if (why) {
    const members = planMembers(inp.study.rows);
    const averaged = members.length > 1 ? `; the kept classifier averages its ${members.length} best settings` : '';
    return { ...base, mode: 'frozen', members, trainableBlocks: 0, finetuneEpochs: 0, finetuneLr: 0, reason: `${data}; ${sep}: training the classifier on frozen features (${why})${averaged}.` };
  }
  // The worse frozen features do, the more of the backbone adapts.
  const blocks = Math.min(inp.blocks, best.accuracy < 0.6 ? 6 : 4);
  // About 3,000 image passes, 6 to 12 epochs.
  const epochs = Math.max(6, Math.min(12, Math.round(3000 / Math.max(1, total))));
  return {
    ...base,
    mode: 'finetune',
    trainableBlocks: blocks,
    finetuneEpochs: epochs,
    finetuneLr: 3e-4,
    reason: `${data}; ${sep}: fine-tuning the last ${blocks} blocks for ${epochs} epochs on augmented photos, keeping the last.`,
  };
}

/** The run configuration that carries a plan out (everything else as the user left it). */
export function applyPlan(cfg: RunConfig, plan: AutoPlan): RunConfig {
  const head = { hiddenUnits: plan.head.hiddenUnits, dropout: plan.head.dropout, l2: plan.head.l2 };
  const common = { ...cfg, head, labelSmoothing: plan.head.labelSmoothing, balance: plan.head.balance === 'class-weights' ? ('class-weights' as const) : ('none' as const) };
  if (plan.mode === 'frozen') return { ...common, mode: 'frozen', epochs: plan.headSteps, augmentEnabled: false };
  return {
    ...common,
    mode: 'finetune',
    // The head arrives trained by the study's fit; the trainer runs the fine-tuning stage only.
    epochs: 0,
    trainableBlocks: plan.trainableBlocks,
    layerOverrides: {},
    finetune: { epochs: plan.finetuneEpochs, lr: plan.finetuneLr, schedule: { kind: 'one-cycle', pctStart: 0.2 } },
    backboneLrMultiplier: 0.3,
    backboneLrGrade: 0.3,
    schedule: { kind: 'one-cycle', pctStart: 0.2 },
    augmentEnabled: true,
    augment: { ...AUGMENT_DEFAULTS },
    // The whole one-cycle schedule, keeping its last epoch: on held-out photos the last epoch
    // scored at least as well as the epoch a small validation set picked (see the README), and the
    // validation images then take no part in any choice.
    earlyStopping: { enabled: false, patience: Math.max(3, Math.round(plan.finetuneEpochs / 3)), minDelta: 0, restoreBest: false, monitor: 'accuracy' },
  };
}
