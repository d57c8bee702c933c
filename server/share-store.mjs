// The share service's storage: one folder per share under the storage root, written atomically
// (temp folder, then rename), with its owner record (delete-token hash, size, expiry). It keeps an
// in-memory index of every share's size and expiry so the quota and expiry checks cost no disk
// reads per request; the index is rebuilt from the owner records at start.
import { lstat, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';

/** An id is 16 random bytes in base64url: exactly 22 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** The only names a stored share ever has that may be served. */
export const SERVED_FILE_PATTERN = /^(?:model\.json|metadata\.json|weights-[1-9][0-9]{0,3}\.bin)$/;

/**
 * @typedef {{ bytes: number, expiresAt: number }} ShareInfo
 */

/**
 * @param {{ dir: string, expiryMs: number, now: () => number }} options
 */
export function createShareStore({ dir, expiryMs, now }) {
  const root = resolve(dir);
  /** @type {Map<string, ShareInfo>} */
  const index = new Map();
  let usedBytes = 0;

  /** The folder of a share, or null when the id is malformed. Checked before any file-system access. */
  function shareDir(/** @type {string} */ id) {
    if (!ID_PATTERN.test(id)) return null;
    const p = resolve(root, id);
    return p.startsWith(root + sep) ? p : null;
  }

  /** Rebuilds the index; removes leftovers of interrupted writes older than an hour, and expired shares. */
  async function load() {
    let list;
    try {
      list = await readdir(root, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list) {
      if (!e.isDirectory()) continue;
      const p = join(root, e.name);
      try {
        if (/^\.(?:tmp|trash)-[0-9a-f]{32}$/.test(e.name)) {
          if (now() - (await lstat(p)).mtimeMs > 3_600_000) await rm(p, { recursive: true, force: true });
          continue;
        }
        if (!ID_PATTERN.test(e.name)) continue;
        const owner = JSON.parse(await readFile(join(p, 'owner.json'), 'utf8'));
        let bytes = Number(owner.bytes);
        if (!Number.isSafeInteger(bytes) || bytes < 0) {
          bytes = 0;
          for (const f of await readdir(p)) bytes += (await stat(join(p, f))).size;
        }
        const created = Date.parse(owner.createdAt);
        const expiresAt = Number.isFinite(Date.parse(owner.expiresAt))
          ? Date.parse(owner.expiresAt)
          : (Number.isFinite(created) ? created : now()) + expiryMs;
        index.set(e.name, { bytes, expiresAt });
        usedBytes += bytes;
      } catch {
        /* unreadable share: left alone, not served */
      }
    }
    await sweep();
  }

  /** Removes a share's folder (moved aside first so it disappears at once). */
  async function removeShare(/** @type {string} */ id) {
    const folder = shareDir(id);
    const info = index.get(id);
    if (!folder || !info) return false;
    index.delete(id);
    usedBytes -= info.bytes;
    const trash = join(root, `.trash-${randomBytes(16).toString('hex')}`);
    try {
      await rename(folder, trash);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return false;
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
    return true;
  }

  /** Deletes every expired share. */
  async function sweep() {
    const t = now();
    for (const [id, info] of [...index]) if (info.expiresAt <= t) await removeShare(id).catch(() => {});
  }

  /**
   * Writes a share atomically; `reserve` bytes must already be counted by the caller's quota check.
   * @param {{ modelJson: string, metadataJson: string, weightFiles: { name: string, data: Uint8Array }[], tokenSha256: string }} share
   */
  async function writeShare(share) {
    const id = randomBytes(16).toString('base64url');
    const finalDir = shareDir(id);
    if (!finalDir) throw new Error('generated id failed validation');
    const tmpDir = join(root, `.tmp-${randomBytes(16).toString('hex')}`);
    const created = now();
    const expiresAt = created + expiryMs;
    let bytes = Buffer.byteLength(share.modelJson) + Buffer.byteLength(share.metadataJson);
    for (const w of share.weightFiles) bytes += w.data.length;
    const owner = { tokenSha256: share.tokenSha256, createdAt: new Date(created).toISOString(), expiresAt: new Date(expiresAt).toISOString(), bytes };
    await mkdir(root, { recursive: true });
    await mkdir(tmpDir);
    try {
      await writeFile(join(tmpDir, 'model.json'), share.modelJson, { flag: 'wx' });
      await writeFile(join(tmpDir, 'metadata.json'), share.metadataJson, { flag: 'wx' });
      for (const w of share.weightFiles) {
        if (!SERVED_FILE_PATTERN.test(w.name)) throw new Error('generated weight name failed validation');
        await writeFile(join(tmpDir, w.name), w.data, { flag: 'wx' });
      }
      await writeFile(join(tmpDir, 'owner.json'), JSON.stringify(owner), { flag: 'wx', mode: 0o600 });
      await rename(tmpDir, finalDir);
    } catch (err) {
      await rm(tmpDir, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
    index.set(id, { bytes, expiresAt });
    usedBytes += bytes;
    return { id, expiresAt };
  }

  return {
    root,
    load,
    sweep,
    shareDir,
    writeShare,
    removeShare,
    /** @param {string} id */
    info: (id) => index.get(id),
    get usedBytes() {
      return usedBytes;
    },
    get count() {
      return index.size;
    },
  };
}
