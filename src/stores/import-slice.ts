// The running import job (progress, cancel) and the report it leaves behind.
import { getDb } from '../persistence/connection';
import { DecodePool } from '../worker/decode-client';
import { runImport } from '../features/dataset/import/run-import';
import { remakeTrainingCopies } from '../features/dataset/import/remake-training';
import type { Collected } from '../features/dataset/import/collect-files';
import type { ImportProgress, ImportReport, ImportTarget } from '../features/dataset/import/types';
import { errorText, type Slice } from './slice';

export interface ImportSlice {
  importProgress: ImportProgress | null;
  importReport: ImportReport | null;
  startImport: (target: ImportTarget, input: Collected, opts?: { asValidation?: boolean }) => Promise<void>;
  cancelImport: () => void;
  dismissReport: () => void;
  /** Remakes the training copies that are not at the project's training size (progress and cancel as an import). */
  remakeTraining: () => Promise<void>;
}

let pool: DecodePool | null = null;
let controller: AbortController | null = null;

export const createImportSlice: Slice<ImportSlice> = (set, get) => ({
  importProgress: null,
  importReport: null,
  startImport: async (target, input, opts = {}) => {
    const projectId = get().project?.id;
    if (!projectId) return;
    if (controller) {
      get().notify('error', 'An import is already running; wait for it or cancel it first.');
      return;
    }
    if (input.files.length === 0 && input.dirs.length === 0) {
      get().notify('error', 'Nothing to import: the drop held no files.');
      return;
    }
    pool ??= new DecodePool();
    controller = new AbortController();
    let lastRefresh = Date.now();
    try {
      const report = await runImport({
        db: await getDb(),
        pool,
        projectId,
        target,
        input,
        signal: controller.signal,
        asValidation: opts.asValidation,
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
    } catch (e) {
      get().notify('error', `Import failed: ${errorText(e)}`);
    } finally {
      controller = null;
      set({ importProgress: null });
      await get().refreshDataset();
      await get().refreshStorage();
    }
  },
  remakeTraining: async () => {
    const projectId = get().project?.id;
    if (!projectId) return;
    if (controller) {
      get().notify('error', 'An import is running; remake the training copies when it has finished.');
      return;
    }
    pool ??= new DecodePool();
    controller = new AbortController();
    try {
      const r = await remakeTrainingCopies({ db: await getDb(), pool, projectId, signal: controller.signal, onProgress: (p) => set({ importProgress: p }) });
      const parts = [`Remade ${r.remade} training ${r.remade === 1 ? 'copy' : 'copies'}`];
      if (r.cancelled) parts.push(`${r.cancelled} left as they were (cancelled)`);
      if (r.failed.length) parts.push(`${r.failed.length} kept their old copy: ${r.failed.slice(0, 3).map((f) => `${f.path} (${f.reason})`).join('; ')}${r.failed.length > 3 ? '…' : ''}`);
      get().notify(r.failed.length ? 'error' : 'info', `${parts.join('; ')}.`);
    } catch (e) {
      get().notify('error', `Could not remake the training copies: ${errorText(e)}`);
    } finally {
      controller = null;
      set({ importProgress: null });
      await get().refreshDataset();
      await get().refreshStorage();
    }
  },
  cancelImport: () => controller?.abort(),
  dismissReport: () => set({ importReport: null }),
});
