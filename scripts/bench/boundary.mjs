// Section 1b, the fine-tune boundary cache: seconds per fine-tuning epoch of the bench's backbone
// (MobileNetV2 α0.35) through the studio's own Trainer on tfjs wasm, with the cache (the frozen
// prefix once per image and view, then only the trainable suffix each epoch) and without it (the
// whole backbone every batch). Runs scripts/bench-boundary.ts in Node, bundled first; it skips
// with a message when ../shared has no backbone.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './options.mjs';

export async function runBoundaryBench(opts, log) {
  const out = join(ROOT, 'node_modules/.cache/bench-boundary.mjs');
  const bundle = spawnSync('npx', ['rolldown', 'scripts/bench-boundary.ts', '-p', 'node', '-f', 'esm', '-e', '@tensorflow/tfjs', '-e', '@tensorflow/tfjs-backend-wasm', '-o', out], { cwd: ROOT, encoding: 'utf8' });
  if (bundle.status !== 0) throw new Error(`could not bundle scripts/bench-boundary.ts: ${(bundle.stderr || bundle.stdout).trim().split('\n').slice(-3).join(' ')}`);
  const results = [];
  // One view (plain fine-tuning) and two augmented views per image (the fine-tune + augmentation run).
  for (const views of [1, 2]) {
    const run = spawnSync(process.execPath, [out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, BENCH_IMAGES: '64', BENCH_EPOCHS: '3', BENCH_VIEWS: String(views) }, timeout: 20 * 60_000 });
    if (run.status !== 0) throw new Error(`bench-boundary failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`);
    const lines = run.stdout.trim().split('\n');
    for (const l of lines) log(`  ${l}`);
    const m = /with the cache: ([\d.]+)x of without/.exec(run.stdout);
    const median = (name) => Number(new RegExp(`${name}\\s+epochs .*median after the first ([\\d.]+) s`).exec(run.stdout)?.[1] ?? NaN);
    results.push({ views, skipped: /^skipped/.test(lines[0] ?? ''), epochSecondsWithout: median('without cache'), epochSecondsWith: median('with cache'), ratio: m ? Number(m[1]) : null });
  }
  return results;
}
