// Which backbone layers a config trains, and how many parameters that is: the same rule the
// trainer applies (last N blocks, BatchNorm kept frozen, per-layer overrides on top).
import type { LayerInfo } from '../../core/backbones/layers';
import type { RunConfig } from '../../core/train/run-config';

export function layerTrainable(layer: LayerInfo, openBlocks: Set<string>, overrides: Record<string, boolean>): boolean {
  if (layer.name in overrides) return overrides[layer.name];
  return openBlocks.has(layer.block) && layer.className !== 'BatchNormalization' && layer.params > 0;
}

export function openBlocks(blocks: string[], n: number): Set<string> {
  return new Set(n > 0 ? blocks.slice(Math.max(0, blocks.length - n)) : []);
}

export function headParams(featureDim: number, classes: number, cfg: RunConfig['head']): number {
  if (cfg.hiddenUnits > 0) return featureDim * cfg.hiddenUnits + cfg.hiddenUnits + cfg.hiddenUnits * classes + classes;
  return featureDim * classes + classes;
}

export function trainableCount(layers: LayerInfo[], blocks: string[], cfg: RunConfig): { backbone: number; total: number } {
  if (cfg.mode !== 'finetune') return { backbone: 0, total: layers.reduce((a, l) => a + l.params, 0) };
  const open = openBlocks(blocks, cfg.trainableBlocks);
  const backbone = layers.reduce((a, l) => a + (layerTrainable(l, open, cfg.layerOverrides) ? l.params : 0), 0);
  return { backbone, total: layers.reduce((a, l) => a + l.params, 0) };
}
