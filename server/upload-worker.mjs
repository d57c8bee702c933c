// Worker thread that checks one upload (server/upload-validation.mjs): unzipping and validating
// run here so a hostile zip costs this thread's time, never the share service's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { HttpError } from './http-helpers.mjs';
import { checkUpload } from './upload-validation.mjs';

const { body, maxBytes } = /** @type {{ body: Uint8Array, maxBytes: number }} */ (workerData);
const started = process.hrtime.bigint();
try {
  const result = checkUpload(body, maxBytes);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  parentPort?.postMessage({ ok: true, ms, ...result }, result.weightFiles.map((w) => /** @type {ArrayBuffer} */ (w.data.buffer)));
} catch (err) {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (err instanceof HttpError) parentPort?.postMessage({ ok: false, ms, status: err.status, message: err.message });
  else parentPort?.postMessage({ ok: false, ms, status: 500, message: String(err instanceof Error ? err.stack : err) });
}
