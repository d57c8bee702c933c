// The app's one database connection, opened lazily and shared by every repository call.
import { openStudioDb, type StudioDB } from './db';

let dbPromise: Promise<StudioDB> | null = null;

export function getDb(): Promise<StudioDB> {
  if (!dbPromise) {
    dbPromise = openStudioDb().catch((e) => {
      dbPromise = null;
      throw e;
    });
  }
  return dbPromise;
}
