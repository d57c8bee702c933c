// The standalone demo site as a zip: the studio's own built demo page (its HTML, script and
// styles, fetched from this origin) plus the exported model, opening on that model by default.
// Drop the folder on any static host, or open it from a local server.
import { zipSync, strToU8 } from 'fflate';

/** Every same-origin asset a built HTML page references (scripts, module preloads, styles). */
function assetPaths(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]);
}

export async function demoSiteZip(modelFiles: Record<string, ArrayBuffer>): Promise<Uint8Array> {
  const base = new URL('./', location.href);
  const res = await fetch(new URL('demo.html', base));
  if (!res.ok) throw new Error(`the demo page is not available here (HTTP ${res.status})`);
  let html = await res.text();
  const files: Record<string, Uint8Array> = {};
  // Chunks import each other; follow them until nothing new turns up.
  const queue = assetPaths(html);
  const seen = new Set<string>();
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const r = await fetch(new URL(path, base));
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    const bytes = new Uint8Array(await r.arrayBuffer());
    files[path] = bytes;
    if (path.endsWith('.js')) {
      const text = new TextDecoder().decode(bytes);
      for (const m of text.matchAll(/["'`]\.\/([\w.-]+\.(?:js|css|wasm))["'`]/g)) queue.push(`assets/${m[1]}`);
    }
  }
  // Opened without a hash, the page shows the model next to it.
  html = html.replace('<head>', `<head>\n    <script>if (!location.hash) location.hash = 'model=model.json';</script>`);
  files['index.html'] = strToU8(html);
  for (const [name, data] of Object.entries(modelFiles)) files[name] = new Uint8Array(data);
  files['README.txt'] = strToU8(
    'A Finetune Studio model demo.\n\nServe this folder with any static web server (for example `npx serve .` or `python3 -m http.server`) and open index.html.\nThe model runs in the visitor\'s browser; images are not uploaded anywhere.\n',
  );
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, [v, { level: /\.(bin|wasm)$/.test(k) ? 0 : 6 }]])));
}
