// navigator.storage wrappers: null where the API is missing or fails, browser answers otherwise.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { estimateStorage, isPersisted, requestPersistence } from './storage';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('storage (navigator.storage)', () => {
  it('returns null where the API is missing (Node)', async () => {
    vi.stubGlobal('navigator', undefined);
    expect(await estimateStorage()).toBeNull();
    expect(await requestPersistence()).toBeNull();
    expect(await isPersisted()).toBeNull();
    vi.stubGlobal('navigator', {});
    expect(await estimateStorage()).toBeNull();
    expect(await isPersisted()).toBeNull();
  });

  it('passes through the browser answers', async () => {
    vi.stubGlobal('navigator', {
      storage: {
        estimate: async () => ({ usage: 1234, quota: 99999, usageDetails: {} }),
        persist: async () => true,
        persisted: async () => false,
      },
    });
    expect(await estimateStorage()).toEqual({ usage: 1234, quota: 99999 });
    expect(await requestPersistence()).toBe(true);
    expect(await isPersisted()).toBe(false);
  });

  it('returns null when the browser call fails', async () => {
    const fail = async () => {
      throw new DOMException('denied', 'SecurityError');
    };
    vi.stubGlobal('navigator', { storage: { estimate: fail, persist: fail, persisted: fail } });
    expect(await estimateStorage()).toBeNull();
    expect(await requestPersistence()).toBeNull();
    expect(await isPersisted()).toBeNull();
  });
});
