// Learning-rate schedules as pure functions of the global step, so a resumed run recomputes
// the exact rate for any step and the UI can plot the curve before training starts.

export type ScheduleConfig =
  | { kind: 'constant' }
  | { kind: 'step'; stepEvery: number /* epochs */; gamma: number }
  | { kind: 'cosine'; minLr?: number }
  | { kind: 'cyclical'; cycleEpochs: number; minLr: number }
  | { kind: 'one-cycle'; pctStart?: number /* 0.25 */; divFactor?: number /* 25 */; finalDivFactor?: number /* 1e4 */ }
  | { kind: 'linear-warmup'; warmupEpochs: number; then: 'constant' | 'cosine' };

/** Cosine interpolation from `start` (pct 0) to `end` (pct 1), as PyTorch's `_annealing_cos`. */
function cosAnneal(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (1 + Math.cos(Math.PI * pct));
}

/**
 * The learning rate for 0-based global `step` (= epoch·stepsPerEpoch + batch) of a run of
 * `totalEpochs` epochs. Steps past the end are clamped to the last step.
 *
 * - constant: `baseLr`.
 * - step: `baseLr · gamma^floor(epoch / stepEvery)` (PyTorch StepLR, per whole epoch).
 * - cosine: per step from `baseLr` at step 0 to `minLr` (default 0) at step `total`
 *   (PyTorch CosineAnnealingLR with T_max = total steps; the last step is just above minLr).
 * - cyclical: Smith's triangular policy: each cycle of `cycleEpochs` epochs rises linearly
 *   from `minLr` to `baseLr` at mid-cycle and falls back; cycles repeat.
 * - one-cycle: fastai / PyTorch OneCycleLR (cos anneal, two phases): over the first
 *   `pctStart·total − 1` steps cosine warm-up from `baseLr/divFactor` to `baseLr`, then cosine
 *   down to `baseLr/(divFactor·finalDivFactor)` at the last step (total − 1).
 * - linear-warmup: linear ramp `baseLr·(step+1)/W` over W = warmupEpochs·stepsPerEpoch steps
 *   (reaching `baseLr` on the last warm-up step, never 0), then constant, or cosine from `baseLr`
 *   to 0 over the remaining steps (HF `get_cosine_schedule_with_warmup`).
 */
export function lrAt(
  cfg: ScheduleConfig,
  baseLr: number,
  step: number,
  stepsPerEpoch: number,
  totalEpochs: number,
): number {
  if (!(stepsPerEpoch >= 1) || !(totalEpochs > 0)) {
    throw new Error(`lrAt needs stepsPerEpoch ≥ 1 and totalEpochs > 0 (got ${stepsPerEpoch}, ${totalEpochs})`);
  }
  const total = Math.max(1, Math.round(stepsPerEpoch * totalEpochs));
  const s = Math.min(Math.max(0, Math.floor(step)), total - 1);
  switch (cfg.kind) {
    case 'constant':
      return baseLr;
    case 'step': {
      if (!(cfg.stepEvery > 0)) throw new Error('step schedule needs stepEvery > 0');
      const epoch = Math.floor(s / stepsPerEpoch);
      return baseLr * cfg.gamma ** Math.floor(epoch / cfg.stepEvery);
    }
    case 'cosine':
      return cosAnneal(baseLr, cfg.minLr ?? 0, s / total);
    case 'cyclical': {
      const cycle = cfg.cycleEpochs * stepsPerEpoch;
      if (!(cycle > 0)) throw new Error('cyclical schedule needs cycleEpochs > 0');
      const pos = (s % cycle) / cycle;
      return cfg.minLr + (baseLr - cfg.minLr) * (1 - Math.abs(2 * pos - 1));
    }
    case 'one-cycle': {
      const pctStart = cfg.pctStart ?? 0.25;
      const div = cfg.divFactor ?? 25;
      const finalDiv = cfg.finalDivFactor ?? 1e4;
      if (!(pctStart > 0 && pctStart < 1)) throw new Error('one-cycle pctStart must be in (0, 1)');
      const initial = baseLr / div;
      const min = initial / finalDiv;
      const warmEnd = pctStart * total - 1;
      if (s <= warmEnd) return warmEnd <= 0 ? baseLr : cosAnneal(initial, baseLr, s / warmEnd);
      const span = total - 1 - warmEnd;
      return span <= 0 ? min : cosAnneal(baseLr, min, (s - warmEnd) / span);
    }
    case 'linear-warmup': {
      const warm = Math.max(0, Math.round(cfg.warmupEpochs * stepsPerEpoch));
      if (s < warm) return (baseLr * (s + 1)) / warm;
      if (cfg.then === 'constant') return baseLr;
      const rest = total - warm;
      return rest <= 0 ? baseLr : cosAnneal(baseLr, 0, (s - warm) / rest);
    }
  }
}

/** The rate for every step of the run (for plotting the schedule before training). */
export function scheduleCurve(cfg: ScheduleConfig, baseLr: number, stepsPerEpoch: number, totalEpochs: number): number[] {
  const total = Math.max(1, Math.round(stepsPerEpoch * totalEpochs));
  return Array.from({ length: total }, (_, s) => lrAt(cfg, baseLr, s, stepsPerEpoch, totalEpochs));
}
