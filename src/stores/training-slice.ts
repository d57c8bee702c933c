// Training state for the open project: the draft run config, the worker's status, backend and
// backbone info, the live run (throttled so charts never flood the main thread), and the runs
// (read from IndexedDB when the tab opens and when a run ends, not while one trains).
import type { BackendDecision } from '../core/backend/choose';
import { BACKBONES, DEFAULT_BACKBONE_ID, type BackboneSpec } from '../core/backbones/catalog';
import { defaultRunConfig, type BackendChoice, type BackendName, type RunConfig } from '../core/train/run-config';
import { planRun } from '../core/train/plan-run';
import { getDb } from '../persistence/connection';
import type { ImageRecord, RunRecord } from '../persistence/db';
import { featureContentKey } from '../core/train/feature-key';
import { deleteCachedBackbone, listCachedBackbones, type CachedBackboneInfo } from '../persistence/backbones-repo';
import { createRun, deleteRun, listRuns } from '../persistence/runs-repo';
import { InterruptedRunWatch } from '../persistence/run-watch';
import type { BackboneInfo, FromWorker, PreviewImage, WorkerStatus } from '../worker/protocol';
import { trainingClient } from '../worker/training/training-client';
import { errorText, type Slice } from './slice';
import { LiveFolder, liveFromRun, type LiveRun } from './live-run';

export type { LiveRun } from './live-run';

export interface TrainingSlice {
  trainConfig: RunConfig;
  workerStatus: WorkerStatus;
  workerMessage: string | null;
  backendDecision: BackendDecision | null;
  activeBackend: BackendName | null;
  backboneInfo: BackboneInfo | null;
  backboneProgress: { loaded: number; total: number } | null;
  live: LiveRun | null;
  runs: RunRecord[];
  augmentPreview: PreviewImage[] | null;
  trainError: { message: string; kind: string; recoverable: boolean; runId?: string } | null;
  /** Features the worker kept for newly imported images (see feature-warmer.ts). */
  featuresWarmed: { projectId: string; done: number; computed: number; seconds: number; error?: string } | null;
  /** Newly imported images: have the worker compute their features now, while nothing trains. */
  warmFeatures: (images: { record: ImageRecord; training: Blob }[]) => void;
  setTrainConfig: (patch: Partial<RunConfig>) => void;
  selectBackbone: (spec: BackboneSpec) => void;
  loadRuns: () => Promise<void>;
  /** Measures the backends; `fresh` (default) measures again even when a decision exists. */
  probeBackends: (fresh?: boolean) => void;
  loadBackbone: () => void;
  previewAugment: () => void;
  startRun: (opts?: { parentRunId?: string }) => Promise<string | null>;
  resumeRun: (runId: string, backend?: BackendChoice) => void;
  pauseRun: () => void;
  continueRun: () => void;
  stopRun: () => void;
  removeRun: (runId: string) => Promise<void>;
  /** The manual settings become those a run used (Auto's choice included), with Auto off. */
  adoptRunSettings: (runId: string) => void;
  cachedBackbones: CachedBackboneInfo[];
  backboneImporting: boolean;
  loadCachedBackbones: () => Promise<void>;
  deleteCachedBackbone: (id: string) => Promise<void>;
  importBackboneFiles: (name: string, files: { path: string; file: File }[]) => Promise<void>;
}

const interrupted = new InterruptedRunWatch();

