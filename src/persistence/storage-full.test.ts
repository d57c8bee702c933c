// Quota error recognition across engines and nesting, and the user-facing StorageFullError.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { isQuotaError, STORAGE_FULL_MESSAGE, StorageFullError } from './storage-full';

describe('isQuotaError', () => {
  it('recognises a QuotaExceededError DOMException', () => {
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
  });

  it("recognises Firefox's NS_ERROR_DOM_QUOTA_REACHED by name or message", () => {
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED', message: '' })).toBe(true);
    expect(isQuotaError(new Error('Component returned failure code: 0x80530016 (NS_ERROR_DOM_QUOTA_REACHED)'))).toBe(true);
  });

  it('looks into nested inner / cause', () => {
    const quota = new DOMException('x', 'QuotaExceededError');
    expect(isQuotaError({ name: 'UnknownError', inner: quota })).toBe(true);
    expect(isQuotaError(new Error('write failed', { cause: quota }))).toBe(true);
    expect(isQuotaError(new Error('a', { cause: new Error('b', { cause: quota }) }))).toBe(true);
    expect(isQuotaError(new StorageFullError())).toBe(true);
  });

  it('is false for other errors, non-objects and cycles', () => {
    expect(isQuotaError(new DOMException('x', 'AbortError'))).toBe(false);
    expect(isQuotaError(new DOMException('x', 'ConstraintError'))).toBe(false);
    expect(isQuotaError(new Error('QuotaExceededError mentioned in text only'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
    expect(isQuotaError(undefined)).toBe(false);
    expect(isQuotaError('QuotaExceededError')).toBe(false);
    const a: { name: string; cause?: unknown } = { name: 'A' };
    a.cause = { name: 'B', cause: a };
    expect(isQuotaError(a)).toBe(false);
  });
});

describe('StorageFullError', () => {
  it('carries the user-facing message, its name and the cause', () => {
    const cause = new DOMException('x', 'QuotaExceededError');
    const e = new StorageFullError({ cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('StorageFullError');
    expect(e.message).toBe(STORAGE_FULL_MESSAGE);
    expect(e.message).toBe(
      'Storage is full: the browser refused to save more data. Free space by deleting projects or images, or allow more storage for this site.',
    );
    expect(e.cause).toBe(cause);
  });
});
