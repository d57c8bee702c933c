// Features while an import runs: each committed batch of images comes here with its training
// copies, and the worker runs the project's backbone on them and keeps their plain (unaugmented)
// features in the feature store, under the keys a run uses, so a frozen run or Auto's study
// started after the import reads them instead of computing them. The pixels come from the blobs
// in the message, not from IndexedDB, whose image stores the import keeps busy writing. It works
// only with a backbone that is loaded or in the local backbone cache (it never downloads one),
// yields to a run at the next batch, and is best effort: a failure is reported and costs nothing
// but the time. The same pass keeps each image's activations at the boundaries a fine-tune run
// would likely cache at (the last 4 or 6 blocks, or the number set) in the worker's memory, so
// such a run skips the backbone's frozen prefix for its plain views.
import type { BackboneSpec } from '../../core/backbones/catalog';
import type { PixelImage } from '../../core/backbones/preprocess';
import type { PixelSource } from '../../core/train/data';
import * as tf from '@tensorflow/tfjs';
import { computeFeatures, featureScope, frozenExtractor, pool, type FeatureExtractor } from '../../core/train/features';
import { foldBackbone } from '../../core/backbones/fold';
import { boundaryLayerFor } from '../../core/train/boundary';
import { boundaryKey } from '../../core/train/boundary-memory';
import { rgbaToRgb } from '../../core/data/crop-resize';
import { errorText } from '../../core/error-text';
import { featureStore } from '../../persistence/features-repo';
import { getCachedBackbone } from '../../persistence/backbones-repo';
import type { FromWorker, WarmImage } from '../protocol';
import { modelInputFromCopy } from '../model-pixels';
import type { WorkerEngine } from './worker-engine';

/** Images per pass: large enough to batch the backbone, small enough to yield to a run quickly. */
const CHUNK = 32;

const sameBackbone = (a: BackboneSpec | null, b: BackboneSpec) => a != null && a.id === b.id && a.url === b.url;

/** Pixels from the training copies in hand, through the same crop-and-resize as IdbPixelSource. */
function blobSource(images: Map<string, Blob>, resize: 'center-crop' | 'stretch'): PixelSource {
  return {
    load: (ids, size) =>
      Promise.all(ids.map(async (id): Promise<PixelImage> => ({ data: rgbaToRgb((await modelInputFromCopy(images.get(id)!, size, resize)).rgba), width: size, height: size, channels: 3 }))),
  };
}

export class FeatureWarmer {
  private projectId: string | null = null;
  private spec: BackboneSpec | null = null;
  private queue: WarmImage[] = [];
  private scheduled = false;
  private stopRequested = false;
  private done = 0;
  private computed = 0;
  private seconds = 0;
  /** The fine-tune depth set on the page (its boundary is kept besides those of 4 and 6 blocks). */
  private trainableBlocks = 4;

  constructor(
    private readonly engine: WorkerEngine,
    private readonly post: (msg: FromWorker) => void,
  ) {}

  /**
   * Adds images to warm; returns true when a drain must be scheduled (none is pending). Another
   * project or backbone replaces what was queued.
   */
  add(projectId: string, spec: BackboneSpec, images: WarmImage[], trainableBlocks?: number): boolean {
    if (trainableBlocks != null && trainableBlocks > 0) this.trainableBlocks = trainableBlocks;
    if (projectId !== this.projectId || !this.spec || !sameBackbone(this.spec, spec)) {
      // The kept boundary rows serve the project being imported now.
      if (this.projectId != null) this.engine.boundaryMemory.clear();
      this.queue = [];
      this.done = this.computed = this.seconds = 0;
      this.projectId = projectId;
      this.spec = spec;
    }
    this.queue.push(...images);
    this.stopRequested = false;
    if (this.scheduled) return false;
    this.scheduled = true;
    return true;
  }

  /** A run is about to start: stop after the current batch and forget the queue. */
  yieldToRun() {
    this.stopRequested = true;
    this.queue = [];
  }

  /**
   * The folded backbone, also tapped at the likely fine-tune boundaries: the plain rows of each
   * batch go to `keep(row, layer, activations)` (row: the position in the ids computeFeatures has).
   */
  private tappedExtractor(spec: BackboneSpec, model: tf.LayersModel, keep: (row: number, layer: string, data: Float32Array) => void): FeatureExtractor & { dispose(): void } {
    const layers = [...new Set([this.trainableBlocks, 4, 6].map((n) => boundaryLayerFor(model, n)).filter((l): l is string => l != null))];
    const folded = layers.length ? foldBackbone(model, { taps: layers }) : null;
    if (!folded) return frozenExtractor(spec, model);
    return {
      spec,
      forward: (x, rows) =>
        tf.tidy(() => {
          const { output, taps } = folded.forwardTaps(x);
          for (const [layer, t] of rows ? taps : []) {
            const data = t.dataSync() as Float32Array;
            const size = data.length / rows!.length;
            rows!.forEach((r, j) => keep(r, layer, data.slice(j * size, (j + 1) * size)));
          }
          return pool(output);
        }),
      dispose: () => folded.dispose(),
    };
  }

  /** Runs as a worker job: computes and stores features for the queued images. */
  async drain(): Promise<void> {
    const spec = this.spec;
    const projectId = this.projectId;
    try {
      if (!spec || !projectId || this.stopRequested || this.queue.length === 0) return;
      const db = await this.engine.getDb();
      if (!(this.engine.hasBackbone && sameBackbone(this.engine.backboneSpec, spec))) {
        // Only a backbone already here: warming up must never start a download.
        if (!(await getCachedBackbone(db, spec.id))) {
          this.queue = [];
          return;
        }
        await this.engine.ensureBackend('frozen', 'auto');
        await this.engine.loadBackbone(spec);
      }
      const loaded = this.engine.backboneSpec!;
      const opened = this.engine.openedBackbone!;
      const layered = opened.kind === 'layers';
      const scope = featureScope(loaded, layered ? 'frozen-extractor' : 'extractor');
      let chunk: WarmImage[] = []; // the images computeFeatures is working on
      const frozen = layered ? this.tappedExtractor(loaded, opened.model, (row, layer, data) => this.engine.boundaryMemory.put(boundaryKey(scope, chunk[row].contentKey, layer), data)) : null;
      const extractor = frozen ?? this.engine.extractor(loaded, opened);
      const store = featureStore(db);
      try {
        while (this.queue.length && !this.stopRequested) {
          const t0 = performance.now();
          chunk = this.queue.splice(0, CHUNK);
          const res = await computeFeatures({
            extractor,
            source: blobSource(new Map(chunk.map((i) => [i.id, i.training])), loaded.preprocessing.resize),
            ids: chunk.map((i) => i.id),
            views: 1,
            augment: null,
            seed: 0,
            store: { store, scope, contentKeys: chunk.map((i) => i.contentKey) },
            shouldStop: () => this.stopRequested,
          });
          if (!res) break;
          await res.persisted; // warmed means a run started now finds them stored
          this.done += chunk.length;
          this.computed += res.computed ?? 0;
          this.seconds += (performance.now() - t0) / 1000;
          this.post({ type: 'features-warmed', projectId, done: this.done, computed: this.computed, seconds: this.seconds });
        }
      } finally {
        frozen?.dispose();
      }
    } catch (e) {
      if (projectId) this.post({ type: 'features-warmed', projectId, done: this.done, computed: this.computed, seconds: this.seconds, error: errorText(e) });
    } finally {
      this.scheduled = false;
    }
  }
}
