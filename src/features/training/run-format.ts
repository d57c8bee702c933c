// Pure helpers behind the Runs tab and the training charts: number formats, chart downsampling,
// one-line run summaries and the settings that differ between runs. No React, so Node tests them.
import type { RunRecord, RunStatus } from '../../persistence/db';
import type { AugmentConfig } from '../../core/augment/augment';
import type { BatchPoint, EpochMetrics, RunConfig } from '../../core/train/run-config';
import type { ScheduleConfig } from '../../core/train/schedules';

const DASH = '–';

/**
 * At most `max` items of `arr`, evenly spaced, always including the first and the last. Returns
 * `arr` itself when it is already short enough (so memoised chart data keeps its identity).
 */
export function downsample<T>(arr: T[], max: number): T[] {
  const n = arr.length;
  const m = Math.floor(max);
  if (n <= m) return arr;
  if (m <= 0) return [];
  if (m === 1) return [arr[n - 1]];
  const out: T[] = new Array(m);
  // (n-1)/(m-1) > 1 here, so rounded indices are strictly increasing: no duplicates.
  for (let i = 0; i < m; i++) out[i] = arr[Math.round((i * (n - 1)) / (m - 1))];
  return out;
}

/**
 * Batch points with a break (a point of nulls) where steps jump: early stopping in the head stage
 * skips to fine-tuning, and a chart must not draw a line across epochs that never ran.
 * `stride` is the step distance between neighbours after downsampling.
 */
export function withStepGaps(points: BatchPoint[], stride = 1): (BatchPoint | { step: number; loss: null; smooth: null; lr: null })[] {
  const out: (BatchPoint | { step: number; loss: null; smooth: null; lr: null })[] = [];
  for (let i = 0; i < points.length; i++) {
    if (i > 0 && points[i].step - points[i - 1].step > 2 * Math.max(1, stride)) out.push({ step: points[i - 1].step + 1, loss: null, smooth: null, lr: null });
    out.push(points[i]);
  }
  return out;
}

/** 0.9234 → '92.3%'; null → '–'. */
export function formatPct(x: number | null | undefined, digits = 1): string {
  if (x == null || !Number.isFinite(x)) return DASH;
  return `${(x * 100).toFixed(digits)}%`;
}

/** Learning rates and other small numbers: 1e-4, 2.5e-4, 0.05, 0; null → '–'. */
export function formatLr(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return DASH;
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 0.01 && a < 1000) return String(Number(x.toPrecision(3)));
  const [mantissa, exponent] = x.toExponential(2).split('e');
  return `${Number(mantissa)}e${Number(exponent)}`;
}

/** Losses: 3 decimals (4 significant digits below 0.01); null → '–'. */
export function formatLoss(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return DASH;
  return Math.abs(x) < 0.01 && x !== 0 ? x.toPrecision(3) : x.toFixed(3);
}

export const STATUS_LABELS: Record<RunStatus, string> = {
  running: 'Running',
  paused: 'Paused',
  interrupted: 'Interrupted',
  done: 'Done',
  stopped: 'Stopped',
  error: 'Error',
};

export function modeLabel(config: Pick<RunConfig, 'mode'>): 'Frozen backbone' | 'Fine-tune' {
  return config.mode === 'finetune' ? 'Fine-tune' : 'Frozen backbone';
}

export interface RunSummary {
  mode: 'Frozen backbone' | 'Fine-tune';
  backbone: string;
  /** Epochs done / planned, e.g. '7 / 20'. */
  epochs: string;
  bestValAcc: string;
  status: string;
}

export function runSummary(run: RunRecord): RunSummary {
  return {
    mode: modeLabel(run.config),
    backbone: run.config.backbone.name,
    epochs: `${run.history.length} / ${run.totalEpochs}`,
    bestValAcc: formatPct(run.bestValAcc),
    status: STATUS_LABELS[run.status] ?? run.status,
  };
}

/** Seconds spent training (sum over the recorded epochs). */
export function trainingSeconds(run: Pick<RunRecord, 'history'>): number {
  return run.history.reduce((sum, h) => sum + (Number.isFinite(h.seconds) ? h.seconds : 0), 0);
}

/** The epoch number where fine-tuning (stage 2) starts, or null if no stage-2 epoch was recorded. */
export function firstStage2Epoch(history: readonly EpochMetrics[]): number | null {
  return history.find((h) => h.stage === 2)?.epoch ?? null;
}

