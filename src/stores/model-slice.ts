// What the studio asks of a trained model: predict, Grad-CAM, export, a share link, and importing
// a model zip as a run. Components call these actions; only the store talks to the worker.
import type { FromWorker, PreviewImage } from '../worker/protocol';
import { trainingClient } from '../worker/training/training-client';
import type { Slice } from './slice';

type Answer<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

export interface ModelSlice {
  /** Class probabilities for each image (square RGBA at the run's input size), and the time taken. */
  predict: (runId: string, images: PreviewImage[]) => Promise<Answer<'prediction'>>;
  /** Where the run's model looked in a stored image, for its predicted class or `classIndex`. */
  gradCam: (runId: string, imageId: string, classIndex: number | null) => Promise<Answer<'gradcam-result'>>;
  /** The run's model as a Teachable-Machine-format TF.js zip (and its files). */
  exportRun: (runId: string) => Promise<Answer<'exported'>>;
  /** A self-contained demo link's fragment for the run. */
  shareLink: (runId: string) => Promise<string>;
  /** Stores a model zip as a run of the project. */
  importModel: (projectId: string, name: string, zip: ArrayBuffer) => Promise<Answer<'model-imported'>>;
}

export const createModelSlice: Slice<ModelSlice> = () => ({
  predict: (runId, images) => trainingClient.request<'prediction'>({ type: 'predict', runId, images }),
  gradCam: (runId, imageId, classIndex) => trainingClient.request<'gradcam-result'>({ type: 'gradcam', runId, imageId, classIndex }),
  exportRun: (runId) => trainingClient.request<'exported'>({ type: 'export', runId }),
  shareLink: async (runId) => (await trainingClient.request<'share-link-result'>({ type: 'share-link', runId })).link,
  importModel: (projectId, name, zip) => trainingClient.request<'model-imported'>({ type: 'import-model', projectId, name, zip }, [zip]),
});
