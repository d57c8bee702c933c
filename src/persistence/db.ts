// The studio's IndexedDB schema (record types, stores, indexes) and the one place that opens
// the database. Schema changes go in as new `oldVersion < N` steps of the upgrade ladder.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { AutoPlan } from '../core/train/auto-plan';
import type { StudyRow } from '../core/train/study';
import type { BackboneSpec } from '../core/backbones/catalog';
import type { BackendName, BatchPoint, EpochMetrics, RunConfig } from '../core/train/run-config';

export const DEFAULT_DB_NAME = 'finetune-studio';
/** Bump together with a new `if (oldVersion < N)` step in `upgrade` below. */
export const STUDIO_DB_VERSION = 3;
/** Shortest side of the training copies for new projects. */
export { DEFAULT_TRAINING_SIZE } from '../core/data/crop-resize';

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
  /**
   * 'val': the user marked this image for the validation set; 'test': for the test set, never
   * used by training or by any choice (absent: the split decides).
   */
  split?: 'val' | 'test';
}

export type RunStatus = 'running' | 'paused' | 'interrupted' | 'done' | 'stopped' | 'error';

/** A training run (schema v2). Label order and split are snapshots, so later dataset edits don't change it. */
export interface RunRecord {
  id: string;
  projectId: string;
  /** 'Run N' by default, numbered per project (see runs-repo). */
  name: string;
  createdAt: number;
  updatedAt: number;
  status: RunStatus;
  config: RunConfig;
  /** Label order snapshot: output unit i is classes[i]. */
  classes: { id: string; name: string }[];
  /** Image ids. */
  split: { train: string[]; val: string[]; test?: string[] };
  history: EpochMetrics[];
  /** Capped, see MAX_BATCH_POINTS in runs-repo. */
  batches: BatchPoint[];
  backend: BackendName | null;
  /** Why that backend was picked (or what fell back). */
  backendReason: string | null;
  bestEpoch: number | null;
  bestValAcc: number | null;
  bestValLoss: number | null;
  lastCheckpointEpoch: number | null;
  totalEpochs: number;
  error: string | null;
  /** Run this one was resumed or forked from. */
  parentRunId: string | null;
  /** Refreshed while training; a 'running' run with a stale heartbeat was interrupted. */
  heartbeatAt: number;
  /** Validation predictions of the final (or restored best) weights, for error analysis. */
  evaluation?: RunEvaluation;
  /** Test-set predictions of the kept weights (absent: the run had no test set). */
  testEvaluation?: RunEvaluation;
  /** Test accuracy of the last epoch's weights, when early stopping kept an earlier epoch (absent: the last epoch was kept). */
  testLastEpoch?: { epoch: number; accuracy: number; n: number };
  /** The same images scored with test-time augmentation (src/core/train/tta.ts), when asked for on the Evaluate tab. */
  ttaEvaluation?: { validation?: RunEvaluation; test?: RunEvaluation };
  /** Auto's study and plan (Auto runs only). */
  study?: RunStudy;
  /** What the trainer chose and why (caches used, fallbacks), one line each, oldest first. */
  log?: string[];
}

/** What Auto studied and chose; its head fit is recorded as the run's first `plan.headSteps` epochs. */
export interface RunStudy {
  /** Folds of the cross-validation. */
  k: number;
  /** Images in each fold (absent in runs stored before it was kept). */
  foldSizes?: number[];
  /** Every candidate tried, best first. */
  rows: StudyRow[];
  /** Candidates the time budget left untried. */
  skipped: number;
  /** The budget cut a family's training short (absent: it did not). */
  truncated?: boolean;
  budgetMs: number;
  elapsedMs: number;
  plan: AutoPlan;
  /**
   * Which images the study's folds and the final head fit used: 'train+val' (a frozen plan: every
   * non-test image; the validation figures are out of fold) or 'train'. Absent in runs stored
   * before Auto pooled them: the study and the fit used the training images only.
   */
  fitOn?: 'train+val' | 'train';
}

/** One image view's backbone features, kept across runs (schema v3); see core/train/features featureKey. */
export interface FeatureRecord {
  key: string;
  features: Float32Array;
  storedAt: number;
}

export interface RunEvaluation {
  imageIds: string[];
  labels: number[];
  /** Row-major [N × numClasses] softmax probabilities. */
  probabilities: number[];
  numClasses: number;
  /**
   * Set when these are out-of-fold predictions (Auto's frozen plan fits on every non-test image):
   * each image was scored by the fold model of a k-fold cross-validation that never trained on
   * it, not by the kept model.
   */
  outOfFold?: { k: number };
}

export type CheckpointKind = 'last' | 'best';

/** One tensor of a checkpoint; its values lie in the record's ArrayBuffer in list order (4 bytes each). */
export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Trainable weights and optimizer slots of a run at the end of an epoch (schema v2). */
export interface CheckpointRecord {
  runId: string;
  kind: CheckpointKind;
  epoch: number;
  stage: 1 | 2;
  step: number;
  createdAt: number;
  weights: TensorEntry[];
  weightData: ArrayBuffer;
  optimizer: TensorEntry[];
  optimizerData: ArrayBuffer;
  /** Early-stopping, rng and loop state as JSON-compatible values. */
  state: Record<string, unknown>;
}

/** A downloaded or imported backbone: what `tf.io.fromMemory` needs to rebuild it (schema v2). */
export interface BackboneCacheRecord {
  id: string;
  spec: BackboneSpec;
  /** model.json's `modelTopology`. */
  modelTopology: unknown;
  format: 'layers-model' | 'graph-model';
  /** model.json's weight specs (all manifest groups flattened, in shard order). */
  weightSpecs: unknown[];
  /** All weight shards concatenated. */
  weightData: ArrayBuffer;
  bytes: number;
  cachedAt: number;
  source: 'download' | 'import';
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
  /** v2 */
  runs: { key: string; value: RunRecord; indexes: { 'by-project': string } };
  checkpoints: { key: [string, CheckpointKind]; value: CheckpointRecord; indexes: { 'by-run': string } };
  backbones: { key: string; value: BackboneCacheRecord };
  /** v3 */
  features: { key: string; value: FeatureRecord };
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
      if (oldVersion < 2) {
        // Only new stores: v1 data stays as it is.
        const runs = db.createObjectStore('runs', { keyPath: 'id' });
        runs.createIndex('by-project', 'projectId');
        const checkpoints = db.createObjectStore('checkpoints', { keyPath: ['runId', 'kind'] });
        checkpoints.createIndex('by-run', 'runId');
        db.createObjectStore('backbones', { keyPath: 'id' });
      }
      if (oldVersion < 3) {
        // A new store only: features are derived data, rebuilt on demand.
        db.createObjectStore('features', { keyPath: 'key' });
      }
      // Future: if (oldVersion < 4) { ... } — use the upgrade transaction (4th argument) to
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
