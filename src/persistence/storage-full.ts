// Recognises "the browser refused to store more" across engines and wraps it in one error
// type whose message can be shown to the user as is.

export const STORAGE_FULL_MESSAGE =
  'Storage is full: the browser refused to save more data. Free space by deleting projects or images, or allow more storage for this site.';

/** Legacy DOMException code for QUOTA_EXCEEDED_ERR. */
const LEGACY_QUOTA_CODE = 22;
const QUOTA_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

/**
 * True for a quota failure: a DOMException named 'QuotaExceededError' (or with the legacy
 * code 22), Firefox's NS_ERROR_DOM_QUOTA_REACHED, or any of those nested in `inner`/`cause`
 * (idb wrappers, our own StorageFullError, AggregateError-style wrappers).
 */
export function isQuotaError(e: unknown): boolean {
  // Breadth-first over `inner` and `cause`; bounded and cycle-safe.
  const seen = new Set<unknown>();
  const queue: unknown[] = [e];
  while (queue.length > 0 && seen.size < 16) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof StorageFullError) return true;
    const { name, code, message } = current as { name?: unknown; code?: unknown; message?: unknown };
    if (typeof name === 'string' && QUOTA_NAMES.has(name)) return true;
    if (code === LEGACY_QUOTA_CODE && typeof DOMException !== 'undefined' && current instanceof DOMException) {
      return true;
    }
    if (typeof message === 'string' && message.includes('NS_ERROR_DOM_QUOTA_REACHED')) return true;
    const { inner, cause } = current as { inner?: unknown; cause?: unknown };
    queue.push(inner, cause);
  }
  return false;
}

/** Thrown by persistence writes that failed because the origin's storage quota is used up. */
export class StorageFullError extends Error {
  constructor(options?: { cause?: unknown }) {
    super(STORAGE_FULL_MESSAGE, options);
    this.name = 'StorageFullError';
  }
}
