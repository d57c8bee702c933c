// Checks early-stopping bookkeeping: Keras patience semantics, minDelta, modes, NaN, resume.
import { describe, expect, it } from 'vitest';
import { EarlyStopping } from './early-stopping';

/** Feeds values from epoch 0 and returns the epoch at which stop first became true (or -1). */
function stopEpoch(es: EarlyStopping, values: number[]): number {
  for (let e = 0; e < values.length; e++) if (es.update(e, values[e]).stop) return e;
  return -1;
}

describe('EarlyStopping', () => {
  it('min mode: stops after `patience` epochs without improvement and tracks the best', () => {
    const es = new EarlyStopping({ patience: 2, mode: 'min', restoreBest: true });
    expect(es.update(0, 1.0)).toEqual({ improved: true, stop: false });
    expect(es.update(1, 0.8)).toEqual({ improved: true, stop: false });
    expect(es.update(2, 0.9)).toEqual({ improved: false, stop: false });
    expect(es.update(3, 0.85)).toEqual({ improved: false, stop: true });
    expect(es.bestEpoch).toBe(1);
    expect(es.bestValue).toBe(0.8);
    expect(es.shouldRestore).toBe(true);
  });

  it('an improvement resets the wait', () => {
    const es = new EarlyStopping({ patience: 2, mode: 'min', restoreBest: false });
    expect(stopEpoch(es, [1, 1.1, 0.9, 1.0, 0.8, 0.85, 0.86, 0.7])).toBe(6);
    expect(es.bestEpoch).toBe(4);
    expect(es.shouldRestore).toBe(false);
  });

  it('max mode for accuracy-like metrics', () => {
    const es = new EarlyStopping({ patience: 1, mode: 'max', restoreBest: true });
    expect(es.update(0, 0.5).improved).toBe(true);
    expect(es.update(1, 0.7).improved).toBe(true);
    expect(es.update(2, 0.6)).toEqual({ improved: false, stop: true });
    expect(es.bestValue).toBe(0.7);
  });

  it('minDelta: gains not larger than minDelta do not count', () => {
    const es = new EarlyStopping({ patience: 3, minDelta: 0.01, mode: 'min', restoreBest: true });
    es.update(0, 1.0);
    expect(es.update(1, 0.995).improved).toBe(false);
    expect(es.update(2, 0.99).improved).toBe(false); // exactly minDelta is not enough
    expect(es.update(3, 0.98).improved).toBe(true);
    expect(es.bestEpoch).toBe(3);
    const mx = new EarlyStopping({ patience: 3, minDelta: -0.05, mode: 'max', restoreBest: true }); // sign ignored
    mx.update(0, 0.5);
    expect(mx.update(1, 0.54).improved).toBe(false);
    expect(mx.update(2, 0.56).improved).toBe(true);
  });

  it('patience 0 stops at the first epoch without improvement', () => {
    const es = new EarlyStopping({ patience: 0, mode: 'min', restoreBest: true });
    expect(es.update(0, 1).stop).toBe(false);
    expect(es.update(1, 0.5).stop).toBe(false);
    expect(es.update(2, 0.5).stop).toBe(true);
  });

  it('NaN and infinite values never improve; stop stays latched', () => {
    const es = new EarlyStopping({ patience: 2, mode: 'min', restoreBest: true });
    expect(es.update(0, NaN).improved).toBe(false);
    expect(es.bestEpoch).toBe(-1);
    expect(es.shouldRestore).toBe(false);
    expect(es.update(1, 2).improved).toBe(true);
    expect(es.update(2, -Infinity).improved).toBe(false);
    expect(es.update(3, NaN).stop).toBe(true);
    expect(es.update(4, 0.1)).toEqual({ improved: true, stop: true });
  });

  it('reports its initial state', () => {
    const es = new EarlyStopping({ patience: 3, mode: 'max', restoreBest: true });
    expect(es.bestEpoch).toBe(-1);
    expect(es.bestValue).toBe(-Infinity);
    expect(new EarlyStopping({ patience: 3, mode: 'min', restoreBest: true }).bestValue).toBe(Infinity);
  });

  it('getState/setState resume exactly', () => {
    const values = [1, 0.9, 0.95, 0.97, 0.96, 0.99];
    const full = new EarlyStopping({ patience: 3, mode: 'min', restoreBest: true });
    const fullStop = stopEpoch(full, values);
    const a = new EarlyStopping({ patience: 3, mode: 'min', restoreBest: true });
    for (let e = 0; e < 3; e++) a.update(e, values[e]);
    const b = new EarlyStopping({ patience: 3, mode: 'min', restoreBest: true });
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    let resumed = -1;
    for (let e = 3; e < values.length && resumed < 0; e++) if (b.update(e, values[e]).stop) resumed = e;
    expect(resumed).toBe(fullStop);
    expect(b.getState()).toEqual(full.getState());
    // a fresh state (bestValue Infinity → null in JSON) restores to the mode's sentinel
    const fresh = new EarlyStopping({ patience: 1, mode: 'min', restoreBest: true });
    fresh.setState(JSON.parse(JSON.stringify(fresh.getState())));
    expect(fresh.bestValue).toBe(Infinity);
    expect(fresh.update(0, 5).improved).toBe(true);
  });

  it('validates options', () => {
    expect(() => new EarlyStopping({ patience: -1, mode: 'min', restoreBest: true })).toThrow();
    expect(() => new EarlyStopping({ patience: 1.5, mode: 'min', restoreBest: true })).toThrow();
    expect(() => new EarlyStopping({ patience: 1, minDelta: NaN, mode: 'min', restoreBest: true })).toThrow();
  });

  it('watching accuracy, an exact tie goes to the lower loss; a worse loss or a lower accuracy does not count', () => {
    const es = new EarlyStopping({ patience: 3, mode: 'max', minDelta: 0.001, restoreBest: true });
    expect(es.update(0, 0.9, 0.40).improved).toBe(true);
    expect(es.update(1, 0.9, 0.45).improved).toBe(false); // tie, worse loss
    expect(es.update(2, 0.9, 0.30).improved).toBe(true); // tie, better loss: the later epoch is kept
    expect(es.bestEpoch).toBe(2);
    expect(es.wait).toBe(0);
    expect(es.update(3, 0.8999, 0.10).improved).toBe(false); // lower accuracy, whatever the loss
    expect(es.update(4, 0.9, Number.NaN).improved).toBe(false);
    expect(es.update(5, 0.9, 0.31).improved).toBe(false);
    expect(es.update(6, 0.9).improved).toBe(false); // no tie-break value given
    expect(es.bestEpoch).toBe(2);
    // The tie-break value survives a checkpoint round trip (JSON turns Infinity into null).
    const b = new EarlyStopping({ patience: 3, mode: 'max', minDelta: 0.001, restoreBest: true });
    b.setState(JSON.parse(JSON.stringify(es.getState())));
    expect(b.update(7, 0.9, 0.305).improved).toBe(false);
    expect(b.update(8, 0.9, 0.29).improved).toBe(true);
    const fresh = new EarlyStopping({ patience: 3, mode: 'max', restoreBest: true });
    fresh.setState(JSON.parse(JSON.stringify(new EarlyStopping({ patience: 3, mode: 'max', restoreBest: true }).getState())));
    expect(fresh.update(0, 0.5, 1).improved).toBe(true);
  });
});
