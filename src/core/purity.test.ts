// Guards the rule that src/core runs unchanged in Node and in a Web Worker: no UI/storage
// libraries and no DOM globals. Reports every offending file and line.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BANNED_MODULES = ['react', 'react-dom', 'idb', 'zustand'];
const BANNED_GLOBALS = ['window', 'document'];

/** Blanks comments and string/template contents, keeping every offset and line break of `src`. */
function stripSource(src: string): string {
  let out = '';
  let i = 0;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  while (i < src.length) {
    const two = src.slice(i, i + 2);
    if (two === '//') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (two === '/*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (src[i] === '"' || src[i] === "'" || src[i] === '`') {
      const q = src[i];
      let j = i + 1;
      while (j < src.length && src[j] !== q && !(q !== '`' && src[j] === '\n')) j += src[j] === '\\' ? 2 : 1;
      const body = src.slice(i + 1, Math.min(j, src.length));
      out += q + blank(body) + (j < src.length ? q : '');
      i = j + 1;
    } else {
      out += src[i++];
    }
  }
  return out;
}

/** Offences in one source text, as "line N: what". */
function findImpurities(src: string): string[] {
  const found: string[] = [];
  const lineOf = (index: number) => src.slice(0, index).split('\n').length;
  // Match on the stripped code (offsets unchanged), then read the module name back from `src`.
  const codeOnly = stripSource(src);
  const importRe = /(\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"`])([^'"`\n]*)\2/g;
  for (const m of codeOnly.matchAll(importRe)) {
    const start = m.index + m[1].length + 1;
    const spec = src.slice(start, start + m[3].length);
    if (BANNED_MODULES.includes(spec.split('/')[0])) found.push(`line ${lineOf(m.index)}: imports '${spec}'`);
  }
  const globalRe = new RegExp(`(?<![.\\w$])(${BANNED_GLOBALS.join('|')})(?![\\w$])`, 'g');
  for (const m of codeOnly.matchAll(globalRe)) found.push(`line ${lineOf(m.index)}: uses global '${m[1]}'`);
  return found.sort((a, b) => parseInt(a.slice(5)) - parseInt(b.slice(5)));
}

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return listSources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('src/core purity', () => {
  it('detects banned imports and globals (self-check)', () => {
    const bad = [
      `import { useState } from 'react';`,
      `import { createRoot } from "react-dom/client";`,
      `const db = await import('idb');`,
      `export { create } from 'zustand/vanilla';`,
      `import 'react';`,
      `const w = window.innerWidth;`,
      `if (typeof document !== 'undefined') {}`,
    ].join('\n');
    expect(findImpurities(bad)).toEqual([
      "line 1: imports 'react'",
      "line 2: imports 'react-dom/client'",
      "line 3: imports 'idb'",
      "line 4: imports 'zustand/vanilla'",
      "line 5: imports 'react'",
      "line 6: uses global 'window'",
      "line 7: uses global 'document'",
    ]);
  });

  it('ignores comments, strings, property names and look-alike modules', () => {
    const ok = [
      `// import x from 'react'; window.alert()`,
      `/* document.title */ const msg = 'open a window or a document';`,
      `const t = \`the document \${1}\`;`,
      `import { x } from 'react-native-thing'; import y from 'idbx';`,
      `const o = { windowSize: 1 }; o.document = 2; const documents = 3;`,
    ].join('\n');
    expect(findImpurities(ok)).toEqual([]);
  });

  it('every .ts/.tsx file under src/core is free of UI, storage and DOM dependencies', () => {
    const root = fileURLToPath(new URL('.', import.meta.url));
    const files = listSources(root);
    expect(files.length).toBeGreaterThan(1);
    const offences = files.flatMap((f) =>
      findImpurities(readFileSync(f, 'utf8')).map((o) => `src/core/${relative(root, f)} ${o}`),
    );
    expect(offences, `src/core must stay pure:\n${offences.join('\n')}`).toEqual([]);
  });
});
