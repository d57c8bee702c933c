// The feature store behind FeatureStore: vectors round-trip exactly, missing keys read as
// undefined, usage counts them, and clearing drops only features.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { clearFeatures, featureStore, featureUsage } from './features-repo';
import { createProject } from './projects-repo';
import { freshDb } from '../test-support/studio-db';

describe('features repo', () => {
  it('stores, reads back, counts and clears feature vectors', async () => {
    const db = await freshDb();
    const project = await createProject(db, 'Keep me');
    const store = featureStore(db);
    const a = new Float32Array([1.5, -2, 3e-7]);
    const b = new Float32Array([0, 4, 5]);
    await store.put([{ key: 'k|a', features: a }, { key: 'k|b', features: b }]);
    const got = await store.get(['k|b', 'missing', 'k|a']);
    expect(got.map((f) => f && Array.from(f))).toEqual([Array.from(b), undefined, Array.from(a)]);
    expect(got[0]).toBeInstanceOf(Float32Array);
    expect(await featureUsage(db)).toEqual({ count: 2, bytes: 24 });
    await clearFeatures(db);
    expect(await store.get(['k|a'])).toEqual([undefined]);
    expect(await db.get('projects', project.id)).toBeTruthy();
    db.close();
  });
});
