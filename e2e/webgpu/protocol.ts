// Messages between the fine-tuning check page and its worker (test-only, see vite.config.ts).
import type { BackendName, OptimizerKind } from '../../src/core/train/run-config';

export interface TrainRequest {
  type: 'train';
  backend: BackendName;
  modelUrl: string;
  /** Fine-tune epochs (2 optimizer steps each: 6 images, batch 3). */
  epochs: number;
  optimizer: OptimizerKind;
  /** Head learning rate; the backbone blocks get it × 0.5, graded down to × 0.125 for the stem. */
  lr: number;
  /** Keep the run and its checkpoints in the studio's IndexedDB (a project and run record are made). */
  persist?: boolean;
  /** Resume this run from its 'last' checkpoint in IndexedDB. */
  resumeRunId?: string;
}

export type ToCheckWorker = TrainRequest | { type: 'pause' } | { type: 'resume' };

export interface NamedValues {
  name: string;
  values: Float32Array;
}

export interface WeightRecord {
  name: string;
  layerClass: string;
  trainable: boolean;
  before: Float32Array;
  after: Float32Array;
}

export interface EpochMemory {
  epoch: number;
  numTensors: number;
  numBytes: number;
  /** WebGPU/WebGL only: bytes of live tensors held on the GPU. */
  numBytesInGPU?: number;
}

export type FromCheckWorker =
  | { type: 'started'; backend: string; adapter: string | null }
  | { type: 'batch'; epoch: number; batch: number; loss: number }
  | { type: 'epoch'; memory: EpochMemory }
  /** A 'last' checkpoint, sent once it is saved (in IndexedDB when the run persists). */
  | { type: 'checkpoint'; epoch: number; runId: string | null; lastCheckpointEpoch: number | null; weights: NamedValues[] }
  | { type: 'paused' }
  | {
      type: 'done';
      status: string;
      epochs: number;
      weights: WeightRecord[];
      head: NamedValues[];
      tensorsBefore: number;
      tensorsAfter: number;
    }
  | { type: 'error'; message: string };
