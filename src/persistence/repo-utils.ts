// Helpers shared by the persistence repos: run work inside one idb transaction so any failure
// aborts it (quota failures become StorageFullError), batching, ids and name checks.
import { isQuotaError, StorageFullError } from './storage-full';

/** Records per transaction for bulk work, so thousands of images never form one giant transaction. */
export const BATCH_SIZE = 200;

interface TxLike {
  readonly done: Promise<void>;
  readonly error: DOMException | null;
  abort(): void;
}

/**
 * Runs `body` against `tx` and waits for the commit. If the body throws (validation, a failed
 * request) the transaction is aborted so nothing partial is kept; if the failure (or the
 * transaction's own error, e.g. a quota abort at commit time) is a quota error, throws
 * StorageFullError. The body must only await requests of `tx`, never other async work.
 */
export async function inTx<Tx extends TxLike, T>(tx: Tx, body: (tx: Tx) => Promise<T>): Promise<T> {
  // Rejection is handled below; this stops an "unhandled rejection" when the body fails first.
  tx.done.catch(() => undefined);
  try {
    const result = await body(tx);
    await tx.done;
    return result;
  } catch (e) {
    let txError: unknown = null;
    try {
      txError = tx.error;
    } catch {
      // Some engines throw when reading `error` of an unfinished transaction.
    }
    try {
      tx.abort();
    } catch {
      // Already aborted or finished.
    }
    if (isQuotaError(e) || isQuotaError(txError)) throw new StorageFullError({ cause: txError ?? e });
    throw e;
  }
}

/**
 * Marks a request promise as handled the moment it is issued and returns it unchanged. Use it
 * for requests issued back to back before one await: if a later one throws synchronously the
 * transaction aborts, and the earlier ones' AbortError must not become unhandled rejections.
 */
export function handled<T>(request: Promise<T>): Promise<T> {
  request.catch(() => undefined);
  return request;
}

export function chunk<T>(items: readonly T[], size: number = BATCH_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function newId(): string {
  return crypto.randomUUID();
}

/** Trimmed name; throws a readable error for an empty one. */
export function requireName(name: unknown, what: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed === '') throw new Error(`${what} name must not be empty.`);
  return trimmed;
}

/** Key for case-insensitive name comparisons. */
export function nameKey(name: string): string {
  return name.trim().normalize('NFC').toLocaleLowerCase();
}
