// Early-stopping bookkeeping (Keras EarlyStopping semantics) kept free of tensors: it tracks the
// best epoch and says when to stop; saving/restoring the best weights is the caller's job.

export interface EarlyStoppingOptions {
  /** Stop after this many consecutive epochs without improvement (0 behaves like 1). */
  patience: number;
  /** An improvement must beat the best by more than this (absolute). Default 0. */
  minDelta?: number;
  /** 'min' for losses, 'max' for accuracies. */
  mode: 'min' | 'max';
  /** Whether the caller should restore the best epoch's weights when stopping. */
  restoreBest: boolean;
}

export interface EarlyStoppingState {
  bestEpoch: number;
  bestValue: number;
  /** The tie-break value (lower is better) at the best epoch; absent in checkpoints made before it existed. */
  bestTie?: number;
  wait: number;
  stopped: boolean;
}

export class EarlyStopping {
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  readonly restoreBest: boolean;
  /** Epoch of the best value so far; −1 before the first update. */
  bestEpoch = -1;
  /** Best value so far: +Infinity ('min') / −Infinity ('max') before the first update. */
  bestValue: number;
  /** Tie-break value (lower is better, e.g. the loss) at the best epoch. */
  bestTie = Infinity;
  /** Consecutive epochs without improvement. */
  wait = 0;
  /** Latched once `update` has returned stop: true. */
  stopped = false;

  constructor(opts: EarlyStoppingOptions) {
    if (!Number.isInteger(opts.patience) || opts.patience < 0) throw new Error('patience must be an integer ≥ 0');
    const minDelta = Math.abs(opts.minDelta ?? 0);
    if (!Number.isFinite(minDelta)) throw new Error('minDelta must be finite');
    this.patience = opts.patience;
    this.minDelta = minDelta;
    this.mode = opts.mode;
    this.restoreBest = opts.restoreBest;
    this.bestValue = opts.mode === 'min' ? Infinity : -Infinity;
  }

  /**
   * Records `value` for `epoch`. `improved` is true when it beats the best by more than minDelta
   * (the first finite value always does; NaN never does), or when it equals the best exactly and
   * its `tie` (lower is better: the loss when watching accuracy, which on a small validation set
   * often ties) beats the best epoch's. `stop` is true once `patience` consecutive epochs have not
   * improved.
   */
  update(epoch: number, value: number, tie?: number): { improved: boolean; stop: boolean } {
    const beats =
      !Number.isNaN(value) &&
      (this.mode === 'min' ? value < this.bestValue - this.minDelta : value > this.bestValue + this.minDelta) &&
      // the very first finite value always counts (Infinity − minDelta is still Infinity)
      Number.isFinite(value);
    const breaksTie = !beats && value === this.bestValue && tie != null && !Number.isNaN(tie) && tie < this.bestTie;
    const improved = beats || breaksTie;
    if (improved) {
      this.bestValue = value;
      this.bestTie = tie ?? Infinity;
      this.bestEpoch = epoch;
      this.wait = 0;
    } else {
      this.wait++;
    }
    if (this.wait > 0 && this.wait >= this.patience) this.stopped = true;
    return { improved, stop: this.stopped };
  }

  /** Starts counting patience afresh (a new training stage) while keeping the best value to beat. */
  resetPatience() {
    this.wait = 0;
    this.stopped = false;
  }

  /** Whether the caller should now load the best epoch's weights (stopped, asked, and known). */
  get shouldRestore(): boolean {
    return this.stopped && this.restoreBest && this.bestEpoch >= 0;
  }

  /** Plain snapshot for checkpoints (JSON-safe apart from ±Infinity before the first update). */
  getState(): EarlyStoppingState {
    return { bestEpoch: this.bestEpoch, bestValue: this.bestValue, bestTie: this.bestTie, wait: this.wait, stopped: this.stopped };
  }

  /** Resumes from a `getState()` snapshot. */
  setState(state: EarlyStoppingState): void {
    this.bestEpoch = state.bestEpoch;
    this.bestValue = state.bestEpoch < 0 ? (this.mode === 'min' ? Infinity : -Infinity) : state.bestValue;
    this.bestTie = state.bestEpoch < 0 ? Infinity : (state.bestTie ?? Infinity);
    this.wait = state.wait;
    this.stopped = state.stopped;
  }
}
