// How many parameters a config trains, by the trainer's own rule (layerTrainable in
// core/backbones/layers: last N blocks, BatchNorm kept frozen, per-layer overrides on top).
import { layerTrainable, openBlocks, type LayerInfo } from '../../core/backbones/layers';
import type { RunConfig } from '../../core/train/run-config';

export function headParams(featureDim: number, classes: number, cfg: RunConfig['head']): number {
  if (cfg.hiddenUnits > 0) return featureDim * cfg.hiddenUnits + cfg.hiddenUnits + cfg.hiddenUnits * classes + classes;
  return featureDim * classes + classes;
}

export function trainableCount(layers: LayerInfo[], blocks: string[], cfg: RunConfig): { backbone: number; total: number } {
  if (cfg.mode !== 'finetune') return { backbone: 0, total: layers.reduce((a, l) => a + l.params, 0) };
  const open = openBlocks(blocks, cfg.trainableBlocks);
  const backbone = layers.reduce((a, l) => a + (layerTrainable(l, open, { overrides: cfg.layerOverrides }) ? l.params : 0), 0);
  return { backbone, total: layers.reduce((a, l) => a + l.params, 0) };
}
