// Browser storage quota and persistence (navigator.storage). Every call is guarded so it
// returns null where the API is missing (Node, old Safari, insecure contexts) or throws.

function storageManager(): StorageManager | null {
  if (typeof navigator === 'undefined' || navigator === null) return null;
  const storage = (navigator as Navigator & { storage?: StorageManager }).storage;
  return storage ?? null;
}

/** Bytes used and available to this origin, or null when the browser cannot tell. */
export async function estimateStorage(): Promise<{ usage: number; quota: number } | null> {
  const storage = storageManager();
  if (typeof storage?.estimate !== 'function') return null;
  try {
    const { usage, quota } = await storage.estimate();
    if (typeof usage !== 'number' || typeof quota !== 'number') return null;
    return { usage, quota };
  } catch {
    return null;
  }
}

/** Asks the browser not to evict our data; true if granted, null if unsupported. */
export async function requestPersistence(): Promise<boolean | null> {
  const storage = storageManager();
  if (typeof storage?.persist !== 'function') return null;
  try {
    return await storage.persist();
  } catch {
    return null;
  }
}

/** Whether storage is already persistent; null if unsupported. */
export async function isPersisted(): Promise<boolean | null> {
  const storage = storageManager();
  if (typeof storage?.persisted !== 'function') return null;
  try {
    return await storage.persisted();
  } catch {
    return null;
  }
}
