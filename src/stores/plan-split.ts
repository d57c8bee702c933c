// The split a run will use, computed from the project's images and the draft config: shared by
// "Start training" and the leakage check (which shows each near-duplicate's set before training).
import { groupTogether, stratifiedSplit, type SplitResult } from '../core/train/split';
import type { RunConfig } from '../core/train/run-config';
import type { ClassRecord, ImageRecord } from '../persistence/db';

export interface PlannedSplit {
  used: ClassRecord[];
  labelOf: Map<string, number>;
  split: SplitResult;
}

/** `together`: groups of image ids (near-duplicates) the user asked to keep in one set. */
export function planSplit(classes: ClassRecord[], images: Pick<ImageRecord, 'id' | 'classId' | 'name' | 'hash' | 'split'>[], cfg: RunConfig, together: string[][] = []): PlannedSplit {
  const used = classes.filter((c) => c.imageCount > 0);
  const labelOf = new Map(used.map((c, i) => [c.id, i]));
  // In content-hash order (then name): the same photos train in the same order whatever their
  // file names, ids or import order, so the same seed gives the same first-epoch loss.
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
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
