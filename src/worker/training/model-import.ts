// An exported studio zip (model.json + weights.bin + metadata.json) brought back into a project
// as a model version: the classifier is split into its backbone (stored like an imported
// backbone) and head, and saved as a finished run whose checkpoint holds all the weights.
import * as tf from '@tensorflow/tfjs';
import { unzipBounded, ZipError } from '../../core/data/bounded-unzip.mjs';
import type { BackboneSpec } from '../../core/backbones/catalog';
import { ioHandlerFromFiles, validateModel } from '../../core/backbones/validate';
import { modelArtifacts } from '../../core/export/assemble';
import { defaultRunConfig, type RunConfig } from '../../core/train/run-config';
import { encodeNamed, layerWeights } from '../../core/train/weights';
import type { StudioDB } from '../../persistence/db';
import { cacheBackbone } from '../../persistence/backbones-repo';
import { getOrCreateClassByName } from '../../persistence/classes-repo';
import { saveCheckpoint } from '../../persistence/checkpoints-repo';
import { createRun } from '../../persistence/runs-repo';

interface StudioMetadata {
  labels?: unknown;
  modelName?: unknown;
  imageSize?: unknown;
  studio?: { runConfig?: RunConfig; backbone?: { name?: string } };
}

export async function importExportedModel(db: StudioDB, projectId: string, zipName: string, zip: ArrayBuffer): Promise<{ runId: string; name: string }> {
  let files: Record<string, Uint8Array>;
  try {
    const accept = (f: { name: string }) => !f.name.includes('/') && !f.name.includes('..');
    files = Object.fromEntries(unzipBounded(new Uint8Array(zip), { accept, maxEntryBytes: 300 * 1024 * 1024, maxTotalBytes: 600 * 1024 * 1024 }));
  } catch (e) {
    throw new Error(`${zipName}: ${e instanceof ZipError ? e.message : 'not a readable zip'}`);
  }
  for (const need of ['model.json', 'metadata.json']) if (!files[need]) throw new Error(`${zipName}: ${need} is missing; export a model from the studio or Teachable Machine`);
  const decode = (b: Uint8Array, what: string) => {
    try {
      return JSON.parse(new TextDecoder().decode(b));
    } catch {
      throw new Error(`${zipName}: ${what} is not valid JSON`);
    }
  };
  const modelJson = decode(files['model.json'], 'model.json');
  const meta = decode(files['metadata.json'], 'metadata.json') as StudioMetadata;
  const labels = Array.isArray(meta.labels) && meta.labels.every((l) => typeof l === 'string' && l.length > 0 && l.length <= 200) ? (meta.labels as string[]) : null;
  if (!labels || labels.length < 2) throw new Error(`${zipName}: metadata.json needs at least 2 labels`);
  const shards = new Map(Object.entries(files).filter(([k]) => k !== 'model.json' && k !== 'metadata.json'));
  const check = validateModel({ modelJson, files: shards });
  if (!check.ok) throw new Error(`${zipName}: ${check.reason}`);
  if (check.format !== 'layers-model') throw new Error(`${zipName}: only layers models can be imported as a model version`);
  const model = await tf.loadLayersModel(ioHandlerFromFiles(modelJson, shards));
  try {
    // The studio's export: [image, rescaling?, backbone (nested model), pool, head (nested), softmax].
    const nested = model.layers.filter((l) => l instanceof tf.LayersModel) as tf.LayersModel[];
    if (nested.length !== 2) throw new Error(`${zipName}: this is not a Finetune Studio export (expected a backbone and a head inside the model)`);
    const [backbone, head] = nested;
    if ((head.outputs[0].shape[1] as number) !== labels.length) throw new Error(`${zipName}: the model has ${head.outputs[0].shape[1]} outputs but metadata.json lists ${labels.length} labels`);
    const base = meta.studio?.runConfig;
    const size = (backbone.inputs[0].shape[1] as number) || 224;
    const spec: BackboneSpec = {
      ...(base?.backbone ?? defaultRunConfig({} as BackboneSpec).backbone),
      id: `import:${crypto.randomUUID()}`,
      name: `${meta.studio?.backbone?.name ?? 'Backbone'} (from ${zipName})`,
      family: 'custom',
      format: 'layers',
      url: '',
      inputSize: size,
      cutLayer: undefined,
      featureDim: (backbone.outputs[0].shape[3] ?? backbone.outputs[0].shape[1]) as number,
      preprocessing: base?.backbone.preprocessing ?? { scale: 1 / 127.5, offset: -1, resize: 'center-crop' },
      source: `imported with ${zipName}`,
      license: 'as supplied',
      params: backbone.countParams(),
      downloadBytes: 0,
      fineTunable: true,
    };
    const art = await modelArtifacts(backbone);
    await cacheBackbone(db, {
      id: spec.id,
      spec,
      modelTopology: art.modelJson.modelTopology,
      format: 'layers-model',
      weightSpecs: (art.modelJson.weightsManifest as { weights: unknown[] }[])[0].weights,
      weightData: art.weights.slice().buffer as ArrayBuffer,
      bytes: art.weights.byteLength,
      cachedAt: Date.now(),
      source: 'import',
    });
    const hidden = head.layers.find((l) => l.name.includes('hidden')) as tf.layers.Layer | undefined;
    const dropout = head.layers.find((l) => l.getClassName() === 'Dropout');
    const config: RunConfig = {
      ...(base ?? defaultRunConfig(spec)),
      backbone: spec,
      head: {
        hiddenUnits: hidden ? ((hidden.getConfig() as { units: number }).units) : 0,
        dropout: dropout ? ((dropout.getConfig() as { rate: number }).rate) : 0,
        l2: base?.head.l2 ?? 0,
      },
    };
    const classes = [];
    for (const l of labels) classes.push(await getOrCreateClassByName(db, projectId, l));
    const name = `Imported: ${typeof meta.modelName === 'string' ? meta.modelName.slice(0, 80) : zipName}`;
    const run = await createRun(db, {
      projectId,
      name,
      status: 'done',
      config,
      classes: classes.map((c) => ({ id: c.id, name: c.name })),
      split: { train: [], val: [] },
      totalEpochs: 0,
      parentRunId: null,
    });
    const weights = await encodeNamed([...layerWeights(head, 'head'), ...layerWeights(backbone, 'backbone')].map((w) => ({ name: w.name, tensor: w.variable.read() })));
    const empty = await encodeNamed([]);
    const cp = { runId: run.id, epoch: 0, stage: 1 as const, step: 0, createdAt: Date.now(), weights: weights.specs, weightData: weights.data, optimizer: empty.specs, optimizerData: empty.data, state: {} };
    await saveCheckpoint(db, { ...cp, kind: 'last' });
    await saveCheckpoint(db, { ...cp, kind: 'best' });
    return { runId: run.id, name };
  } finally {
    model.dispose();
  }
}
