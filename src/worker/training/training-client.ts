// The training worker's lifecycle, in one place: created on first use, one listener set,
// messages sent typed, terminated on dispose. Components never touch the Worker directly.
import type { FromWorker, ToWorker } from '../protocol';

type Listener = (msg: FromWorker) => void;
type RequestMsg = Extract<ToWorker, { requestId: number }>;
type Reply = Extract<FromWorker, { requestId: number }>;
type WithoutId<T> = T extends unknown ? Omit<T, 'requestId'> : never;

export class TrainingClient {
  private worker: Worker | null = null;
  private listeners = new Set<Listener>();
  private pending = new Map<number, { resolve: (m: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
    w.onmessage = (ev: MessageEvent<FromWorker>) => {
      const msg = ev.data;
      if ('requestId' in msg) {
        const p = this.pending.get(msg.requestId);
        this.pending.delete(msg.requestId);
        if (msg.type === 'request-failed') p?.reject(new Error(msg.message));
        else p?.resolve(msg);
        return;
      }
      this.listeners.forEach((l) => l(msg));
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      const message = ev.message || 'the training worker crashed (the tab may be out of memory)';
      this.listeners.forEach((l) => l({ type: 'error', message, kind: /memory/i.test(message) ? 'oom' : 'other', recoverable: true }));
      this.listeners.forEach((l) => l({ type: 'status', status: 'error', message }));
      for (const p of this.pending.values()) p.reject(new Error(message));
      this.pending.clear();
      this.worker?.terminate();
      this.worker = null;
    };
    this.worker = w;
    return w;
  }

  send(msg: ToWorker, transfer: Transferable[] = []) {
    this.ensure().postMessage(msg, transfer);
  }

  /** Sends a request and resolves with the worker's answer to it (predict, Grad-CAM, export). */
  request<T extends Reply['type']>(msg: WithoutId<RequestMsg>, transfer: Transferable[] = []): Promise<Extract<Reply, { type: T }>> {
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (m: Reply) => void, reject });
      this.send({ ...msg, requestId } as RequestMsg, transfer);
    });
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get running() {
    return this.worker != null;
  }

  /** Ends the worker (and any run in it); the next message starts a fresh one. */
  dispose() {
    this.worker?.terminate();
    this.worker = null;
  }
}

/** The page's one training worker client: the store's actions are its only callers. */
export const trainingClient = new TrainingClient();
