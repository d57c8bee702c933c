// The leakage check before training: near-duplicate photos (found in the worker from perceptual
// hashes) that would land in different sets — training and validation or test — are listed with
// one click to drop the copy or keep the pair in one set (applied when the run's split is made).
import type { NearDuplicatePair } from '../core/data/near-duplicates';
import { errorText, type Slice } from './slice';
import { trainingClient } from '../worker/training/training-client';

export interface LeakageSlice {
  /** Pairs from the last check of this project (null: not checked since it opened). */
  nearDuplicates: { projectId: string; pairs: NearDuplicatePair[] } | null;
  leakageProgress: { done: number; total: number } | null;
  /** Groups of image ids kept in one set by the next run's split. */
  keepTogether: string[][];
  checkNearDuplicates: () => Promise<void>;
  keepPairTogether: (pair: NearDuplicatePair) => void;
  /** Deletes one image of a pair (through the dataset's delete, which reports a failure). */
  dropCopy: (id: string) => Promise<void>;
}

export const createLeakageSlice: Slice<LeakageSlice> = (set, get) => {
  trainingClient.subscribe((msg) => {
    if (msg.type === 'near-duplicates-progress' && get().leakageProgress) set({ leakageProgress: { done: msg.done, total: msg.total } });
  });
  return {
    nearDuplicates: null,
    leakageProgress: null,
    keepTogether: [],
    checkNearDuplicates: async () => {
      const { project, images } = get();
      if (!project || get().leakageProgress) return;
      set({ leakageProgress: { done: 0, total: images.length } });
      try {
        const res = await trainingClient.request<'near-duplicates-result'>({ type: 'near-duplicates', imageIds: images.map((i) => i.id) });
        set({ nearDuplicates: { projectId: project.id, pairs: res.pairs } });
      } catch (e) {
        get().notify('error', `Could not check for near-duplicates: ${errorText(e)}`);
      } finally {
        set({ leakageProgress: null });
      }
    },
    keepPairTogether: (pair) => set({ keepTogether: [...get().keepTogether, [pair.a, pair.b]] }),
    dropCopy: async (id) => {
      await get().deleteImages([id]);
      const nd = get().nearDuplicates;
      if (nd && !get().images.some((i) => i.id === id)) set({ nearDuplicates: { ...nd, pairs: nd.pairs.filter((p) => p.a !== id && p.b !== id) } });
    },
  };
};
