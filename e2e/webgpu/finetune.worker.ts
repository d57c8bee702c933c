// Test-only worker: fine-tunes the tiny backbone with the studio's real Trainer (src/core) on the
// backend it is told to use, with the worker's real tfjs setup (wasm gradient kernels, webgpu).
// It reports every batch loss, tensor memory at each epoch end, each 'last' checkpoint, and every
// backbone weight before and after, so the page can compare backends, pauses and restarts.
/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../../src/core/backend/choose';
import { applyBackbone } from '../../src/core/backbones/layers';
import { pool } from '../../src/core/train/features';
import { defaultRunConfig, type RunConfig } from '../../src/core/train/run-config';
import { TEST_SPEC, memorySource, syntheticDataset } from '../../src/test-support/test-backbone';
import { Trainer } from '../../src/core/train/trainer';
import { decodeNamed } from '../../src/core/train/weights';
import { setupTf, webgpuAdapter } from '../../src/worker/training/tf-setup';
import { fromRecord, toRecord } from '../../src/worker/training/run-records';
import { openStudioDb } from '../../src/persistence/db';
import { createProject } from '../../src/persistence/projects-repo';
import { createRun, getRun } from '../../src/persistence/runs-repo';
import { getCheckpoint, saveCheckpoint } from '../../src/persistence/checkpoints-repo';
import type { Checkpoint } from '../../src/core/train/trainer';
import type { FromCheckWorker, NamedValues, ToCheckWorker, TrainRequest, WeightRecord } from './protocol';

declare const self: DedicatedWorkerGlobalScope;
const post = (msg: FromCheckWorker) => self.postMessage(msg);
let trainer: Trainer | null = null;

/** Six 32 px images, three per class; batch 3 gives two optimizer steps per epoch. */
const data = syntheticDataset(3);

function config(req: TrainRequest): RunConfig {
  const spec = { ...TEST_SPEC, id: 'tiny-32', name: 'Tiny 32 px', url: req.modelUrl, inputSize: 32, featureDim: 64 };
  return {
    ...defaultRunConfig(spec),
    mode: 'finetune',
    epochs: 0, // no head warm-up: every step trains backbone and head together
    finetune: { epochs: req.epochs, lr: req.lr },
    // The last two blocks (block_4: 1x1 expand, depthwise 3x3, 1x1 project; head: Conv_1) plus the
    // stem's 3x3 stride-2 conv, so gradients also cross frozen blocks (depthwise stride 2, padding).
    trainableBlocks: 2,
    layerOverrides: { Conv1: true },
    backboneLrMultiplier: 0.5,
    backboneLrGrade: 0.25,
    batchSize: 3,
    optimizer: req.optimizer,
    augmentEnabled: false,
    earlyStopping: { enabled: false, patience: 5, minDelta: 0, restoreBest: false, monitor: 'loss' },
    seed: 42,
  };
}

async function weightValues(model: tf.LayersModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const l of model.layers) for (const [i, w] of l.weights.entries()) out.set(`${l.name}/${i}`, (await w.read().data()) as Float32Array);
  return out;
}

async function train(req: TrainRequest) {
  setupTf();
  if (!(await activateBackend(req.backend))) throw new Error(`${req.backend} could not start here (tfjs is on ${tf.getBackend()})`);
  const adapter = req.backend === 'webgpu' ? await webgpuAdapter() : null;
  post({ type: 'started', backend: tf.getBackend(), adapter: adapter ? `${adapter.description}${adapter.software ? ' (software)' : ''}` : null });
  const tensorsBefore = tf.memory().numTensors;
  const model = await tf.loadLayersModel(req.modelUrl);
  const before = await weightValues(model);
  const cfg = config(req);
  // A persisted run lives in the studio's own IndexedDB, as a run record with its checkpoints.
  const db = req.persist || req.resumeRunId ? await openStudioDb() : null;
  let runId = req.resumeRunId ?? null;
  let resume: Checkpoint | null = null;
  if (db && runId) {
    const rec = await getCheckpoint(db, runId, 'last');
    if (!rec) throw new Error(`run ${runId} has no checkpoint to resume from`);
    resume = fromRecord(rec);
  } else if (db) {
    const project = await createProject(db, 'WebGPU check');
    const ids = data.items.map((i) => i.id);
    runId = (await createRun(db, { projectId: project.id, status: 'running', config: cfg, classes: [{ id: 'c0', name: 'red' }, { id: 'c1', name: 'blue' }], split: { train: ids, val: [] }, totalEpochs: req.epochs, parentRunId: null })).id;
  }
  const extractor = { spec: cfg.backbone, forward: (x: tf.Tensor4D) => tf.tidy(() => pool(applyBackbone(model, x))) };
  trainer = new Trainer(extractor, model, memorySource(data.images), cfg, 2, data.items, [], {
    onBatch: (p) => post({ type: 'batch', epoch: p.epoch, batch: p.batch, loss: p.loss }),
    onEpoch: (m) => {
      const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
      post({ type: 'epoch', memory: { epoch: m.epoch, numTensors: mem.numTensors, numBytes: mem.numBytes, numBytesInGPU: mem.numBytesInGPU } });
    },
    onCheckpoint: async (cp, kind) => {
      if (db && runId) await saveCheckpoint(db, toRecord(runId, cp, kind));
      if (kind !== 'last') return;
      const decoded = decodeNamed(cp.weights);
      const weights: NamedValues[] = [];
      for (const d of decoded) weights.push({ name: d.name, values: (await d.tensor.data()) as Float32Array });
      tf.dispose(decoded.map((d) => d.tensor));
      const lastCheckpointEpoch = db && runId ? ((await getRun(db, runId))?.lastCheckpointEpoch ?? null) : null;
      post({ type: 'checkpoint', epoch: cp.epoch, runId, lastCheckpointEpoch, weights });
    },
  });
  const result = await trainer.run(resume);
  const after = await weightValues(model);
  const weights: WeightRecord[] = model.layers.flatMap((l) =>
    l.weights.map((w, i) => {
      const name = `${l.name}/${i}`;
      return { name, layerClass: l.getClassName(), trainable: l.trainable && w.trainable, before: before.get(name)!, after: after.get(name)! };
    }),
  );
  const head: NamedValues[] = [];
  for (const l of trainer.head.layers) for (const [i, w] of l.weights.entries()) head.push({ name: `${l.name}/${i}`, values: (await w.read().data()) as Float32Array });
  trainer.dispose();
  trainer = null;
  model.dispose();
  db?.close();
  post({ type: 'done', status: result.status, epochs: result.epochs, weights, head, tensorsBefore, tensorsAfter: tf.memory().numTensors });
}

self.onmessage = (ev: MessageEvent<ToCheckWorker>) => {
  const msg = ev.data;
  if (msg.type === 'pause') {
    trainer?.pause();
    post({ type: 'paused' });
  } else if (msg.type === 'resume') {
    trainer?.resume();
  } else {
    train(msg).catch((e) => post({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) }));
  }
};
