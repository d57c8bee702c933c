// Which backbone weights fine-tuning trains, grouped by MobileNet block, so each block can get
// its own (graded) learning rate.
import type * as tf from '@tensorflow/tfjs';
import { describeLayers, listBlocks, setTrainableLastBlocks } from '../backbones/layers';
import { layerWeights } from './weights';

export interface BlockWeights {
  block: string;
  vars: { name: string; variable: tf.LayerVariable }[];
}

/** Unfreezes the last `blocks` blocks (plus per-layer overrides) and returns their trainable weights by block, in model order. */
export function backboneBlockWeights(bb: tf.LayersModel, blocks: number, overrides: Record<string, boolean>): BlockWeights[] {
  setTrainableLastBlocks(bb, blocks, { overrides });
  const blockOf = new Map(describeLayers(bb).map((l) => [l.name, l.block]));
  const groups = new Map<string, BlockWeights['vars']>();
  for (const w of layerWeights(bb, 'backbone', (l) => l.trainable)) {
    if (!w.variable.trainable) continue;
    const block = blockOf.get(w.name.split('/')[1]) ?? 'other';
    if (!groups.has(block)) groups.set(block, []);
    groups.get(block)!.push(w);
  }
  const order = listBlocks(bb);
  return [...groups].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])).map(([block, vars]) => ({ block, vars }));
}
