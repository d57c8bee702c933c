// The training worker's lifecycle, in one place: created on first use, one listener set,
// messages sent typed, terminated on dispose. Components never touch the Worker directly.
import type { FromWorker, ToWorker } from './protocol';

type Listener = (msg: FromWorker) => void;

export class TrainingClient {
  private worker: Worker | null = null;
  private listeners = new Set<Listener>();

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
    w.onmessage = (ev: MessageEvent<FromWorker>) => this.listeners.forEach((l) => l(ev.data));
    w.onerror = (ev) => {
      ev.preventDefault();
      const message = ev.message || 'the training worker crashed (the tab may be out of memory)';
      this.listeners.forEach((l) => l({ type: 'error', message, kind: /memory/i.test(message) ? 'oom' : 'other', recoverable: true }));
      this.listeners.forEach((l) => l({ type: 'status', status: 'error', message }));
      this.worker?.terminate();
      this.worker = null;
    };
    this.worker = w;
    return w;
  }

  send(msg: ToWorker, transfer: Transferable[] = []) {
    this.ensure().postMessage(msg, transfer);
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
