// Runs one import job: expands zips, maps paths to classes, decodes in workers, skips bad files
// and duplicates with a reason, and writes each image whole (record, blobs and counters in one
// transaction, several images to a transaction). Cancel keeps whatever finished. Storage running
// out stops the job and names the files that were not saved.
import { assignClasses, findEmptyFolders, isIgnoredPath, normalizePath } from '../core/data/paths';
import type { SkipEntry } from '../core/data/types';
import type { ImageRecord, StudioDB } from '../persistence/db';
import { getOrCreateClassByName, listClasses } from '../persistence/classes-repo';
import { addImages, type AddImageInput, type AddImagesOutcome } from '../persistence/images-repo';
import { getProject } from '../persistence/projects-repo';
import { StorageFullError } from '../persistence/storage-full';
import type { DecodePool } from '../worker/decode/decode-client';
import type { DecodedImage, DecodeResult } from '../worker/decode/decode-protocol';
import type { Collected, CollectedFile } from './collect-files';
import { withRate, type ImportProgress, type ImportReport, type ImportSourceKind, type ImportTarget } from './types';
import { errorText } from '../core/error-text';

interface PlannedItem {
  path: string;
  blob: Blob;
  source: ImportSourceKind;
  /** null: not inside a class folder; still validated so the report gives the most useful reason. */
  className: string | null;
}

