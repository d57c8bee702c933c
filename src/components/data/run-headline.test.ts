// Which epoch a finished run keeps, and the words for it: the best epoch only when early stopping
// puts it back, otherwise the last (Auto's fine-tuning runs its whole one-cycle schedule).
import { describe, expect, it } from 'vitest';
import { getBackbone } from '../../core/backbones/catalog';
import { defaultRunConfig, keptCheckpointKind } from '../../core/train/run-config';
import { endedLabel } from './run-headline';

const cfg = defaultRunConfig(getBackbone('mobilenet-v2-0.35')!);
const noRestore = { ...cfg, earlyStopping: { ...cfg.earlyStopping, restoreBest: false } };
const off = { ...cfg, earlyStopping: { ...cfg.earlyStopping, enabled: false } };
const run = (config: typeof cfg, status: 'done' | 'stopped' | 'running', epochs: number) => ({
  config, status, totalEpochs: 10, bestEpoch: 3, history: Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1 })) as never[],
});

describe('the kept epoch', () => {
  it('is the best only when early stopping restores it', () => {
    expect(keptCheckpointKind(cfg)).toBe('best');
    expect(keptCheckpointKind(noRestore)).toBe('last');
    expect(keptCheckpointKind(off)).toBe('last');
  });

  it('is named as kept', () => {
    expect(endedLabel(run(cfg, 'stopped', 4))).toBe('Stopped by you, best version kept');
    expect(endedLabel(run(off, 'stopped', 4))).toBe('Stopped by you, last version kept');
    expect(endedLabel(run(cfg, 'done', 6))).toBe('Finished: stopped improving, best version kept');
    expect(endedLabel(run(noRestore, 'done', 6))).toBe('Finished: stopped improving, last version kept');
    expect(endedLabel(run(off, 'done', 10))).toBe('Finished');
    expect(endedLabel(run(cfg, 'running', 2))).toBeNull();
  });
});
