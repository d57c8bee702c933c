// The studio's IndexedDB schema (record types, stores, indexes) and the one place that opens
// the database. Schema changes go in as new `oldVersion < N` steps of the upgrade ladder.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const DEFAULT_DB_NAME = 'finetune-studio';
/** Bump together with a new `if (oldVersion < N)` step in `upgrade` below. */
export const STUDIO_DB_VERSION = 1;
/** Shortest side of the training copies for new projects. */
export const DEFAULT_TRAINING_SIZE = 256;

export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  /** Shortest side of training copies, default 256. */
  trainingSize: number;
  imageCount: number;
  /** Sum of original + thumbnail + training bytes of all images. */
  bytes: number;
}

export interface ClassRecord {
  id: string;
  projectId: string;
  name: string;
  order: number;
  createdAt: number;
  imageCount: number;
}

export type ImageSource = 'file' | 'folder' | 'zip' | 'webcam';

export interface ImageRecord {
  id: string;
  projectId: string;
  classId: string;
  /** Original file path as dropped. */
  name: string;
  /** SHA-256 hex of the original bytes. */
  hash: string;
  mime: string;
  /** Size of the training copy. */
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  originalBytes: number;
  thumbBytes: number;
  trainingBytes: number;
  addedAt: number;
  source: ImageSource;
}

export type BlobStoreName = 'originals' | 'thumbnails' | 'training';
export const BLOB_STORES: readonly BlobStoreName[] = ['originals', 'thumbnails', 'training'];

export interface StudioSchema extends DBSchema {
  projects: { key: string; value: ProjectRecord; indexes: { 'by-updated': number } };
  classes: { key: string; value: ClassRecord; indexes: { 'by-project': string } };
  images: {
    key: string;
    value: ImageRecord;
    indexes: { 'by-project': string; 'by-class': string; 'by-project-hash': [string, string] };
  };
  /** Blob stores: out-of-line key = image id. */
  originals: { key: string; value: Blob };
  thumbnails: { key: string; value: Blob };
  training: { key: string; value: Blob };
  /** Misc settings, out-of-line string keys. */
  meta: { key: string; value: unknown };
}

export type StudioDB = IDBPDatabase<StudioSchema>;

export interface OpenStudioDbOptions {
  /**
   * Another tab wants to upgrade the schema. The connection is closed first (otherwise that tab
   * stays blocked); use this to tell the user to reload.
   */
  onVersionChange?: () => void;
}

export function openStudioDb(
  name: string = DEFAULT_DB_NAME,
  options: OpenStudioDbOptions = {},
): Promise<StudioDB> {
  const opening = openDB<StudioSchema>(name, STUDIO_DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const projects = db.createObjectStore('projects', { keyPath: 'id' });
        projects.createIndex('by-updated', 'updatedAt');

        const classes = db.createObjectStore('classes', { keyPath: 'id' });
        classes.createIndex('by-project', 'projectId');

        const images = db.createObjectStore('images', { keyPath: 'id' });
        images.createIndex('by-project', 'projectId');
        images.createIndex('by-class', 'classId');
        images.createIndex('by-project-hash', ['projectId', 'hash'], { unique: false });

        db.createObjectStore('originals');
        db.createObjectStore('thumbnails');
        db.createObjectStore('training');
        db.createObjectStore('meta');
      }
      // Future: if (oldVersion < 2) { ... } — use the upgrade transaction (4th argument) to
      // reach existing stores.
    },
    blocking() {
      // Only fires after this connection opened, so `opening` has resolved.
      void opening.then((handle) => handle.close());
      options.onVersionChange?.();
    },
  });
  return opening;
}
