// Test-only page: starts the fine-tuning check worker and runs the scenarios the browser test asks
// for through `window.fineTuneCheck`: a plain run, a run paused and resumed mid-epoch, and a run
// whose worker is terminated after its first checkpoint and resumed from it in a new worker.
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
  /**
   * Keep the run in IndexedDB, terminate the worker once this epoch's checkpoint is saved there,
   * and resume the run from that stored checkpoint in a new worker.
   */
  restartAfterEpoch?: number;
}

export interface CheckResult {
  backend: string;
  adapter: string | null;
  status: string;
  losses: { epoch: number; batch: number; loss: number; ms: number }[];
  memory: EpochMemory[];
  checkpoints: { epoch: number; runId: string | null; lastCheckpointEpoch: number | null; weights: NamedValues[] }[];
  weights: Extract<FromCheckWorker, { type: 'done' }>['weights'];
  head: NamedValues[];
  tensorsBefore: number;
  tensorsAfter: number;
  /** Batches reported after the pause was acknowledged: the one in flight, at most. */
  batchesAfterPause?: number;
  /** Batches reported while paused, once the batch in flight finished: must be 0. */
  batchesWhilePaused?: number;
  workers: number;
  /** Milliseconds from the request to the first batch, and for the whole run (for the log only). */
  firstBatchMs: number;
  totalMs: number;
}

const modelUrl = new URL('../fixtures/tiny-backbone-32/model.json', location.href).href;

function startWorker(): Worker {
  return new Worker(new URL('./finetune.worker.ts', import.meta.url), { type: 'module' });
}

/** One worker per backend, kept between runs (a fresh WebGPU worker compiles every shader again); a restart replaces it. */
const workers = new Map<string, Worker>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function check(opts: CheckOptions): Promise<CheckResult> {
  return new Promise<CheckResult>((resolve, reject) => {
    const out: Partial<CheckResult> & Pick<CheckResult, 'losses' | 'memory' | 'checkpoints'> = { losses: [], memory: [], checkpoints: [], workers: 1 };
    let paused = false;
    let pauseDone = false;
    let batchesWhilePaused = 0;
    let restarted = false;
    const send = (w: Worker, m: ToCheckWorker) => w.postMessage(m);
    let current: Worker | null = null;
    const t0 = performance.now();
    const onMessage = (m: FromCheckWorker, w: Worker) => {
      if (w !== current) return; // a terminated worker's last words
      switch (m.type) {
        case 'started':
          out.backend ??= m.backend;
          out.adapter ??= m.adapter;
          if (out.backend !== m.backend) reject(new Error(`restarted worker runs on ${m.backend}, not ${out.backend}`));
          break;
        case 'batch':
          if (paused) batchesWhilePaused++;
          out.firstBatchMs ??= performance.now() - t0;
          out.losses.push({ epoch: m.epoch, batch: m.batch, loss: m.loss, ms: performance.now() - t0 });
          if (opts.pauseAtEpoch === m.epoch && m.batch === 1 && !pauseDone) {
            pauseDone = true;
            send(w, { type: 'pause' });
          }
          break;
        case 'paused':
          void (async () => {
            // The batch in flight when the pause arrived may still finish (wait up to 10 s for it);
            // after it, nothing may move for `pauseMs`.
            const atAck = out.losses.length;
            const deadline = performance.now() + 10_000;
            while (out.losses.length === atAck && performance.now() < deadline) await sleep(50);
            out.batchesAfterPause = out.losses.length - atAck;
            paused = true;
            await sleep(opts.pauseMs ?? 1500);
            out.batchesWhilePaused = batchesWhilePaused;
            paused = false;
            send(w, { type: 'resume' });
          })();
          break;
        case 'epoch':
          out.memory.push(m.memory);
          break;
        case 'checkpoint':
          out.checkpoints.push({ epoch: m.epoch, runId: m.runId, lastCheckpointEpoch: m.lastCheckpointEpoch, weights: m.weights });
          if (opts.restartAfterEpoch === m.epoch && m.runId && !restarted) {
            restarted = true;
            w.terminate();
            workers.delete(opts.backend);
            out.workers = 2;
            // The batches the first worker ran after its checkpoint are lost with it; the new one reruns them.
            out.losses = out.losses.filter((l) => l.epoch <= m.epoch);
            const next = attach(startWorker());
            workers.set(opts.backend, next);
            send(next, { type: 'train', backend: opts.backend, modelUrl, epochs: opts.epochs, optimizer: opts.optimizer, lr: opts.lr, resumeRunId: m.runId });
          }
          break;
        case 'done':
          w.onmessage = null;
          resolve({ ...(out as CheckResult), totalMs: performance.now() - t0, status: m.status, weights: m.weights, head: m.head, tensorsBefore: m.tensorsBefore, tensorsAfter: m.tensorsAfter });
          break;
        case 'error':
          w.terminate();
          workers.delete(opts.backend);
          reject(new Error(m.message));
          break;
      }
    };
    const attach = (w: Worker) => {
      w.onmessage = (ev: MessageEvent<FromCheckWorker>) => onMessage(ev.data, w);
      w.onerror = (ev) => reject(new Error(`worker failed: ${ev.message}`));
      return (current = w);
    };
    const first = attach(workers.get(opts.backend) ?? startWorker());
    workers.set(opts.backend, first);
    send(first, { type: 'train', backend: opts.backend, modelUrl, epochs: opts.epochs, optimizer: opts.optimizer, lr: opts.lr, persist: opts.restartAfterEpoch != null });
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