/** Screen-reader summary of an epoch chart: the latest epoch's values. */
export function epochChartSummary(history: readonly EpochMetrics[], kind: 'loss' | 'accuracy', valName = 'validation'): string {
  const title = kind === 'loss' ? 'Loss per epoch' : 'Accuracy per epoch';
  const last = history[history.length - 1];
  if (!last) return `${title}: no epochs recorded yet.`;
  const fmt = kind === 'loss' ? formatLoss : (x: number | null) => formatPct(x);
  const train = kind === 'loss' ? last.trainLoss : last.trainAcc;
  const val = kind === 'loss' ? last.valLoss : last.valAcc;
  const parts = [`training ${fmt(train)}`];
  if (val != null) parts.push(`${valName} ${fmt(val)}`);
  const stage = last.stage === 2 ? ' (fine-tune)' : '';
  return `${title}, ${history.length} ${history.length === 1 ? 'epoch' : 'epochs'}. Epoch ${last.epoch}${stage}: ${parts.join(', ')}.`;
}

// ---------------------------------------------------------------------------------------------
// Config differences

export interface ConfigRow {
  key: string;
  label: string;
  values: string[];
}

const num = (x: number) => String(Number(x.toPrecision(6)));
const on = (v: number | undefined): v is number => v != null && v > 0;
const pct0 = (v: number) => `${Math.round(v * 100)}%`;

export function scheduleLabel(s: ScheduleConfig): string {
  switch (s.kind) {
    case 'constant':
      return 'Constant';
    case 'step':
      return `Step: ×${num(s.gamma)} every ${num(s.stepEvery)} epochs`;
    case 'cosine':
      return `Cosine to ${formatLr(s.minLr ?? 0)}`;
    case 'cyclical':
      return `Cyclical: ${num(s.cycleEpochs)}-epoch cycles from ${formatLr(s.minLr)}`;
    case 'one-cycle':
      return `One-cycle: ${pct0(s.pctStart ?? 0.25)} warm-up, div ${num(s.divFactor ?? 25)}, final div ${formatLr(s.finalDivFactor ?? 1e4)}`;
    case 'linear-warmup':
      return `Linear warm-up ${num(s.warmupEpochs)} epochs, then ${s.then}`;
    default: {
      const unknown: { kind: string } = s;
      return unknown.kind;
    }
  }
}

/** Compact list of the enabled augmentations, e.g. 'flip H, rotate ±10°, zoom 15%'. */
export function augmentLabel(enabled: boolean, a: AugmentConfig): string {
  if (!enabled) return 'Off';
  const parts: string[] = [];
  if (a.flipH) parts.push('flip H');
  if (a.flipV) parts.push('flip V');
  if (on(a.rotate)) parts.push(`rotate ±${num(a.rotate)}°`);
  if (on(a.zoom)) parts.push(`zoom ${pct0(a.zoom)}`);
  if (on(a.translate)) parts.push(`shift ±${pct0(a.translate)}`);
  if (on(a.brightness)) parts.push(`brightness ±${pct0(a.brightness)}`);
  if (on(a.contrast)) parts.push(`contrast ±${pct0(a.contrast)}`);
  if (on(a.saturation)) parts.push(`saturation ±${pct0(a.saturation)}`);
  if (on(a.hue)) parts.push(`hue ±${Math.round(a.hue * 360)}°`);
  if (on(a.noise)) parts.push(`noise σ ${num(a.noise)}`);
  if (on(a.blur)) parts.push(`blur ${num(a.blur)} px`);
  if (on(a.cutout)) parts.push(`cutout ${pct0(a.cutout)}`);
  return parts.length ? parts.join(', ') : 'On (nothing enabled)';
}

const BALANCE_LABELS: Record<RunConfig['balance'], string> = {
  none: 'None',
  'class-weights': 'Class weights',
  oversample: 'Oversample',
};

const OPTIMIZER_LABELS: Record<RunConfig['optimizer'], string> = {
  adam: 'Adam',
  adamw: 'AdamW',
  sgd: 'SGD',
  rmsprop: 'RMSprop',
};

