// Object URLs for image blobs stored in IndexedDB, shared by every view that shows photos: loaded
// only for images on screen and kept in a small cache so scrolling back does not read them again.
// Requests are gathered per animation frame: blobs are read in one transaction per store, and
// object URLs (each a synchronous call into the browser) are made within a few milliseconds per
// frame, so flinging through thousands of tiles never stalls the page. A tile scrolled away
// before its turn costs nothing.
import { useEffect, useState } from 'react';
import { getDb } from '../../persistence/connection';
import { getBlobs } from '../../persistence/images-repo';

type Store = 'thumbnails' | 'training' | 'originals';
const cache = new Map<string, string>();
const MAX = 800;
/** Milliseconds of URL-making per frame. */
const FRAME_BUDGET_MS = 6;
/** Most blobs read per frame. */
const READ_BATCH = 64;

function remember(key: string, url: string) {
  cache.set(key, url);
  if (cache.size > MAX) {
    const oldest = cache.keys().next().value as string;
    URL.revokeObjectURL(cache.get(oldest)!);
    cache.delete(oldest);
  }
}

interface Request {
  key: string;
  store: Store;
  id: string;
  live: boolean;
  /** Undefined until read; null when the blob is gone. */
  blob?: Blob | null;
  done: (url: string) => void;
}

let queue: Request[] = [];
let scheduled = false;

function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => void pump());
}

async function pump() {
  queue = queue.filter((r) => r.live);
  const unread = queue.filter((r) => r.blob === undefined && !cache.has(r.key)).slice(0, READ_BATCH);
  if (unread.length) {
    const db = await getDb();
    for (const store of new Set(unread.map((r) => r.store))) {
      const mine = unread.filter((r) => r.store === store);
      const blobs = await getBlobs(db, store, mine.map((r) => r.id)).catch(() => mine.map(() => null));
      mine.forEach((r, i) => (r.blob = blobs[i] ?? null));
    }
  }
  const start = performance.now();
  const rest: Request[] = [];
  for (const r of queue) {
    if (!r.live) continue;
    const hit = cache.get(r.key);
    if (hit) {
      r.done(hit);
      continue;
    }
    if (r.blob === null) continue;
    if (r.blob === undefined || performance.now() - start > FRAME_BUDGET_MS) {
      rest.push(r);
      continue;
    }
    const url = URL.createObjectURL(r.blob);
    remember(r.key, url);
    r.done(url);
  }
  queue = rest;
  scheduled = false;
  if (queue.length) schedule();
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
    setUrl(null);
    const req: Request = { key, store, id, live: true, done: (u) => setUrl(u) };
    queue.push(req);
    schedule();
    return () => {
      req.live = false;
    };
  }, [key, id, store]);
  return url;
}
