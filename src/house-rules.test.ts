// House rules anyone can check with `npm test`: no import loop between the top-level folders of
// src/ (a loop means neither side can change or be tested alone), only tests import
// src/test-support/ (which stands outside the layering), and no non-test source file over
// 400 lines. Imports are read with TypeScript's own pre-processor (static, type-only, dynamic and
// re-exports; comments ignored), plus worker entry points named by `new URL('…', import.meta.url)`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const MAX_LINES = 400;
const CODE = /\.(ts|tsx|mts|mjs|js|cjs)$/;
const TEST = /\.(test|e2e)\.[cm]?[jt]sx?$/;
const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '.mts', '.mjs', '.js', '/index.ts', '/index.tsx'];

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : listFiles(p);
    return CODE.test(e.name) ? [p] : [];
  });
}

/** Module specifiers one source text refers to. */
export function specifiersOf(text: string): string[] {
  const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  for (const m of text.matchAll(/new URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g)) specs.push(m[2]);
  return specs;
}

/** The file a relative specifier names, or null for packages and unresolvable paths. */
function resolveSpecifier(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec.replace(/\?.*$/, ''));
  for (const s of RESOLVE_SUFFIXES) {
    const p = base + s;
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  // `./x.js` written for `./x.ts`
  const swapped = base.replace(/\.js$/, '.ts');
  return swapped !== base && existsSync(swapped) ? swapped : null;
}

/** The top-level entry of src/ a file belongs to: 'core', 'stores', … or a file name such as 'main.tsx'. */
function areaOf(file: string): string | null {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return null;
  return rel.split(sep)[0];
}

/** Edges between areas, each with one example import (file → file) that makes it. */
type AreaGraph = Map<string, Map<string, string>>;

/** Helpers only tests import: outside the layering (they may import any folder, and only tests import them). */
const TEST_SUPPORT = 'test-support';

function areaGraph(files: string[]): AreaGraph {
  const graph: AreaGraph = new Map();
  for (const file of files) {
    const from = areaOf(file);
    if (from == null || from === TEST_SUPPORT) continue;
    for (const spec of specifiersOf(readFileSync(file, 'utf8'))) {
      const target = resolveSpecifier(file, spec);
      const to = target && areaOf(target);
      if (!to || to === from || to === TEST_SUPPORT) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `src/${relative(SRC, file)} imports '${spec}'`);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Every cycle of the graph, found as strongly connected components of two or more areas (Tarjan). */
export function findLoops(edges: Map<string, Iterable<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) loops.push(scc.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return loops.sort((a, b) => a.join().localeCompare(b.join()));
}

function lineCount(text: string): number {
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
}

describe('house rules', () => {
  it('reads static, type-only, dynamic, re-export and worker references, not comments (self-check)', () => {
    const text = [
      `import a from './a';`,
      `import type { B } from '../b/b';`,
      `// import c from './commented-out';`,
      `const d = await import('./d');`,
      `export * from './e';`,
      `const w = new Worker(new URL('./f.worker.ts', import.meta.url), { type: 'module' });`,
    ].join('\n');
    expect(specifiersOf(text).sort()).toEqual(['../b/b', './a', './d', './e', './f.worker.ts']);
  });

  it('finds a loop between folders and none in a layered graph (self-check)', () => {
    const layered = new Map([['features', ['stores', 'core']], ['stores', ['core', 'persistence']], ['persistence', ['core']]]);
    expect(findLoops(layered)).toEqual([]);
    const looped = new Map([...layered, ['stores', ['core', 'features']], ['app', ['features']]]);
    expect(findLoops(looped)).toEqual([['features', 'stores']]);
    expect(findLoops(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });

  it('no import loop between the top-level folders of src/', () => {
    const graph = areaGraph(listFiles(SRC));
    expect(graph.size).toBeGreaterThan(3);
    const loops = findLoops(new Map([...graph].map(([k, v]) => [k, [...v.keys()]])));
    const explain = loops.map((loop) => {
      const edges = loop.flatMap((a) => loop.filter((b) => graph.get(a)?.has(b)).map((b) => `  ${a} → ${b}: ${graph.get(a)!.get(b)}`));
      return `${loop.join(' ⇄ ')}\n${edges.join('\n')}`;
    });
    expect(explain, `import loops between folders of src/:\n${explain.join('\n')}`).toEqual([]);
  });

  it(`only tests import src/${TEST_SUPPORT}/, so shipped code never carries test helpers`, () => {
    const shipped = listFiles(SRC).filter((f) => !TEST.test(f) && areaOf(f) !== TEST_SUPPORT);
    const offenders = shipped.flatMap((file) =>
      specifiersOf(readFileSync(file, 'utf8'))
        .filter((spec) => areaOf(resolveSpecifier(file, spec) ?? ROOT) === TEST_SUPPORT)
        .map((spec) => `src/${relative(SRC, file)} imports '${spec}'`),
    );
    expect(offenders).toEqual([]);
  });

  it(`no non-test source file in src, server, scripts or e2e/support is over ${MAX_LINES} lines`, () => {
    const files = ['src', 'server', 'scripts', 'e2e/support'].flatMap((d) => listFiles(join(ROOT, d))).filter((f) => !TEST.test(f));
    expect(files.length).toBeGreaterThan(50);
    const over = files
      .map((f) => ({ file: relative(ROOT, f), lines: lineCount(readFileSync(f, 'utf8')) }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(over, `split these by idea (limit ${MAX_LINES} lines):\n${over.join('\n')}`).toEqual([]);
  });
});
