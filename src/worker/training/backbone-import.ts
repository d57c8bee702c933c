// A model the user dropped (a folder or zip with model.json and its weight files): validated
// before anything is kept, then stored in the IndexedDB backbone cache so it works offline.
import { unzipBounded, ZipError } from '../../core/data/bounded-unzip.mjs';
import type { BackboneSpec } from '../../core/backbones/catalog';
import { ioHandlerFromFiles, validateModel } from '../../core/backbones/validate';
import type { StudioDB } from '../../persistence/db';
import { cacheBackbone } from '../../persistence/backbones-repo';

export interface DroppedFile {
  path: string;
  data: ArrayBuffer;
}

/** Flattens a drop (expanding one zip) to the folder holding model.json: file name → bytes. */
function modelFolder(files: DroppedFile[]): { json: Uint8Array; files: Map<string, Uint8Array> } {
  let entries: { path: string; bytes: Uint8Array }[] = files.map((f) => ({ path: f.path.replace(/\\/g, '/'), bytes: new Uint8Array(f.data) }));
  const zips = entries.filter((e) => /\.zip$/i.test(e.path));
  if (zips.length === 1 && entries.length === 1) {
    let unzipped: Map<string, Uint8Array>;
    try {
      const accept = (f: { name: string }) => !f.name.endsWith('/') && !f.name.includes('..') && !f.name.startsWith('/');
      unzipped = unzipBounded(zips[0].bytes, { accept, maxEntryBytes: 512 * 1024 * 1024, maxTotalBytes: 1024 * 1024 * 1024 });
    } catch (e) {
      throw new Error(`${zips[0].path}: ${e instanceof ZipError ? e.message : 'the zip could not be read'}`);
    }
    entries = [...unzipped].map(([path, bytes]) => ({ path, bytes }));
  }
  const jsons = entries.filter((e) => e.path.split('/').pop() === 'model.json' && !e.path.includes('__MACOSX'));
  if (jsons.length === 0) throw new Error('no model.json found in what was dropped');
  if (jsons.length > 1) throw new Error(`more than one model.json found (${jsons.map((j) => j.path).join(', ')}); drop one model at a time`);
  const dir = jsons[0].path.includes('/') ? jsons[0].path.slice(0, jsons[0].path.lastIndexOf('/') + 1) : '';
  const out = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (e === jsons[0] || !e.path.startsWith(dir)) continue;
    const rest = e.path.slice(dir.length);
    if (!rest.includes('/')) out.set(rest, e.bytes);
  }
  return { json: jsons[0].bytes, files: out };
}

export async function importBackbone(db: StudioDB, name: string, dropped: DroppedFile[]): Promise<{ spec: BackboneSpec; bytes: number }> {
  const { json, files } = modelFolder(dropped);
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(new TextDecoder().decode(json));
  } catch {
    throw new Error('model.json is not valid JSON');
  }
  const check = validateModel({ modelJson, files });
  if (!check.ok) throw new Error(`${name}: ${check.reason}`);
  const artifacts = await ioHandlerFromFiles(modelJson, files).load!();
  const weightData = artifacts.weightData as ArrayBuffer;
  const [, h] = check.inputShape;
  const spec: BackboneSpec = {
    id: `import:${crypto.randomUUID()}`,
    name,
    family: 'custom',
    format: check.format === 'graph-model' ? 'graph' : 'layers',
    url: '',
    inputSize: h,
    featureDim: 0,
    preprocessing: { scale: 1 / 127.5, offset: -1, resize: 'center-crop' },
    params: check.weightCount,
    downloadBytes: check.totalBytes,
    license: 'as supplied',
    source: 'imported from your files',
    fineTunable: check.format === 'layers-model',
  };
  await cacheBackbone(db, {
    id: spec.id,
    spec,
    modelTopology: artifacts.modelTopology,
    format: check.format,
    weightSpecs: artifacts.weightSpecs ?? [],
    weightData,
    bytes: weightData.byteLength,
    cachedAt: Date.now(),
    source: 'import',
  });
  return { spec, bytes: weightData.byteLength };
}
