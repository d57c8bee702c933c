// The running import job (progress, cancel) and the report it leaves behind.
import { getDb } from '../persistence/connection';
import type { StudioDB } from '../persistence/db';
import { DecodePool } from '../worker/decode/decode-client';
import { runImport } from '../import/run-import';
import { remakeTrainingCopies } from '../import/remake-training';
import type { Collected } from '../import/collect-files';
import type { ImportProgress, ImportReport, ImportTarget } from '../import/types';
import { errorText, type Slice } from './slice';

export interface ImportSlice {
  importProgress: ImportProgress | null;
  importReport: ImportReport | null;
  startImport: (target: ImportTarget, input: Collected, opts?: { asValidation?: boolean; asTest?: boolean }) => Promise<void>;
  cancelImport: () => void;
  dismissReport: () => void;
  /** Remakes the training copies that are not at the project's training size (progress and cancel as an import). */
  remakeTraining: () => Promise<void>;
}

let pool: DecodePool | null = null;
let controller: AbortController | null = null;

export const createImportSlice: Slice<ImportSlice> = (set, get) => {
  /**
   * Runs one job that decodes in the pool (an import, or remaking training copies): one at a
   * time, cancellable, and the dataset and storage figures are reloaded when it ends.
   */
  const job = async (busy: string, failure: string, work: (ctx: { db: StudioDB; pool: DecodePool; projectId: string; signal: AbortSignal }) => Promise<void>) => {
    const projectId = get().project?.id;
    if (!projectId) return;
    if (controller) {
      get().notify('error', busy);
      return;
    }
    pool ??= new DecodePool();
    controller = new AbortController();
    try {
      await work({ db: await getDb(), pool, projectId, signal: controller.signal });
    } catch (e) {
      get().notify('error', `${failure}: ${errorText(e)}`);
    } finally {
      controller = null;
      set({ importProgress: null });
      await get().refreshDataset();
      await get().refreshStorage();
    }
  };

  return {
    importProgress: null,
    importReport: null,
    startImport: async (target, input, opts = {}) => {
      if (!get().project) return;
      if (input.files.length === 0 && input.dirs.length === 0) {
        get().notify('error', 'Nothing to import: the drop held no files.');
        return;
      }
      let lastRefresh = Date.now();
      await job('An import is already running; wait for it or cancel it first.', 'Import failed', async (ctx) => {
        const report = await runImport({
          ...ctx,
          target,
          input,
          asValidation: opts.asValidation,
          asTest: opts.asTest,
          onCommitted: (images) => get().warmFeatures(images),
          onProgress: (p) => {
            set({ importProgress: p });
            // Let the grid fill in while a long import runs.
            if (Date.now() - lastRefresh > 1500) {
              lastRefresh = Date.now();
              void get().refreshDataset();
            }
          },
        });
        set({ importReport: report });
      });
    },
    remakeTraining: () =>
      job('An import is running; remake the training copies when it has finished.', 'Could not remake the training copies', async (ctx) => {
        const r = await remakeTrainingCopies({ ...ctx, onProgress: (p) => set({ importProgress: p }) });
        const parts = [`Remade ${r.remade} training ${r.remade === 1 ? 'copy' : 'copies'}`];
        if (r.cancelled) parts.push(`${r.cancelled} left as they were (cancelled)`);
        if (r.failed.length) parts.push(`${r.failed.length} kept their old copy: ${r.failed.slice(0, 3).map((f) => `${f.path} (${f.reason})`).join('; ')}${r.failed.length > 3 ? '…' : ''}`);
        get().notify(r.failed.length ? 'error' : 'info', `${parts.join('; ')}.`);
      }),
    cancelImport: () => controller?.abort(),
    dismissReport: () => set({ importReport: null }),
  };
};
