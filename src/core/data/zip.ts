// Lists the files inside a dropped zip archive safely: unsafe, hidden and oversized entries are
// never inflated, nested zips are not opened, zip bombs are refused from declared sizes, and an
// entry whose real size or CRC differs from what it declares is refused by the bounded reader.
import { listZip, readZipEntry, ZipError, type ZipEntryInfo } from './bounded-unzip.mjs';
import { findEmptyFolders, isIgnoredPath, normalizePath } from './paths';
import { describeSkip, sniffFormat } from './sniff';
import type { SkipEntry } from './types';
import { errorText } from '../error-text';

export const MAX_ZIP_ENTRY_BYTES = 256 * 1024 * 1024;
export const MAX_ZIP_TOTAL_BYTES = 4 * 1024 * 1024 * 1024;

export interface ZipListing {
  /** Extracted files; `path` is normalized and relative to the zip's root (no zip name). */
  entries: { path: string; bytes: Uint8Array }[];
  /** Entries not extracted; `path` is `${zipName}/${entryPath}` for display. */
  skipped: SkipEntry[];
  /** Folders stored in the zip with no files below them, as `${zipName}/${folder}`. */
  emptyFolders: string[];
}

export interface ZipLimits {
  maxEntryBytes?: number;
  maxTotalBytes?: number;
}

const formatMB = (n: number) => `${Math.ceil(n / (1024 * 1024))} MB`;


/** Reads the archive; throws `${zipName}: ...` when it is damaged or would unpack to too much data. */
export function listZipEntries(bytes: Uint8Array, zipName: string, limits: ZipLimits = {}): ZipListing {
  const maxEntry = limits.maxEntryBytes ?? MAX_ZIP_ENTRY_BYTES;
  const maxTotal = limits.maxTotalBytes ?? MAX_ZIP_TOTAL_BYTES;
  const skipped: SkipEntry[] = [];
  const skip = (name: string, code: SkipEntry['code'], reason: string) =>
    skipped.push({ path: `${zipName}/${name}`, code, reason });

  // Pass 1: read the central directory only (the filter refuses everything, so nothing is inflated).
  let infos: ZipEntryInfo[];
  try {
    infos = listZip(bytes);
  } catch (e) {
    throw new Error(`${zipName}: the zip could not be read; it may be damaged or incomplete (${errorText(e)})`);
  }

  const dirs: string[] = [];
  const filePaths: string[] = [];
  const accept: (string | null)[] = []; // per central-directory index: normalized path to extract
  let total = 0;
  for (const info of infos) {
    accept.push(null);
    const name = info.name;
    const isDir = /[\\/]$/.test(name);
    const path = normalizePath(name);
    if (path === null) {
      skip(name, 'unsafe-path', 'unsafe path in zip (absolute or "..") was not extracted');
      continue;
    }
    if (isDir) {
      dirs.push(path);
      continue;
    }
    if (isIgnoredPath(path)) {
      skip(name, 'hidden', 'hidden or system file ignored');
      continue;
    }
    filePaths.push(path);
    if (info.method !== 0 && info.method !== 8) {
      skip(name, 'unsupported-format', `stored with zip compression method ${info.method}, which cannot be unpacked here; re-create the zip with standard (deflate) compression`);
      continue;
    }
    if (info.size > maxEntry) {
      skip(name, 'too-large', `too large: ${formatMB(info.size)} uncompressed (the limit is ${formatMB(maxEntry)})`);
      continue;
    }
    total += info.size;
    accept[accept.length - 1] = path;
  }
  if (total > maxTotal) {
    throw new Error(`${zipName}: the zip would unpack to ${formatMB(total)}, more than the ${formatMB(maxTotal)} limit; split it into smaller zips`);
  }

  // Pass 2: inflate only the accepted entries, each bounded by its declared size; a repeated name keeps one copy.
  const entries: ZipListing['entries'] = [];
  const seen = new Set<string>();
  for (let i = 0; i < infos.length; i++) {
    const path = accept[i];
    const name = infos[i].name;
    if (path == null) continue;
    if (seen.has(name)) {
      skip(name, 'duplicate', 'the zip holds two entries with this name; only one was extracted');
      continue;
    }
    seen.add(name);
    let data: Uint8Array;
    try {
      data = readZipEntry(bytes, infos[i], { maxBytes: maxEntry });
    } catch (e) {
      const why = e instanceof ZipError ? e.message.replace(/^zip entry "/, 'entry "') : `entry "${name}" is damaged (${errorText(e)})`;
      throw new Error(`${zipName}: the zip could not be read; ${why}`);
    }
    if (sniffFormat(data) === 'zip') skip(name, 'nested-zip', describeSkip('zip').reason);
    else entries.push({ path, bytes: data });
  }
  const emptyFolders = findEmptyFolders(dirs, filePaths).map((d) => `${zipName}/${d}`);
  return { entries, skipped, emptyFolders };
}
