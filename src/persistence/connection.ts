// The app's one database connection, opened lazily and shared by every repository call.
// If another tab upgrades the schema, this connection closes and the next call reopens it.
import { openStudioDb, type StudioDB } from './db';

let dbPromise: Promise<StudioDB> | null = null;

export function getDb(): Promise<StudioDB> {
  if (!dbPromise) {
    dbPromise = openStudioDb(undefined, {
      onVersionChange: () => {
        dbPromise = null;
      },
    }).catch((e) => {
      dbPromise = null;
      throw e;
    });
  }
  return dbPromise;
}
