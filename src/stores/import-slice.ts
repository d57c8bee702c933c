// The running import job (progress, cancel) and the report it leaves behind.
import { getDb } from '../persistence/connection';
import { DecodePool } from '../worker/decode-client';
import { runImport } from '../features/dataset/import/run-import';
import type { Collected } from '../features/dataset/import/collect-files';
import type { ImportProgress, ImportReport, ImportTarget } from '../features/dataset/import/types';
import { errorText, type Slice } from './slice';

export interface ImportSlice {
  importProgress: ImportProgress | null;
  importReport: ImportReport | null;
  startImport: (target: ImportTarget, input: Collected, opts?: { asValidation?: boolean }) => Promise<void>;
  cancelImport: () => void;
  dismissReport: () => void;
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
  cancelImport: () => controller?.abort(),
  dismissReport: () => set({ importReport: null }),
});
