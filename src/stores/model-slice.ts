// What the studio asks of a trained model: predict, Grad-CAM, export, a share link, and importing
// a model zip as a run. Components call these actions; only the store talks to the worker.
import type { FromWorker, PreviewImage } from '../worker/protocol';
import { trainingClient } from '../worker/training/training-client';
import type { Slice } from './slice';

type Answer<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

export interface ModelSlice {
  /** Class probabilities for each image (square RGBA at the run's input size), and the time taken. */
  predict: (runId: string, images: PreviewImage[], tta?: boolean) => Promise<Answer<'prediction'>>;
  /** Scores the run's validation and test images again with test-time augmentation (stored on the run). */
  evaluateTta: (runId: string) => Promise<Answer<'tta-evaluated'>>;
  /** Progress of evaluateTta: returns the unsubscribe function. */
  onTtaProgress: (listener: (runId: string, done: number, total: number) => void) => () => void;
  /** Where the run's model looked in a stored image, for its predicted class or `classIndex`. */
  gradCam: (runId: string, imageId: string, classIndex: number | null) => Promise<Answer<'gradcam-result'>>;
  /** The run's model as a Teachable-Machine-format TF.js zip (and its files). */
  exportRun: (runId: string, tta?: boolean) => Promise<Answer<'exported'>>;
  /** A self-contained demo link's fragment for the run. */
  shareLink: (runId: string, tta?: boolean) => Promise<string>;
  /** Stores a model zip as a run of the project. */
  importModel: (projectId: string, name: string, zip: ArrayBuffer) => Promise<Answer<'model-imported'>>;
}

export const createModelSlice: Slice<ModelSlice> = () => ({
  predict: (runId, images, tta = false) => trainingClient.request<'prediction'>({ type: 'predict', runId, images, tta }),
  evaluateTta: (runId) => trainingClient.request<'tta-evaluated'>({ type: 'evaluate-tta', runId }),
  onTtaProgress: (listener) =>
    trainingClient.subscribe((msg) => {
      if (msg.type === 'tta-progress') listener(msg.runId, msg.done, msg.total);
    }),
  gradCam: (runId, imageId, classIndex) => trainingClient.request<'gradcam-result'>({ type: 'gradcam', runId, imageId, classIndex }),
  exportRun: (runId, tta = false) => trainingClient.request<'exported'>({ type: 'export', runId, tta }),
  shareLink: async (runId, tta = false) => (await trainingClient.request<'share-link-result'>({ type: 'share-link', runId, tta })).link,
  importModel: (projectId, name, zip) => trainingClient.request<'model-imported'>({ type: 'import-model', projectId, name, zip }, [zip]),
});
