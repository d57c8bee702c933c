// The one message protocol between the page and the training worker: ToWorker / FromWorker
// discriminated unions on `type`. Large buffers travel as transferables.
import type { BackendDecision } from '../core/backend/choose';
import type { BackboneSpec } from '../core/backbones/catalog';
import type { LayerInfo } from '../core/backbones/layers';
import type { AugmentConfig } from '../core/augment/augment';
import type { BenchResult, FinetuneShape } from './training/bench';
import type { BackendChoice, BackendName, BatchPoint, EpochMetrics, TrainMode } from '../core/train/run-config';
import type { AutoPlan } from '../core/train/auto-plan';
import type { StudyRow } from '../core/train/study';
import type { RunEvaluation } from '../persistence/db';

/** A row of Auto's search table as the page shows it. */
export type StudyRowLite = StudyRow;

export type WorkerStatus = 'idle' | 'probing' | 'loading-backbone' | 'warming-up' | 'ready' | 'training' | 'paused' | 'done' | 'error';

export interface BackboneInfo {
  spec: BackboneSpec;
  layers: LayerInfo[];
  blocks: string[];
  params: number;
  fromCache: boolean;
}

export type ToWorker =
  /** Measures the backends (again, with `fresh`) and activates the pick. */
  | { type: 'probe'; mode: TrainMode; backend: BackendChoice; fresh?: boolean }
  | { type: 'load-backbone'; spec: BackboneSpec }
  | { type: 'import-backbone'; name: string; files: { path: string; data: ArrayBuffer }[] }
  | { type: 'augment-preview'; projectId: string; imageIds: string[]; augment: AugmentConfig; seed: number; size: number }
  | { type: 'train'; runId: string; resume: boolean; backend: BackendChoice }
  | { type: 'bench'; spec: BackboneSpec; backends: BackendName[]; batch: number; reps: number; finetune?: FinetuneShape }
  /** `tta`: average over the test-time augmented views (src/core/train/tta.ts). */
  | { type: 'predict'; requestId: number; runId: string; images: PreviewImage[]; tta?: boolean }
  /** Scores the run's validation and test images again with test-time augmentation and stores the result on the run. */
  | { type: 'evaluate-tta'; requestId: number; runId: string }
  | { type: 'gradcam'; requestId: number; runId: string; imageId: string; classIndex: number | null }
  | { type: 'export'; requestId: number; runId: string; tta?: boolean }
  | { type: 'import-model'; requestId: number; projectId: string; name: string; zip: ArrayBuffer }
  | { type: 'share-link'; requestId: number; runId: string; tta?: boolean }
  /** Leakage check: near-duplicate pairs among these images (from their training copies). */
  | { type: 'near-duplicates'; requestId: number; imageIds: string[] }
  /** Images just imported: compute and keep their features with this backbone while the studio is idle (see feature-warmer.ts). */
  | { type: 'warm-features'; projectId: string; spec: BackboneSpec; images: WarmImage[]; trainableBlocks?: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

/** An image just stored by an import: its id, its feature-store key (featureContentKey) and its training copy. */
export interface WarmImage {
  id: string;
  contentKey: string;
  training: Blob;
}

export interface PreviewImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export type FromWorker =
  | { type: 'status'; status: WorkerStatus; message?: string }
  | { type: 'backends'; decision: BackendDecision; active: BackendName }
  | { type: 'backbone-progress'; loaded: number; total: number }
  | { type: 'backbone-ready'; info: BackboneInfo }
  | { type: 'backbone-imported'; spec: BackboneSpec; bytes: number }
  | { type: 'features-progress'; runId: string; done: number; total: number }
  /** Features kept for imported images so far (`computed` of them by the backbone, the rest were stored already). */
  | { type: 'features-warmed'; projectId: string; done: number; computed: number; seconds: number; error?: string }
  /** Auto: the search (candidates tried of total, best first) and then the head fit (passes done of total). */
  | { type: 'study-progress'; runId: string; phase: 'search' | 'fit'; done: number; total: number; rows: StudyRowLite[]; plan?: AutoPlan }
  | {
      type: 'batch';
      runId: string;
      point: BatchPoint;
      epoch: number;
      batch: number;
      batches: number;
      imagesPerSecond: number;
      numTensors: number;
      numBytes: number;
    }
  | { type: 'epoch'; runId: string; metrics: EpochMetrics; best: boolean; numTensors: number }
  | { type: 'run-finished'; runId: string; status: 'done' | 'stopped' | 'early-stopped'; epochs: number }
  | { type: 'augment-preview'; images: PreviewImage[] }
  | { type: 'bench-result'; result: BenchResult }
  | { type: 'prediction'; requestId: number; probabilities: number[][]; ms: number }
  | { type: 'tta-evaluated'; requestId: number; validation?: RunEvaluation; test?: RunEvaluation }
  | { type: 'tta-progress'; runId: string; done: number; total: number }
  | { type: 'gradcam-result'; requestId: number; heatmap: Float32Array; width: number; height: number; classIndex: number; probabilities: number[] }
  | { type: 'exported'; requestId: number; zip: ArrayBuffer; files: Record<string, ArrayBuffer> }
  | { type: 'model-imported'; requestId: number; runId: string; name: string }
  | { type: 'share-link-result'; requestId: number; link: string }
  | { type: 'near-duplicates-result'; requestId: number; pairs: { a: string; b: string; distance: number }[] }
  | { type: 'near-duplicates-progress'; done: number; total: number }
  | { type: 'request-failed'; requestId: number; message: string }
  | { type: 'error'; runId?: string; message: string; kind: 'oom' | 'device-lost' | 'other' | 'import'; recoverable: boolean };
