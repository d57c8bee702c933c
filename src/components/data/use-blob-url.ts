// Object URLs for image blobs stored in IndexedDB, shared by every view that shows photos: loaded
// only for images on screen and kept in a small cache so scrolling back does not read them again.
import { useEffect, useState } from 'react';
import { getDb } from '../../persistence/connection';
import { getBlob } from '../../persistence/images-repo';

type Store = 'thumbnails' | 'training' | 'originals';
const cache = new Map<string, string>();
const MAX = 800;

function remember(key: string, url: string) {
  cache.set(key, url);
  if (cache.size > MAX) {
    const oldest = cache.keys().next().value as string;
    URL.revokeObjectURL(cache.get(oldest)!);
    cache.delete(oldest);
  }
}

export function useBlobUrl(store: Store, id: string | null): string | null {
  const key = id ? `${store}:${id}` : '';
  const [url, setUrl] = useState<string | null>(() => (key ? (cache.get(key) ?? null) : null));
  useEffect(() => {
    if (!id) {
      setUrl(null);
      return;
    }
    const hit = cache.get(key);
    if (hit) {
      setUrl(hit);
      return;
    }
    let live = true;
    void getDb()
      .then((db) => getBlob(db, store, id))
      .then((blob) => {
        if (!blob || !live) return;
        const u = URL.createObjectURL(blob);
        remember(key, u);
        setUrl(u);
      });
    return () => {
      live = false;
    };
  }, [key, id, store]);
  return url;
}
