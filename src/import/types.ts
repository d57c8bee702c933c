// Types of an import job: what goes in, how far it got, and the report it leaves.
import type { SkipEntry } from '../core/data/types';

export type ImportSourceKind = 'file' | 'folder' | 'zip' | 'webcam';

/** Where dropped material goes: the project (classes from folders) or one class. */
export type ImportTarget = { kind: 'project' } | { kind: 'class'; classId: string };

export interface ImportProgress {
  total: number;
  done: number;
  imported: number;
  skipped: number;
  startedAt: number;
  /** Images per second over the job so far. */
  rate: number;
  /** Seconds left at the current rate; null until there is a rate. */
  etaSeconds: number | null;
  /** 'remaking': training copies are being remade at a new size (no import running). */
  phase: 'reading' | 'importing' | 'finishing' | 'remaking';
  current?: string;
}

/** A copy of `p` with its rate and ETA worked out from its start time and what is done. */
export function withRate(p: ImportProgress, now = Date.now()): ImportProgress {
  const secs = (now - p.startedAt) / 1000;
  const rate = secs > 0 ? p.done / secs : 0;
  return { ...p, rate, etaSeconds: rate > 0 ? (p.total - p.done) / rate : null };
}

export interface ImportReport {
  startedAt: number;
  finishedAt: number;
  total: number;
  imported: number;
  perClass: { className: string; count: number }[];
  skipped: SkipEntry[];
  ignored: string[];
  emptyFolders: string[];
  duplicates: number;
  downscaled: string[];
  cancelled: number;
  storageFull: boolean;
}
