// Runs the upload check (upload-validation.mjs) in a fresh worker thread per upload, with a time
// limit and a heap limit, so a hostile zip can cost that thread's time but never delay the share
// service's other requests. The body is copied into an unshared buffer and transferred, not cloned.
import { Worker } from 'node:worker_threads';
import { HttpError } from './http-helpers.mjs';

const WORKER_URL = new URL('./upload-worker.mjs', import.meta.url);

/**
 * Checks an upload in a worker thread; resolves with what to store or rejects with its HttpError.
 * @param {Buffer} body
 * @param {{ maxBytes: number, timeoutMs: number, workers: Set<Worker>, onUpload: (e: any) => void }} opts
 * @returns {Promise<{ modelJson: string, metadataJson: string, weightFiles: { name: string, data: Uint8Array }[] }>}
 */
export function checkInWorker(body, { maxBytes, timeoutMs, workers, onUpload }) {
  // A fresh, unshared buffer to hand over (small Buffers live in Node's shared pool).
  const own = new Uint8Array(body.length);
  own.set(body);
  onUpload({ stage: 'check-start' });
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(WORKER_URL, {
      workerData: { body: own, maxBytes },
      transferList: [own.buffer],
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    workers.add(worker);
    let done = false;
    const finish = (/** @type {() => void} */ settle) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      workers.delete(worker);
      void worker.terminate();
      settle();
    };
    const timer = setTimeout(() => finish(() => reject(new HttpError(400, 'the upload took too long to check'))), timeoutMs);
    worker.once('message', (m) => {
      onUpload({ stage: 'check-done', ok: m.ok, ms: m.ms });
      if (m.ok) finish(() => resolvePromise(m));
      else if (m.status === 500) finish(() => reject(new Error(m.message)));
      else finish(() => reject(new HttpError(m.status, m.message)));
    });
    worker.once('error', (e) => finish(() => reject(e)));
    worker.once('exit', () => finish(() => reject(new HttpError(400, 'the upload could not be checked (too much memory or time)'))));
  });
}

