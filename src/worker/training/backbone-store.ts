// Opens a backbone in the worker: from the IndexedDB cache when it was downloaded or imported
// before (works offline), else from its URL (TF Hub handles included) with byte progress, then
// caches it.
import * as tf from '@tensorflow/tfjs';
import { modelJsonUrl, type BackboneSpec } from '../../core/backbones/catalog';
import { cutLayersModel, fetchModelFiles } from '../../core/backbones/load';
import { ioHandlerFromFiles } from '../../core/backbones/validate';
import type { StudioDB } from '../../persistence/db';
import { cacheBackbone, getCachedBackbone } from '../../persistence/backbones-repo';

export type OpenedBackbone =
  | { kind: 'layers'; model: tf.LayersModel; fromCache: boolean }
  | { kind: 'graph'; model: tf.GraphModel; fromCache: boolean };

export async function openBackbone(db: StudioDB, spec: BackboneSpec, onProgress: (loaded: number, total: number) => void): Promise<OpenedBackbone> {
  let artifacts: tf.io.ModelArtifacts;
  let fromCache = false;
  const cached = await getCachedBackbone(db, spec.id);
  if (cached) {
    fromCache = true;
    artifacts = {
      modelTopology: cached.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      format: cached.format,
      weightSpecs: cached.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData: cached.weightData,
    };
    onProgress(cached.bytes, cached.bytes);
  } else {
    // TF Hub handles resolve to model.json?tfjs-format=file, with the same query on each shard.
    const files = await fetchModelFiles(modelJsonUrl(spec), { onProgress });
    artifacts = await ioHandlerFromFiles(files.modelJson, files.files).load!();
    const weightData = artifacts.weightData instanceof ArrayBuffer ? artifacts.weightData : await new Blob(artifacts.weightData as ArrayBuffer[]).arrayBuffer();
    await cacheBackbone(db, {
      id: spec.id,
      spec,
      modelTopology: artifacts.modelTopology,
      format: spec.format === 'graph' ? 'graph-model' : 'layers-model',
      weightSpecs: artifacts.weightSpecs ?? [],
      weightData,
      bytes: weightData.byteLength,
      cachedAt: Date.now(),
      source: 'download',
    }).catch(() => undefined); // caching is best effort: a full disk must not stop training
  }
  const handler = tf.io.fromMemory(artifacts);
  if (spec.format === 'graph') return { kind: 'graph', model: await tf.loadGraphModel(handler), fromCache };
  const full = await tf.loadLayersModel(handler);
  return { kind: 'layers', model: spec.cutLayer ? cutLayersModel(full, spec.cutLayer) : full, fromCache };
}