export const createTrainingSlice: Slice<TrainingSlice> = (set, get) => {
  // The run's record in the list follows its live epochs in memory: reading every run of the
  // project back from IndexedDB while training costs the page long tasks (the records carry their
  // batch curves); the list is read again when the run ends.
  const folder = new LiveFolder(
    () => get().live,
    (live) => {
      const runs = get().runs;
      const i = runs.findIndex((r) => r.id === live.runId);
      if (i < 0 || runs[i].history === live.history) return set({ live });
      set({ live, runs: runs.map((r, k) => (k === i ? { ...r, history: live.history } : r)) });
    },
  );

  const onMessage = (msg: FromWorker) => {
    switch (msg.type) {
      case 'status':
        set({ workerStatus: msg.status, workerMessage: msg.message ?? null });
        break;
      case 'backends':
        set({ backendDecision: msg.decision, activeBackend: msg.active });
        break;
      case 'backbone-progress':
        set({ backboneProgress: { loaded: msg.loaded, total: msg.total } });
        break;
      case 'backbone-ready':
        set({ backboneInfo: msg.info, backboneProgress: null });
        // Every run start loads its backbone again; the cached list (each record read back carries
        // the weights, megabytes decoded on this thread) is read only when this one is new to it.
        if (!get().cachedBackbones.some((b) => b.id === msg.info.spec.id)) void get().loadCachedBackbones();
        break;
      case 'features-progress': {
        const live = get().live;
        if (live) set({ live: { ...live, features: { done: msg.done, total: msg.total } } });
        break;
      }
      case 'study-progress': {
        const live = get().live;
        if (!live || live.runId !== msg.runId) break;
        const plan = msg.plan ?? live.study?.plan ?? null;
        set({
          live: {
            ...live,
            features: null,
            study: { phase: msg.phase, done: msg.done, total: msg.total, rows: msg.rows, plan },
            ...(plan ? { totalEpochs: plan.headSteps + (plan.mode === 'finetune' ? plan.finetuneEpochs : 0) } : {}),
          },
        });
        break;
      }
      case 'batch':
        folder.addBatch(msg);
        break;
      case 'epoch':
        folder.addEpoch(msg.metrics, msg.numTensors);
        break;
      case 'run-finished': {
        folder.flush();
        const live = get().live;
        if (live) set({ live: { ...live, finished: msg.status } });
        void get().loadRuns();
        break;
      }
      case 'augment-preview':
        set({ augmentPreview: msg.images });
        break;
      case 'bench-result':
      case 'prediction':
      case 'gradcam-result':
      case 'exported':
      case 'model-imported':
      case 'share-link-result':
      case 'near-duplicates-result':
      case 'near-duplicates-progress': // the leakage slice listens for these
      case 'tta-progress': // the Evaluate tab listens for these
      case 'tta-evaluated':
      case 'request-failed':
        break; // answers to requests: the client hands them to whoever asked
      case 'backbone-imported':
        set({ backboneImporting: false });
        get().selectBackbone(msg.spec);
        get().notify('info', `Imported ${msg.spec.name}; it is cached in this browser.`);
        void get().loadCachedBackbones();
        break;
      case 'error':
        if (msg.kind === 'import') {
          set({ backboneImporting: false });
          get().notify('error', `Model not imported: ${msg.message}`);
          break;
        }
        set({ trainError: { message: msg.message, kind: msg.kind, recoverable: msg.recoverable, runId: msg.runId }, backboneProgress: null });
        void get().loadRuns();
        break;
      case 'features-warmed': {
        const { type: _type, ...warmed } = msg;
        set({ featuresWarmed: warmed });
        break;
      }
      default: {
        const never: never = msg;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
  };
  trainingClient.subscribe(onMessage);

  const beginLive = (run: RunRecord) => set({ trainError: null, live: liveFromRun(run) });

  return {
    trainConfig: defaultRunConfig(BACKBONES.find((b) => b.id === DEFAULT_BACKBONE_ID)!),
    workerStatus: 'idle',
    workerMessage: null,
    backendDecision: null,
    activeBackend: null,
    backboneInfo: null,
    backboneProgress: null,
    live: null,
    runs: [],
    augmentPreview: null,
    trainError: null,
    featuresWarmed: null,
    warmFeatures: (images) => {
      const { project, trainConfig, workerStatus, live } = get();
      if (!project || images.length === 0) return;
      if (workerStatus === 'training' || workerStatus === 'paused' || (live && !live.finished)) return;
      const warm = images.map(({ record, training }) => ({ id: record.id, contentKey: featureContentKey(record), training }));
      trainingClient.send({ type: 'warm-features', projectId: project.id, spec: trainConfig.backbone, images: warm, trainableBlocks: trainConfig.trainableBlocks });
    },
    setTrainConfig: (patch) => set({ trainConfig: { ...get().trainConfig, ...patch } }),
    selectBackbone: (spec) => {
      const cfg = get().trainConfig;
      // A failed load of the previous choice no longer applies; a failed run's error stays.
      const err = get().trainError;
      set({ trainConfig: { ...cfg, backbone: spec, mode: spec.fineTunable ? cfg.mode : 'frozen' }, backboneInfo: null, trainError: err?.runId ? err : null });
    },
    loadRuns: async () => {
      const pid = get().project?.id;
      if (!pid) return;
      const db = await getDb();
      const runs = await listRuns(db, pid);
      // A 'running' run whose lock no tab holds lost its worker (reload, closed tab, crash). A held
      // lock may belong to a page that is unloading, so wait for it: once it frees, look again.
      // This page's own run is skipped while its worker is starting it (the run is created before the
      // worker takes the lock); a failure there is written to the run by the worker.
      const live = get().live;
      const starting = live && !live.finished && !get().trainError ? live.runId : null;
      interrupted.watch(db, runs, starting, () => void get().loadRuns());
      set({ runs });
    },
    probeBackends: (fresh = true) => trainingClient.send({ type: 'probe', mode: get().trainConfig.mode, backend: get().trainConfig.backend, fresh }),
    loadBackbone: () => {
      set({ trainError: null, backboneProgress: { loaded: 0, total: 0 } });
      trainingClient.send({ type: 'load-backbone', spec: get().trainConfig.backbone });
    },
    previewAugment: () => {
      const { images, project, trainConfig } = get();
      if (!project || images.length === 0) return;
      const step = Math.max(1, Math.floor(images.length / 8));
      const ids = images.filter((_, i) => i % step === 0).slice(0, 8).map((i) => i.id);
      set({ augmentPreview: null });
      trainingClient.send({ type: 'augment-preview', projectId: project.id, imageIds: ids, augment: trainConfig.augment, seed: trainConfig.seed + Date.now() % 1000, size: 112 });
    },
    startRun: async (opts = {}) => {
      const { project, classes, images, trainConfig } = get();
      if (!project) return null;
      const planned = planRun(classes, images, trainConfig, get().keepTogether);
      if ('error' in planned) {
        get().notify('error', planned.error);
        return null;
      }
      const { plan } = planned;
      try {
        const run = await createRun(await getDb(), {
          projectId: project.id,
          status: 'running',
          config: trainConfig,
          classes: plan.classes,
          split: plan.split,
          totalEpochs: plan.totalEpochs,
          parentRunId: opts.parentRunId ?? null,
        });
        beginLive(run);
        trainingClient.send({ type: 'train', runId: run.id, resume: false, backend: trainConfig.backend });
        // The new run joins the list as created (the list is read again when it ends).
        set({ runs: [run, ...get().runs.filter((r) => r.id !== run.id)] });
        return run.id;
      } catch (e) {
        get().notify('error', `Could not start training: ${errorText(e)}`);
        return null;
      }
    },
    resumeRun: (runId, backend) => {
      const run = get().runs.find((r) => r.id === runId);
      if (!run) return;
      beginLive(run);
      trainingClient.send({ type: 'train', runId, resume: true, backend: backend ?? run.config.backend });
    },
    pauseRun: () => trainingClient.send({ type: 'pause' }),
    continueRun: () => trainingClient.send({ type: 'resume' }),
    stopRun: () => trainingClient.send({ type: 'stop' }),
    cachedBackbones: [],
    backboneImporting: false,
    loadCachedBackbones: async () => set({ cachedBackbones: await listCachedBackbones(await getDb()) }),
    deleteCachedBackbone: async (id) => {
      await deleteCachedBackbone(await getDb(), id);
      if (get().backboneInfo?.spec.id === id) set({ backboneInfo: null });
      await get().loadCachedBackbones();
    },
    importBackboneFiles: async (name, files) => {
      set({ backboneImporting: true });
      const payload = await Promise.all(files.map(async (f) => ({ path: f.path, data: await f.file.arrayBuffer() })));
      trainingClient.send({ type: 'import-backbone', name, files: payload }, payload.map((p) => p.data));
    },
    adoptRunSettings: (runId) => {
      const run = get().runs.find((r) => r.id === runId);
      if (!run) return;
      const auto = run.config.auto ? { ...run.config.auto, enabled: false } : undefined;
      // An Auto fine-tune run's head arrived fitted (0 head epochs); manual runs warm the head up first.
      const epochs = run.config.mode === 'finetune' && run.config.epochs === 0 ? 5 : run.config.mode === 'frozen' && run.study ? 30 : run.config.epochs;
      set({ trainConfig: { ...run.config, epochs, auto } });
      get().notify('info', `The settings now start from ${run.name}'s; Auto is off.`);
    },
    removeRun: async (runId) => {
      await deleteRun(await getDb(), runId);
      if (get().live?.runId === runId) set({ live: null });
      await get().loadRuns();
    },
  };
};