/** Every comparable setting of a run as [key, label, value]; fine-tune-only settings read '–' for frozen runs. */
function flattenRun(run: RunRecord): [key: string, label: string, value: string][] {
  const c = run.config;
  const ft = c.mode === 'finetune';
  const es = c.earlyStopping;
  const usesMomentum = c.optimizer === 'sgd' || c.optimizer === 'rmsprop';
  return [
    ['backbone', 'Backbone', c.backbone.name],
    ['mode', 'Mode', modeLabel(c)],
    ['epochs', 'Epochs', String(c.epochs)],
    ['lr', 'Learning rate', formatLr(c.lr)],
    ['finetune.epochs', 'Fine-tune epochs', ft ? String(c.finetune.epochs) : DASH],
    ['finetune.lr', 'Fine-tune learning rate', ft ? formatLr(c.finetune.lr) : DASH],
    ['trainableBlocks', 'Trainable blocks', ft ? String(c.trainableBlocks) : DASH],
    ['layerOverrides', 'Layer overrides', ft && Object.keys(c.layerOverrides ?? {}).length > 0 ? String(Object.keys(c.layerOverrides).length) : DASH],
    ['backboneLr', 'Backbone LR multiplier', ft ? `×${num(c.backboneLrMultiplier)}${c.backboneLrGrade !== 1 ? `, graded ×${num(c.backboneLrGrade)}` : ''}` : DASH],
    ['batchSize', 'Batch size', String(c.batchSize)],
    ['gradAccumulation', 'Gradient accumulation', c.gradAccumulation > 1 ? `${c.gradAccumulation} (effective batch ${c.batchSize * c.gradAccumulation})` : '1'],
    ['optimizer', 'Optimizer', OPTIMIZER_LABELS[c.optimizer] ?? c.optimizer],
    ['momentum', 'Momentum', usesMomentum ? num(c.momentum) : DASH],
    ['weightDecay', 'Weight decay', formatLr(c.weightDecay)],
    ['schedule', 'LR schedule', scheduleLabel(c.schedule)],
    ['finetune.schedule', 'Fine-tune LR schedule', ft ? scheduleLabel(c.finetune.schedule ?? c.schedule) : DASH],
    ['labelSmoothing', 'Label smoothing', num(c.labelSmoothing)],
    ['balance', 'Class balance', BALANCE_LABELS[c.balance] ?? c.balance],
    ['earlyStopping', 'Early stopping', es.enabled ? `${es.monitor === 'accuracy' ? 'Accuracy' : 'Loss'}, patience ${es.patience}, min Δ ${formatLr(es.minDelta)}${es.restoreBest ? ', restore best' : ''}` : 'Off'],
    ['valFraction', 'Validation split', pct0(c.valFraction)],
    ['augment', 'Augmentation', augmentLabel(c.augmentEnabled, c.augment ?? {})],
    ['augmentViews', 'Cached augmented views', !ft && c.augmentEnabled ? String(c.augmentViews) : DASH],
    ['head.hiddenUnits', 'Head hidden units', c.head.hiddenUnits > 0 ? String(c.head.hiddenUnits) : 'None'],
    ['head.dropout', 'Head dropout', num(c.head.dropout)],
    ['head.l2', 'Head L2', formatLr(c.head.l2)],
    ['seed', 'Seed', String(c.seed)],
    ['backendRequested', 'Backend requested', c.backend === 'auto' ? 'Auto' : c.backend],
    ['backend', 'Backend used', run.backend ?? DASH],
    ['classes', 'Classes', String(run.classes.length)],
  ];
}

/**
 * The runs' settings side by side as readable strings, one value per run (in `runs` order). With
 * two or more runs only the settings whose values differ are returned; with one, all of them.
 */
export function configDiff(runs: RunRecord[]): ConfigRow[] {
  if (runs.length === 0) return [];
  const flat = runs.map(flattenRun);
  const rows: ConfigRow[] = flat[0].map(([key, label], i) => ({ key, label, values: flat.map((f) => f[i][2]) }));
  if (runs.length === 1) return rows;
  return rows.filter((r) => r.values.some((v) => v !== r.values[0]));
}

/**
 * Round axis ticks: about `count` steps of 1, 2 or 5 × 10ⁿ covering [min, max] (widened to hold
 * both ends when `extend`), with `minStep` as the smallest step (1 for epochs and steps).
 */
export function niceTicks(min: number, max: number, count = 4, { extend = false, minStep = 0 } = {}): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max < min) [min, max] = [max, min];
  if (max === min) return [min];
  const rough = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const f = rough / mag;
  let step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  if (step < minStep) step = minStep;
  const first = (extend ? Math.floor(min / step) : Math.ceil(min / step - 1e-9)) * step;
  const last = (extend ? Math.ceil(max / step) : Math.floor(max / step + 1e-9)) * step;
  const out: number[] = [];
  // Rounded to the step's decimals, so 0.1 + 0.2 prints as 0.3.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let v = first, i = 0; v <= last + step * 1e-9 && i < 100; v = first + ++i * step) out.push(Number(v.toFixed(digits)));
  return out;
}
