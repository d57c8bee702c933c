// Backbone features kept across runs, so a second run on the same images, backbone and
// augmentation skips the backbone. Derived data: losing it only costs time, so a write that
// fails (storage full) is reported to the caller but never disturbs anything else stored.
import type { FeatureStore } from '../core/train/features';
import type { StudioDB } from './db';
import { inTx } from './repo-utils';

/** The features store as core's FeatureStore: one read transaction per lookup, one write per batch. */
export function featureStore(db: StudioDB): FeatureStore {
  return {
    async get(keys) {
      const tx = db.transaction('features');
      const out = await Promise.all(keys.map((k) => tx.store.get(k)));
      await tx.done;
      return out.map((r) => r?.features);
    },
    async put(entries) {
      const storedAt = Date.now();
      await inTx(db.transaction('features', 'readwrite'), (tx) => Promise.all(entries.map((e) => tx.store.put({ key: e.key, features: e.features, storedAt }))));
    },
  };
}

/** Number of stored feature vectors and their bytes. */
export async function featureUsage(db: StudioDB): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for (let c = await db.transaction('features').store.openCursor(); c; c = await c.continue()) {
    count++;
    bytes += c.value.features.byteLength;
  }
  return { count, bytes };
}

/** Drops every stored feature vector (they are recomputed when next needed). */
export async function clearFeatures(db: StudioDB): Promise<void> {
  await inTx(db.transaction('features', 'readwrite'), (tx) => tx.store.clear());
}
