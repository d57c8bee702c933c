// Turns what the user dropped or picked (files, folders, zips) into a flat list of files with
// their relative paths. Folder traversal uses the File System Entry API that drag-and-drop offers.
import type { ImportSourceKind } from './types';

export interface CollectedFile {
  path: string;
  file: File;
  source: ImportSourceKind;
}

export interface Collected {
  files: CollectedFile[];
  /** Folders seen while walking, so empty ones can be reported. */
  dirs: string[];
}

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: Collected, inFolder: boolean) {
  const path = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    const file = await entryFile(entry as FileSystemFileEntry);
    out.files.push({ path, file, source: inFolder ? 'folder' : 'file' });
  } else if (entry.isDirectory) {
    out.dirs.push(path);
    const children = await readAllEntries((entry as FileSystemDirectoryEntry).createReader());
    for (const child of children) await walk(child, out, true);
  }
}

/**
 * Reads a drop. Entries must be taken synchronously inside the drop handler, so call this
 * directly from `onDrop` before any await.
 */
export function collectFromDataTransfer(dt: DataTransfer): Promise<Collected> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) loose.push(f);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(dt.files));
  return (async () => {
    const out: Collected = { files: loose.map((file) => ({ path: file.name, file, source: 'file' })), dirs: [] };
    for (const e of entries) await walk(e, out, false);
    return out;
  })();
}

/** Reads an `<input type=file>` selection; folder pickers give `webkitRelativePath`. */
export function collectFromFileList(list: FileList | File[]): Collected {
  const files = Array.from(list).map((file) => {
    const rel = file.webkitRelativePath;
    return { path: rel || file.name, file, source: (rel ? 'folder' : 'file') as ImportSourceKind };
  });
  return { files, dirs: [] };
}
