// The training worker's entry: a thin message switch over its three parts (the engine: database,
// backend and backbone; a run's lifecycle; services for trained models). One job at a time;
// pause, resume and stop are handled between batches.
/// <reference lib="webworker" />
import type { FromWorker, ToWorker } from '../protocol';
import { WorkerEngine } from './worker-engine';
import { RunLifecycle } from './run-lifecycle';
import { ModelServices } from './model-services';
import { FeatureWarmer } from './feature-warmer';
import { classifyError } from './classify-failure';
import { errorText } from '../../core/error-text';

declare const self: DedicatedWorkerGlobalScope;

const post = (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, transfer);
const engine = new WorkerEngine(post);
const runs = new RunLifecycle(engine);
const models = new ModelServices(engine);
const warmer = new FeatureWarmer(engine, post);
let busy: Promise<void> = Promise.resolve();
/** Runs asked for and not finished: features are not warmed meanwhile. */
let runsPending = 0;

/** Long jobs run one after another; control messages act at once. */
function job(runId: string | undefined, fn: () => Promise<void>) {
  busy = busy.then(fn).catch((e) => {
    const { message, kind } = classifyError(e);
    post({ type: 'error', runId, message, kind, recoverable: runId != null && kind !== 'other' });
    post({ type: 'status', status: 'error', message });
  });
}

/** Requests that answer one caller (predict, Grad-CAM, export): they run between training jobs. */
function request(requestId: number, fn: () => Promise<void>) {
  busy = busy.then(fn).catch((e) => post({ type: 'request-failed', requestId, message: errorText(e) }));
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'probe':
      job(undefined, async () => {
        if (msg.fresh) engine.forgetMeasurements();
        await engine.ensureBackend(msg.mode, msg.backend);
        post({ type: 'status', status: engine.hasBackbone ? 'ready' : 'idle' });
      });
      break;
    case 'load-backbone':
      job(undefined, async () => {
        await engine.ensureBackend('frozen', 'auto');
        await engine.loadBackbone(msg.spec);
      });
      break;
    case 'import-backbone':
      job(undefined, async () => {
        try {
          post({ type: 'backbone-imported', ...(await models.importBackbone(msg.name, msg.files)) });
        } catch (e) {
          post({ type: 'error', message: errorText(e), kind: 'import', recoverable: false });
        }
      });
      break;
    case 'augment-preview':
      job(undefined, () => models.augmentPreview(msg.imageIds, msg.augment, msg.seed, msg.size));
      break;
    case 'train':
      runsPending++;
      warmer.yieldToRun();
      job(msg.runId, () => runs.train(msg.runId, msg.resume, msg.backend).finally(() => void runsPending--));
      break;
    case 'warm-features':
      if (runsPending === 0 && warmer.add(msg.projectId, msg.spec, msg.images, msg.trainableBlocks)) job(undefined, () => warmer.drain());
      break;
    case 'bench':
      job(undefined, async () => post({ type: 'bench-result', result: await models.bench(msg.spec, msg.backends, msg.batch, msg.reps, msg.finetune) }));
      break;
    case 'predict':
      request(msg.requestId, async () => {
        const r = await models.predict(msg.runId, msg.images, msg.tta ?? false);
        post({ type: 'prediction', requestId: msg.requestId, ...r });
      });
      break;
    case 'evaluate-tta':
      request(msg.requestId, async () => {
        const r = await models.evaluateTta(msg.runId, (done, total) => post({ type: 'tta-progress', runId: msg.runId, done, total }));
        post({ type: 'tta-evaluated', requestId: msg.requestId, ...r });
      });
      break;
    case 'gradcam':
      request(msg.requestId, async () => {
        const r = await models.gradcam(msg.runId, msg.imageId, msg.classIndex);
        post({ type: 'gradcam-result', requestId: msg.requestId, ...r }, [r.heatmap.buffer as ArrayBuffer]);
      });
      break;
    case 'export':
      request(msg.requestId, async () => {
        const { files, zip } = await models.exportRun(msg.runId, msg.tta ?? false);
        const buffers = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.slice().buffer as ArrayBuffer]));
        const zipBuf = zip.slice().buffer as ArrayBuffer;
        post({ type: 'exported', requestId: msg.requestId, zip: zipBuf, files: buffers }, [zipBuf, ...Object.values(buffers)]);
      });
      break;
    case 'import-model':
      request(msg.requestId, async () => {
        const r = await models.importModel(msg.projectId, msg.name, msg.zip);
        post({ type: 'model-imported', requestId: msg.requestId, ...r });
      });
      break;
    case 'share-link':
      request(msg.requestId, async () => post({ type: 'share-link-result', requestId: msg.requestId, link: await models.shareLink(msg.runId, msg.tta ?? false) }));
      break;
    case 'near-duplicates':
      request(msg.requestId, async () => {
        const pairs = await models.nearDuplicates(msg.imageIds, (done, total) => post({ type: 'near-duplicates-progress', done, total }));
        post({ type: 'near-duplicates-result', requestId: msg.requestId, pairs });
      });
      break;
    case 'pause':
      runs.pause();
      break;
    case 'resume':
      runs.resume();
      break;
    case 'stop':
      runs.stop();
      break;
    default: {
      const never: never = msg;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
};
