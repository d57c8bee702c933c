// Test-only page: starts the fine-tuning check worker and runs the scenarios the browser test asks
// for through `window.fineTuneCheck`: a plain run, a run paused and resumed mid-epoch, and a run
// whose worker is terminated after its first checkpoint and resumed from it in a new worker.
import type { Checkpoint } from '../../src/core/train/trainer';
import type { BackendName, OptimizerKind } from '../../src/core/train/run-config';
import type { EpochMemory, FromCheckWorker, NamedValues, ToCheckWorker } from './protocol';

type Plain<T> = T extends Float32Array ? number[] : T extends object ? { [K in keyof T]: Plain<T[K]> } : T;

export interface CheckOptions {
  backend: BackendName;
  epochs: number;
  optimizer: OptimizerKind;
  lr: number;
  /** Pause when this (0-based) epoch's first batch is reported, wait `pauseMs`, then resume. */
  pauseAtEpoch?: number;
  pauseMs?: number;
  /** Terminate the worker once this epoch's checkpoint arrives, then resume it in a new worker. */
  restartAfterEpoch?: number;
}

export interface CheckResult {
  backend: string;
  adapter: string | null;
  status: string;
  losses: { epoch: number; batch: number; loss: number }[];
  memory: EpochMemory[];
  checkpoints: { epoch: number; weights: NamedValues[] }[];
  weights: Extract<FromCheckWorker, { type: 'done' }>['weights'];
  head: NamedValues[];
  tensorsBefore: number;
  tensorsAfter: number;
  /** Batches reported while paused (after the batch in flight finished): must be 0. */
  batchesWhilePaused?: number;
  pausedMs?: number;
  workers: number;
}

const modelUrl = new URL('../fixtures/tiny-backbone-32/model.json', location.href).href;

function startWorker(onMessage: (m: FromCheckWorker, w: Worker) => void, fail: (e: Error) => void): Worker {
  const w = new Worker(new URL('./finetune.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (ev: MessageEvent<FromCheckWorker>) => onMessage(ev.data, w);
  w.onerror = (ev) => fail(new Error(`worker failed: ${ev.message}`));
  return w;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function check(opts: CheckOptions): Promise<CheckResult> {
  return new Promise<CheckResult>((resolve, reject) => {
    const out: Partial<CheckResult> & Pick<CheckResult, 'losses' | 'memory' | 'checkpoints'> = { losses: [], memory: [], checkpoints: [], workers: 1 };
    let paused = false;
    let pauseDone = false;
    let batchesWhilePaused = 0;
    let restarted = false;
    const send = (w: Worker, m: ToCheckWorker) => w.postMessage(m);
    const onMessage = (m: FromCheckWorker, w: Worker) => {
      switch (m.type) {
        case 'started':
          out.backend ??= m.backend;
          out.adapter ??= m.adapter;
          if (out.backend !== m.backend) reject(new Error(`restarted worker runs on ${m.backend}, not ${out.backend}`));
          break;
        case 'batch':
          if (paused) batchesWhilePaused++;
          out.losses.push({ epoch: m.epoch, batch: m.batch, loss: m.loss });
          if (opts.pauseAtEpoch === m.epoch && m.batch === 1 && !pauseDone) {
            pauseDone = true;
            send(w, { type: 'pause' });
          }
          break;
        case 'paused':
          void (async () => {
            // The batch in flight when the pause arrived may still finish; after it, nothing moves.
            await sleep(300);
            paused = true;
            const t0 = performance.now();
            await sleep(opts.pauseMs ?? 1500);
            out.pausedMs = performance.now() - t0;
            out.batchesWhilePaused = batchesWhilePaused;
            paused = false;
            send(w, { type: 'resume' });
          })();
          break;
        case 'epoch':
          out.memory.push(m.memory);
          break;
        case 'checkpoint':
          out.checkpoints.push({ epoch: m.checkpoint.epoch, weights: m.weights });
          if (opts.restartAfterEpoch === m.checkpoint.epoch && !restarted) {
            restarted = true;
            w.terminate();
            out.workers = 2;
            const next = startWorker(onMessage, reject);
            send(next, { type: 'train', backend: opts.backend, modelUrl, epochs: opts.epochs, optimizer: opts.optimizer, lr: opts.lr, resume: m.checkpoint as Checkpoint });
          }
          break;
        case 'done':
          w.terminate();
          resolve({ ...(out as CheckResult), status: m.status, weights: m.weights, head: m.head, tensorsBefore: m.tensorsBefore, tensorsAfter: m.tensorsAfter });
          break;
        case 'error':
          w.terminate();
          reject(new Error(m.message));
          break;
      }
    };
    const first = startWorker(onMessage, reject);
    send(first, { type: 'train', backend: opts.backend, modelUrl, epochs: opts.epochs, optimizer: opts.optimizer, lr: opts.lr });
  });
}

/** Typed arrays as plain arrays, so the result crosses to the test runner intact. */
function plain<T>(v: T): Plain<T> {
  if (v instanceof Float32Array) return Array.from(v) as Plain<T>;
  if (Array.isArray(v)) return v.map(plain) as Plain<T>;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) as Plain<T>;
  return v as Plain<T>;
}

declare global {
  interface Window {
    fineTuneCheck: { run(opts: CheckOptions): Promise<Plain<CheckResult>> };
  }
}

window.fineTuneCheck = { run: async (opts) => plain(await check(opts)) };
document.getElementById('state')!.textContent = 'ready';