export interface ImportOptions {
  db: StudioDB;
  /** The decode workers (only decode and unzip are used, so tests can pass a fake). */
  pool: Pick<DecodePool, 'decode' | 'unzip'>;
  projectId: string;
  target: ImportTarget;
  input: Collected;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  /** The images each committed batch added, with their training copies (so features can be computed while the import goes on). */
  onCommitted?: (images: { record: ImageRecord; training: Blob }[]) => void;
  /** Mark every imported image for the validation set. */
  asValidation?: boolean;
  /** Imported images go to the test set: never trained on, never used to choose anything. */
  asTest?: boolean;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const byPath = (a: string, b: string) => collator.compare(a, b);

const isZip = (f: CollectedFile) => /\.zip$/i.test(f.path) || f.file.type === 'application/zip';

/** Expands zips and decides a class for every file; what cannot be placed is skipped with a reason. */
async function plan(opts: ImportOptions, report: ImportReport): Promise<PlannedItem[]> {
  const { input, target, pool, db } = opts;
  let targetClassName: string | null = null;
  if (target.kind === 'class') {
    const classes = await listClasses(db, opts.projectId);
    targetClassName = classes.find((c) => c.id === target.classId)?.name ?? null;
  }
  const loose: { path: string; blob: Blob; source: ImportSourceKind }[] = [];
  const planned: PlannedItem[] = [];
  const place = (items: { path: string; blob: Blob; source: ImportSourceKind }[], prefix: string) => {
    const assigned = assignClasses(items.map((i) => i.path), { defaultClass: targetClassName ?? undefined });
    items.forEach((item, i) => {
      const shown = prefix + item.path;
      const className = target.kind === 'class' ? targetClassName : assigned[i].className;
      planned.push({ path: shown, blob: item.blob, source: item.source, className });
    });
  };

  // Browsers list folder contents in no particular order: sort by path, so the grid follows the
  // file names and, of two identical files, the first by name is the one kept.
  const files = [...input.files].sort((a, b) => byPath(a.path, b.path));
  for (const f of files) {
    const safe = normalizePath(f.path);
    if (safe == null) {
      report.skipped.push({ path: f.path, code: 'unsafe-path', reason: 'unsafe path (absolute or "..") was not imported' });
      continue;
    }
    if (isIgnoredPath(safe)) {
      report.ignored.push(safe);
      continue;
    }
    if (isZip(f)) {
      if (opts.signal?.aborted) break;
      const res = await pool.unzip(f.file, safe);
      if (res.error) {
        report.skipped.push({ path: safe, code: 'corrupt', reason: res.error });
        continue;
      }
      for (const s of res.skipped) {
        if (s.code === 'hidden') report.ignored.push(s.path);
        else report.skipped.push(s);
      }
      report.emptyFolders.push(...res.emptyFolders.map((d) => `${safe}/${d}`));
      res.entries.sort((a, b) => byPath(a.path, b.path));
      place(res.entries.map((e) => ({ path: e.path, blob: e.blob, source: 'zip' as const })), `${safe}/`);
    } else {
      loose.push({ path: safe, blob: f.file, source: f.source });
    }
  }
  place(loose, '');
  const filePaths = input.files.map((f) => f.path);
  report.emptyFolders.push(...findEmptyFolders(input.dirs, filePaths));
  return planned;
}

export async function runImport(opts: ImportOptions): Promise<ImportReport> {
  const { db, pool, projectId, signal } = opts;
  const startedAt = Date.now();
  const report: ImportReport = {
    startedAt,
    finishedAt: startedAt,
    total: 0,
    imported: 0,
    perClass: [],
    skipped: [],
    ignored: [],
    emptyFolders: [],
    duplicates: 0,
    downscaled: [],
    cancelled: 0,
    storageFull: false,
  };
  const progress: ImportProgress = {
    total: opts.input.files.length,
    done: 0,
    imported: 0,
    skipped: 0,
    startedAt,
    rate: 0,
    etaSeconds: null,
    phase: 'reading',
  };
  let lastEmit = 0;
  const emit = (force = false) => {
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    opts.onProgress?.(withRate(progress, now));
  };
  emit(true);

  const project = await getProject(db, projectId);
  if (!project) throw new Error('This project no longer exists.');
  const items = await plan(opts, report);
  report.total = items.length + report.skipped.length;
  progress.total = report.total;
  progress.done = report.skipped.length;
  progress.skipped = report.skipped.length;
  progress.phase = 'importing';
  emit(true);

  // Create every class first, so concurrent writes never race to create the same one.
  const classIds = new Map<string, string>();
  for (const name of new Set(items.flatMap((i) => (i.className ? [i.className] : [])))) {
    classIds.set(name, (await getOrCreateClassByName(db, projectId, name)).id);
  }
  const perClass = new Map<string, number>();
  const seenHashes = new Map<string, string>();
  const skip = (s: SkipEntry) => {
    report.skipped.push(s);
    progress.skipped++;
  };

  const duplicate = (path: string, of: string) => {
    report.duplicates++;
    skip({ path, code: 'duplicate', reason: of });
  };

  const inputFor = (item: PlannedItem, res: DecodedImage): AddImageInput => ({
    projectId,
    classId: classIds.get(item.className!)!,
    name: item.path,
    hash: res.hash,
    mime: res.mime,
    width: res.width,
    height: res.height,
    originalWidth: res.originalWidth,
    originalHeight: res.originalHeight,
    source: item.source,
    ...(opts.asTest ? { split: 'test' as const } : opts.asValidation ? { split: 'val' as const } : {}),
    original: item.blob.type ? item.blob : new Blob([item.blob], { type: res.mime }),
    thumbnail: res.thumbnail,
    training: res.training,
  });

  const added = (item: PlannedItem, res: DecodedImage) => {
    report.imported++;
    progress.imported++;
    perClass.set(item.className!, (perClass.get(item.className!) ?? 0) + 1);
    if (res.downscaled) report.downscaled.push(item.path);
  };

  const failed = (item: PlannedItem, e: unknown) => {
    if (e instanceof StorageFullError) {
      report.storageFull = true;
      skip({ path: item.path, code: 'quota', reason: 'not saved: storage is full' });
    } else {
      skip({ path: item.path, code: 'write-failed', reason: `not saved: ${errorText(e)}` });
    }
  };

  /**
   * Checks decoded items strictly in input order and writes the good ones. A batch goes in one
   * transaction (each image whole, with its blobs and counters); if that fails, its images are
   * written one by one, so the report names exactly the files that were not saved.
   */
  const commitBatch = async (batch: { item: PlannedItem; res: DecodeResult }[]) => {
    const toWrite: { item: PlannedItem; res: DecodedImage }[] = [];
    for (const { item, res } of batch) {
      if (signal?.aborted) report.cancelled++;
      else if (report.storageFull) skip({ path: item.path, code: 'quota', reason: 'not saved: storage is full' });
      else if (!res.ok) skip({ path: item.path, code: res.code, reason: res.reason });
      else if (!item.className) {
        skip({
          path: item.path,
          code: 'no-class',
          reason: 'not inside a class folder: drop loose images onto a class, or put them in a folder named after the class',
        });
      } else if (seenHashes.has(res.hash)) {
        duplicate(item.path, `duplicate of "${seenHashes.get(res.hash)}" (same content)`);
      } else {
        seenHashes.set(res.hash, item.path);
        toWrite.push({ item, res });
      }
      if (!signal?.aborted) progress.done++;
    }
    const committed: { record: ImageRecord; training: Blob }[] = [];
    const outcome = (w: { item: PlannedItem; res: DecodedImage }, o: AddImagesOutcome) => {
      if (o.kind === 'added') {
        added(w.item, w.res);
        committed.push({ record: o.record, training: w.res.training });
      } else {
        seenHashes.delete(w.res.hash);
        duplicate(w.item.path, `duplicate of "${o.of.name}" already in the project`);
      }
    };
    if (toWrite.length) {
      try {
        const outcomes = await addImages(db, toWrite.map((w) => inputFor(w.item, w.res)));
        toWrite.forEach((w, i) => outcome(w, outcomes[i]));
      } catch {
        for (const w of toWrite) {
          if (report.storageFull) {
            seenHashes.delete(w.res.hash);
            skip({ path: w.item.path, code: 'quota', reason: 'not saved: storage is full' });
            continue;
          }
          try {
            outcome(w, (await addImages(db, [inputFor(w.item, w.res)]))[0]);
          } catch (e) {
            seenHashes.delete(w.res.hash);
            failed(w.item, e);
          }
        }
      }
    }
    if (committed.length) opts.onCommitted?.(committed);
    emit();
  };

  // Several images decode at once (one per lane); decoded results queue up in input order, and
  // a single writer commits whatever has queued in one transaction, so writing never waits on
  // decoding image by image, and the first copy of a duplicate is the one kept.
  let next = 0;
  let turn: Promise<void> = Promise.resolve();
  const queue: { item: PlannedItem; res: DecodeResult }[] = [];
  let writer: Promise<void> | null = null;
  let waiting: (() => void)[] = [];
  const room = () => {
    const w = waiting;
    waiting = [];
    w.forEach((r) => r());
  };
  const startWriter = () => {
    writer ??= (async () => {
      while (queue.length) {
        await commitBatch(queue.splice(0, MAX_BATCH));
        room();
      }
      writer = null;
      room();
    })();
    return writer;
  };
  const lane = async () => {
    while (next < items.length && !signal?.aborted && !report.storageFull) {
      const item = items[next++];
      const previous = turn;
      let release!: () => void;
      turn = new Promise<void>((r) => (release = r));
      try {
        progress.current = item.path;
        const res = await pool.decode(item.blob, item.path, project.trainingSize);
        await previous;
        queue.push({ item, res });
        void startWriter();
      } finally {
        release();
      }
      // Decoding may run ahead of writing, but not without bound.
      while (queue.length >= MAX_BATCH * 2) await new Promise<void>((r) => waiting.push(r));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, DecodeConcurrency.lanes) }, lane));
  while (writer) await writer;

  const remaining = items.slice(next);
  if (report.storageFull) {
    for (const item of remaining) skip({ path: item.path, code: 'quota', reason: 'not saved: storage is full' });
  } else {
    report.cancelled += remaining.length;
  }
  report.perClass = [...perClass].map(([className, count]) => ({ className, count }));
  report.finishedAt = Date.now();
  progress.phase = 'finishing';
  emit(true);
  return report;
}

/** How many images are in flight at once; tests and slow devices may lower it. */
export const DecodeConcurrency = { lanes: 4 };
/** Most images written in one transaction. */
const MAX_BATCH = 16;
