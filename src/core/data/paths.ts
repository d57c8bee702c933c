// Turns the relative paths of dropped files (folders or zip entries) into class labels using the
// folder-per-class layout, and filters out unsafe, hidden and system paths on the way.

const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini']);

function segmentsOf(p: string): string[] {
  return p.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
}

/**
 * Canonical relative path: '/' separators, no leading './', no empty or '.' segments.
 * Null when the path is unsafe (absolute, a drive letter, a '..' segment, a NUL) or empty.
 */
export function normalizePath(p: string): string | null {
  if (p.includes('\0')) return null;
  const slashed = p.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return null;
  const segs = segmentsOf(slashed);
  if (segs.length === 0 || segs.includes('..')) return null;
  return segs.join('/');
}

/** Hidden files/folders (leading '.'), macOS '__MACOSX' resource forks and Windows system files. */
export function isIgnoredPath(p: string): boolean {
  const segs = segmentsOf(p);
  if (segs.some((s) => s.startsWith('.') || s === '__MACOSX')) return true;
  const name = segs[segs.length - 1];
  return name !== undefined && SYSTEM_FILES.has(name.toLowerCase());
}

export interface ClassAssignment {
  /** The path exactly as given. */
  path: string;
  /** The class (first folder below the stripped root), `defaultClass` for a loose file, null when unusable. */
  className: string | null;
}

/**
 * Folder-per-class layout. Rules (applied to normalized paths):
 * - unsafe or ignored paths get className null and take no part in the rules below;
 * - ONE common root folder is stripped when every path starts with the same folder and at least
 *   one path has a further subfolder below it ("dataset/cats/1.jpg" -> class "cats");
 * - the class is the first remaining folder; deeper folders belong to it ("cats/a/b/1.jpg" -> "cats");
 * - a file with no folder left (or a blank folder name) gets `opts.defaultClass ?? null`.
 * Class names are trimmed and put in Unicode NFC form (macOS writes NFD names) but keep their case.
 */
export function assignClasses(paths: string[], opts: { defaultClass?: string } = {}): ClassAssignment[] {
  const fallback = opts.defaultClass ?? null;
  const segs = paths.map((p) => {
    const n = normalizePath(p);
    return n === null || isIgnoredPath(n) ? null : n.split('/');
  });
  const usable = segs.filter((s): s is string[] => s !== null);
  const root = usable.length > 0 && usable[0].length >= 2 ? usable[0][0] : null;
  const stripRoot =
    root !== null &&
    usable.every((s) => s.length >= 2 && s[0] === root) &&
    usable.some((s) => s.length >= 3);
  return paths.map((path, i) => {
    const s = segs[i];
    if (s === null) return { path, className: null };
    const rest = stripRoot ? s.slice(1) : s;
    const folder = rest.length >= 2 ? rest[0].trim().normalize('NFC') : '';
    return { path, className: folder !== '' ? folder : fallback };
  });
}

/**
 * Folders (normalized, in input order, without duplicates) with no non-ignored file anywhere below.
 * Unsafe and ignored folders are never reported.
 */
export function findEmptyFolders(dirPaths: string[], filePaths: string[]): string[] {
  const occupied = new Set<string>();
  for (const f of filePaths) {
    const n = normalizePath(f);
    if (n === null || isIgnoredPath(n)) continue;
    const parts = n.split('/');
    for (let i = 1; i < parts.length; i++) occupied.add(parts.slice(0, i).join('/'));
  }
  const result: string[] = [];
  const seen = new Set<string>();
  for (const d of dirPaths) {
    const n = normalizePath(d);
    if (n === null || isIgnoredPath(n) || occupied.has(n) || seen.has(n)) continue;
    seen.add(n);
    result.push(n);
  }
  return result;
}
