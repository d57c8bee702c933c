// Training state for the open project: the draft run config, the worker's status, backend and
// backbone info, the live run (throttled so charts never flood the main thread), and the runs.
import type { BackendDecision } from '../core/backend/choose';
import { BACKBONES, DEFAULT_BACKBONE_ID, type BackboneSpec } from '../core/backbones/catalog';
import { defaultRunConfig, type BackendChoice, type BackendName, type BatchPoint, type EpochMetrics, type RunConfig } from '../core/train/run-config';
import { getDb } from '../persistence/connection';
import type { RunRecord } from '../persistence/db';
import { deleteCachedBackbone, listCachedBackbones, type CachedBackboneInfo } from '../persistence/backbones-repo';
import { createRun, deleteRun, getRun, listRuns, updateRun } from '../persistence/runs-repo';
import { runLockName } from '../worker/protocol';
import type { BackboneInfo, FromWorker, PreviewImage, StudyRowLite, WorkerStatus } from '../worker/protocol';
import type { AutoPlan } from '../core/train/auto-plan';
import { TrainingClient } from '../worker/training-client';
import { errorText, type Slice } from './slice';
import { planSplit } from './plan-split';

export interface LiveRun {
  runId: string;
  epoch: number;
  totalEpochs: number;
  batch: number;
  batches: number;
  imagesPerSecond: number;
  numTensors: number;
  numBytes: number;
  points: BatchPoint[];
  history: EpochMetrics[];
  features: { done: number; total: number } | null;
  /** Auto: its search, then its head fit, as the worker reports them. */
  study: { phase: 'search' | 'fit'; done: number; total: number; rows: StudyRowLite[]; plan: AutoPlan | null } | null;
  startedAt: number;
  finished: 'done' | 'stopped' | 'early-stopped' | null;
}

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

export const trainingClient = new TrainingClient();
/** Runs whose Web Lock this page is waiting on (see loadRuns). */
const watched = new Set<string>();
const MAX_LIVE_POINTS = 4000;

export const createTrainingSlice: Slice<TrainingSlice> = (set, get) => {
  // Batch messages can arrive many times a second; fold them and publish at most 4 times a second.
  // Epochs on cached features can take milliseconds, so epoch results are folded the same way,
  // and the runs list (an IndexedDB read) is refreshed at most once a second.
  let pendingPoints: BatchPoint[] = [];
  let pendingBatch: Extract<FromWorker, { type: 'batch' }> | null = null;
  let pendingEpochs: EpochMetrics[] = [];
  let pendingTensors: number | null = null;
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const live = get().live;
    if (!live) return;
    const next: LiveRun = { ...live };
    if (pendingBatch) {
      const points = [...live.points, ...pendingPoints];
      const b = pendingBatch;
      Object.assign(next, {
        points: points.length > MAX_LIVE_POINTS ? points.filter((_, i) => i % 2 === 0) : points,
        epoch: b.epoch,
        batch: b.batch,
        batches: b.batches,
        imagesPerSecond: b.imagesPerSecond,
        numTensors: b.numTensors,
        numBytes: b.numBytes,
        features: null,
      });
    }
    if (pendingEpochs.length) {
      const epochs = new Set(pendingEpochs.map((e) => e.epoch));
      next.history = [...live.history.filter((h) => !epochs.has(h.epoch)), ...pendingEpochs];
    }
    if (pendingTensors != null) next.numTensors = pendingTensors;
    set({ live: next });
    pendingPoints = [];
    pendingBatch = null;
    pendingEpochs = [];
    pendingTensors = null;
  };
  const schedule = () => {
    flushTimer ??= setTimeout(flush, 250);
  };
  let runsTimer: ReturnType<typeof setTimeout> | null = null;
  let lastRunsLoad = 0;
  const refreshRuns = () => {
    if (runsTimer) return;
    const wait = Math.max(0, 1000 - (Date.now() - lastRunsLoad));
    runsTimer = setTimeout(() => {
      runsTimer = null;
      lastRunsLoad = Date.now();
      void get().loadRuns();
    }, wait);
  };

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
        void get().loadCachedBackbones();
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
        pendingPoints.push(msg.point);
        pendingBatch = msg;
        schedule();
        break;
      case 'epoch':
        pendingEpochs.push(msg.metrics);
        pendingTensors = msg.numTensors;
        schedule();
        refreshRuns();
        break;
      case 'run-finished': {
        flush();
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
      default: {
        const never: never = msg;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
  };
  trainingClient.subscribe(onMessage);

  const beginLive = (run: RunRecord) => {
    set({
      trainError: null,
      live: {
        runId: run.id,
        epoch: run.history.length,
        totalEpochs: run.totalEpochs,
        batch: 0,
        batches: 0,
        imagesPerSecond: 0,
        numTensors: 0,
        numBytes: 0,
        points: run.batches,
        history: run.history,
        features: null,
        study: run.study ? { phase: 'fit', done: run.study.plan.headSteps, total: run.study.plan.headSteps, rows: run.study.rows, plan: run.study.plan } : null,
        startedAt: Date.now(),
        finished: null,
      },
    });
  };

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
      for (const r of runs.filter((r) => r.status === 'running' && r.id !== starting && !watched.has(r.id))) {
        watched.add(r.id);
        void navigator.locks
          ?.request(runLockName(r.id), async () => {
            const now = await getRun(db, r.id);
            if (now?.status === 'running') await updateRun(db, r.id, { status: 'interrupted' });
          })
          .finally(() => {
            watched.delete(r.id);
            void get().loadRuns();
          });
      }
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
      const { used, split } = planSplit(classes, images, trainConfig, get().keepTogether);
      if (used.length < 2) {
        get().notify('error', 'Training needs at least 2 classes with images.');
        return null;
      }
      try {
        const run = await createRun(await getDb(), {
          projectId: project.id,
          status: 'running',
          config: trainConfig,
          classes: used.map((c) => ({ id: c.id, name: c.name })),
          split,
          totalEpochs: trainConfig.auto?.enabled ? 0 : trainConfig.epochs + (trainConfig.mode === 'finetune' ? trainConfig.finetune.epochs : 0),
          parentRunId: opts.parentRunId ?? null,
        });
        beginLive(run);
        trainingClient.send({ type: 'train', runId: run.id, resume: false, backend: trainConfig.backend });
        await get().loadRuns();
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
