// Test-only helpers: generate the tiny backbone by running scripts/make-tiny-backbone.mjs (as the e2e
// fixtures do) and serve model files from memory through a fake fetch. Not imported by app code.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/make-tiny-backbone.mjs', import.meta.url));

export interface ModelDir {
  modelJsonText: string;
  files: Map<string, Uint8Array>;
}

/** Every file of a model folder: model.json as text, the rest by file name. */
export function readModelDir(dir: string): ModelDir {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir)) {
    if (name !== 'model.json') files.set(name, new Uint8Array(readFileSync(join(dir, name))));
  }
  return { modelJsonText: readFileSync(join(dir, 'model.json'), 'utf8'), files };
}

/** Runs the generator script into a fresh temp folder and returns its files and printed output. */
export function generateTinyBackbone(): ModelDir & { stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-backbone-'));
  try {
    const stdout = execFileSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ...readModelDir(dir), stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fetch serving `files` under `base` (a URL ending in '/'), streaming each body in `chunk`-byte pieces. */
export function memoryFetch(base: string, files: ReadonlyMap<string, Uint8Array>, chunk = 4096) {
  const requested: string[] = [];
  const fetchFn = async (input: string): Promise<Response> => {
    requested.push(input);
    const url = new URL(input);
    const name = url.href.startsWith(base) ? url.pathname.slice(new URL(base).pathname.length) : '';
    const body = files.get(name);
    if (!body) return new Response('not found', { status: 404 });
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= body.byteLength) return controller.close();
        controller.enqueue(body.slice(at, at + chunk));
        at += chunk;
      },
    });
    return new Response(stream, { headers: { 'content-length': String(body.byteLength) } });
  };
  return { fetchFn, requested };
}
