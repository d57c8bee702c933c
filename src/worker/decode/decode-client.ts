// A small pool of decode workers behind a promise API. One module owns the workers'
// lifecycle: create lazily, spread requests over idle workers, terminate on dispose.
import type { DecodeResult, FromDecodeWorker, ToDecodeWorker, UnzipResult } from './decode-protocol';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Pending = { resolve: (v: never) => void; reject: (e: Error) => void; worker: Worker };

export class DecodePool {
  private workers: Worker[] = [];
  private load = new Map<Worker, number>();
  private pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly size = DecodePool.defaultSize()) {}

  static defaultSize(): number {
    const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2;
    return Math.max(2, Math.min(4, Math.floor(cores / 2)));
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'decode' });
    w.onmessage = (ev: MessageEvent<FromDecodeWorker>) => this.settle(w, ev.data.id, ev.data.result);
    w.onerror = (ev) => {
      ev.preventDefault();
      this.failWorker(w, new Error(ev.message || 'the decode worker crashed'));
    };
    this.workers.push(w);
    this.load.set(w, 0);
    return w;
  }

  private pick(): Worker {
    const idle = this.workers.find((w) => (this.load.get(w) ?? 0) === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) return this.spawn();
    return this.workers.reduce((a, b) => ((this.load.get(a) ?? 0) <= (this.load.get(b) ?? 0) ? a : b));
  }

  private settle(w: Worker, id: number, value: unknown) {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.load.set(w, Math.max(0, (this.load.get(w) ?? 1) - 1));
    (p.resolve as (v: unknown) => void)(value);
  }

  /** A crashed worker (for example out of memory on a huge image) fails only its own requests. */
  private failWorker(w: Worker, err: Error) {
    for (const [id, p] of this.pending) {
      if (p.worker === w) {
        this.pending.delete(id);
        p.reject(err);
      }
    }
    w.terminate();
    this.workers = this.workers.filter((x) => x !== w);
    this.load.delete(w);
  }

  private send<T>(msg: WithoutId<ToDecodeWorker>): Promise<T> {
    const id = this.nextId++;
    const worker = this.pick();
    this.load.set(worker, (this.load.get(worker) ?? 0) + 1);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject, worker });
      worker.postMessage({ ...msg, id } as ToDecodeWorker);
    });
  }

  decode(blob: Blob, name: string, trainingSize: number, thumbSize = 160): Promise<DecodeResult> {
    return this.send<DecodeResult>({ type: 'decode', blob, name, trainingSize, thumbSize }).catch((e: Error) => ({
      ok: false as const,
      code: 'corrupt' as const,
      reason: `decoding failed: ${e.message}`,
    }));
  }

  unzip(blob: Blob, name: string): Promise<UnzipResult> {
    return this.send<UnzipResult>({ type: 'unzip', blob, name });
  }

  dispose() {
    for (const p of this.pending.values()) p.reject(new Error('decoder stopped'));
    this.pending.clear();
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.load.clear();
  }
}
