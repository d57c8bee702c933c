// Section 1, backends: the built app's own training worker answers a `bench` message (see
// src/worker/training/bench.ts) for one backend at a time, each in a fresh worker with a time limit, so a
// slow software backend cannot hold the run up. Also reads what the WebGPU adapter is.
import { freshPage, seconds } from './browser.mjs';

/** The whole section stays under this; a backend that would not fit is skipped, saying so. */
const SECTION_BUDGET_MS = 6 * 60_000;
const PER_BACKEND_MS = 170_000;
const SOFTWARE_GPU_MS = 300_000;

/** WebGPU's adapter as the page sees it: a real GPU, a software one (SwiftShader), or none. */
async function webgpuAdapter(page) {
  return page.evaluate(async () => {
    if (!navigator.gpu) return { available: false, note: 'navigator.gpu is missing' };
    const adapter = await navigator.gpu.requestAdapter().catch(() => null);
    if (!adapter) return { available: false, note: 'requestAdapter() returned null' };
    const i = adapter.info ?? {};
    const info = { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '' };
    const fallback = adapter.isFallbackAdapter === true || i.isFallbackAdapter === true;
    const text = Object.values(info).join(' ');
    const software = fallback || /swiftshader|llvmpipe|software|basic render/i.test(text);
    return { available: true, ...info, isFallbackAdapter: fallback, software };
  });
}

function specFor(bench, backbone) {
  return {
    id: `bench:${backbone.id}`,
    name: `bench ${backbone.id}`,
    family: 'custom',
    format: 'layers',
    url: `${bench.url}bench-backbone/model.json`,
    inputSize: backbone.inputSize,
    featureDim: 0,
    preprocessing: { scale: 1 / 127.5, offset: -1, resize: 'center-crop' },
    params: 0,
    downloadBytes: 0,
    license: 'bench',
    source: 'bench',
    fineTunable: true,
  };
}

/**
 * Where fine-tuning is timed at other than the row's batch and input size: WebGPU on a software
 * adapter (about 1 image per second for MobileNet) fine-tunes batch 2 at 96 px, so the step
 * finishes in well under a minute; on a real GPU it gets wasm's batch 16 at the backbone's full
 * input size, so the first machine with a GPU prints a full-size figure without changes.
 */
export function finetuneShapeFor(backend, adapter, inputSize) {
  if (backend !== 'webgpu' || !adapter?.available) return undefined;
  return adapter.software ? { batch: 2, size: Math.min(96, inputSize), reps: 1 } : { batch: 16, size: inputSize, reps: 5 };
}

/** Runs one backend's bench in a new module worker; resolves with its result, an error, or a timeout. */
async function benchOne(page, workerUrl, spec, backend, batch, reps, timeoutMs, finetune) {
  return page.evaluate(
    ({ workerUrl, spec, backend, batch, reps, timeoutMs, finetune }) =>
      new Promise((resolve) => {
        const w = new Worker(workerUrl, { type: 'module' });
        window.__benchWorker = w;
        const timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
        w.onmessage = (e) => {
          if (e.data.type === 'bench-result') {
            clearTimeout(timer);
            resolve({ result: e.data.result });
          } else if (e.data.type === 'error') {
            clearTimeout(timer);
            resolve({ error: e.data.message });
          }
        };
        w.onerror = (e) => {
          clearTimeout(timer);
          resolve({ error: e.message || 'worker failed to start' });
        };
        w.postMessage({ type: 'bench', spec, backends: [backend], batch, reps, finetune });
      }),
    { workerUrl, spec, backend, batch, reps, timeoutMs, finetune },
  );
}

export async function runBackends(bench, opts, log) {
  const { page, context } = await freshPage(bench, 'bench-page/blank.html');
  const out = {
    backbone: opts.backbone.id,
    inputSize: opts.backbone.inputSize,
    flopsPerImage: null,
    adapter: await webgpuAdapter(page),
    results: [],
    seconds: 0,
  };
  log(`  WebGPU adapter: ${out.adapter.available ? `${out.adapter.architecture || out.adapter.vendor || 'unknown'} (${out.adapter.software ? 'software' : 'hardware'})` : out.adapter.note}`);
  const spec = specFor(bench, opts.backbone);
  const t0 = Date.now();
  for (const backend of opts.backends) {
    // wasm is fast enough for batch 16 and 5 timed repetitions; the software backends run ~10-80×
    // slower here, so they get batch 8 and 3 timed repetitions (1 when a step is slow, see bench.ts).
    // WebGPU on a real GPU is timed like wasm.
    const fast = backend === 'wasm' || (backend === 'webgpu' && out.adapter.available && !out.adapter.software);
    // A software WebGPU adapter (about 1 img/s) gets batch 2 and one timed repetition, so that its
    // fine-tuning step (see finetuneShapeFor) still fits in the time limit.
    const softwareGpu = backend === 'webgpu' && out.adapter.available && out.adapter.software;
    const batch = fast ? 16 : softwareGpu ? 2 : 8;
    const reps = fast ? 5 : softwareGpu ? 1 : 3;
    const left = SECTION_BUDGET_MS - (Date.now() - t0);
    const row = { backend, batch, reps };
    out.results.push(row);
    if (left < 30_000) {
      row.ok = false;
      row.error = 'skipped: the section time budget is spent';
      log(`  ${backend}: ${row.error}`);
      continue;
    }
    const s = Date.now();
    const finetune = finetuneShapeFor(backend, out.adapter, spec.inputSize);
    // Its shaders (forward and backward) compile on the CPU first, which takes minutes on a busy machine.
    const limit = softwareGpu ? SOFTWARE_GPU_MS : PER_BACKEND_MS;
    const r = await benchOne(page, bench.workerUrl, spec, backend, batch, reps, Math.min(limit, left), finetune);
    row.seconds = seconds(Date.now() - s);
    await page.evaluate(() => window.__benchWorker?.terminate());
    if (r.timedOut) {
      Object.assign(row, { ok: false, error: `timed out after ${row.seconds} s` });
    } else if (r.error) {
      Object.assign(row, { ok: false, error: r.error });
    } else {
      const res = r.result.results[0];
      Object.assign(row, res);
      out.flopsPerImage ||= r.result.flopsPerImage || null;
      if (out.flopsPerImage && res.matmulGflops && res.forwardImgPerSec) {
        row.rooflineImgPerSec = (res.matmulGflops * 1e9) / out.flopsPerImage;
        row.rooflineFraction = res.forwardImgPerSec / row.rooflineImgPerSec;
      }
    }
    const f = (v, d = 1) => (v == null ? '–' : v.toFixed(d));
    log(
      row.ok
        ? `  ${backend}: matmul ${f(row.matmulGflops, 2)} GFLOP/s, forward ${f(row.forwardImgPerSec)} img/s, head ${f(row.headImgPerSec, 0)} img/s, fine-tune ${row.finetuneImgPerSec ? `${f(row.finetuneImgPerSec, 2)} img/s (batch ${row.finetuneBatch} at ${row.finetuneInputSize} px)` : row.finetuneNote} (${row.seconds} s)`
        : `  ${backend}: ${row.error}`,
    );
  }
  out.seconds = seconds(Date.now() - t0);
  await context.close();
  return out;
}
