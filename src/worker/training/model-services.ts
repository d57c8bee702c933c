// What the training worker does for a trained model and for the data outside a run: predict,
// Grad-CAM, export, share link, model and backbone import, augmentation preview, near-duplicate
// search and the benchmark. A run's model is kept open for repeated predictions.
import * as tf from '@tensorflow/tfjs';
import type { BackboneSpec } from '../../core/backbones/catalog';
import { augmentBatch, type AugmentConfig } from '../../core/augment/augment';
import { toUnitBatch } from '../../core/train/data';
import type { BackendName } from '../../core/train/run-config';
import { getRun, updateRun } from '../../persistence/runs-repo';
import type { PreviewImage } from '../protocol';
import { importBackbone, type DroppedFile } from './backbone-import';
import { runBench, type FinetuneShape } from './bench';
import { importExportedModel } from './model-import';
import { exportFiles, gradCamFor, openRun, predictPixels, shareLinkFor, zipFiles, type OpenRun } from './run-model';
import { IdbPixelSource } from './idb-pixel-source';
import { evaluateWithTta } from './tta-eval';
import { nearDuplicatesIn } from './near-duplicates';
import type { WorkerEngine } from './worker-engine';

export class ModelServices {
  constructor(private readonly engine: WorkerEngine) {}

  private openRunCache: { runId: string; model: Promise<OpenRun> } | null = null;

  /** The trained model of a run, kept open for repeated predictions. */
  async runModel(runId: string): Promise<OpenRun> {
    if (this.openRunCache?.runId !== runId) {
      const previous = this.openRunCache;
      previous?.model.then((m) => m.dispose()).catch(() => undefined);
      const model = (async () => {
        const db = await this.engine.getDb();
        const run = await getRun(db, runId);
        if (run) await this.engine.ensureBackend(run.config.mode, 'auto');
        return openRun(db, runId);
      })();
      this.openRunCache = { runId, model };
      model.catch(() => {
        if (this.openRunCache?.model === model) this.openRunCache = null;
      });
    }
    return this.openRunCache.model;
  }

  async predict(runId: string, images: PreviewImage[], tta = false) {
    const m = await this.runModel(runId);
    const size = m.spec.inputSize;
    const squares = images.map((img) => ({ data: img.data, width: img.width, height: img.height, channels: 4 as const }));
    if (squares.some((i) => i.width !== size || i.height !== size)) throw new Error(`images must be ${size}×${size} pixels`);
    return predictPixels(m, squares, tta);
  }

  async nearDuplicates(imageIds: string[], onProgress: (done: number, total: number) => void) {
    return nearDuplicatesIn(await this.engine.getDb(), imageIds, onProgress);
  }

  async gradcam(runId: string, imageId: string, classIndex: number | null) {
    return gradCamFor(await this.engine.getDb(), await this.runModel(runId), imageId, classIndex);
  }

  async shareLink(runId: string, tta = false) {
    return shareLinkFor(await this.runModel(runId), tta);
  }

  /** Test-time augmented scores of the run's validation and test images, stored on the run. */
  async evaluateTta(runId: string, onProgress: (done: number, total: number) => void) {
    const db = await this.engine.getDb();
    const m = await this.runModel(runId);
    const ttaEvaluation = await evaluateWithTta(db, m, onProgress);
    await updateRun(db, runId, { ttaEvaluation });
    return ttaEvaluation;
  }

  async exportRun(runId: string, tta = false) {
    const files = await exportFiles(await this.runModel(runId), tta);
    return { files, zip: zipFiles(files) };
  }

  async importModel(projectId: string, name: string, zip: ArrayBuffer) {
    await this.engine.anyBackend();
    return importExportedModel(await this.engine.getDb(), projectId, name, zip);
  }

  async bench(spec: BackboneSpec, backends: BackendName[], batch: number, reps: number, finetune?: FinetuneShape) {
    this.engine.dropBackbone();
    return runBench(await this.engine.getDb(), spec, backends, batch, reps, finetune);
  }

  async importBackbone(name: string, files: DroppedFile[]) {
    await this.engine.anyBackend();
    return importBackbone(await this.engine.getDb(), name, files);
  }

  async augmentPreview(imageIds: string[], augment: AugmentConfig, seed: number, size: number) {
    await this.engine.anyBackend();
    const source = new IdbPixelSource(await this.engine.getDb(), 'center-crop');
    const pixels = await source.load(imageIds, size);
    const unit = toUnitBatch(pixels, size);
    const out = tf.tidy(() => augmentBatch(unit, augment, seed).mul(255).clipByValue(0, 255).cast('int32'));
    const data = await out.data();
    tf.dispose([unit, out]);
    const plane = size * size;
    const images = imageIds.map((_, b) => {
      const rgba = new Uint8ClampedArray(plane * 4);
      for (let i = 0; i < plane; i++) {
        rgba[i * 4] = data[(b * plane + i) * 3];
        rgba[i * 4 + 1] = data[(b * plane + i) * 3 + 1];
        rgba[i * 4 + 2] = data[(b * plane + i) * 3 + 2];
        rgba[i * 4 + 3] = 255;
      }
      return { width: size, height: size, data: rgba };
    });
    this.engine.post({ type: 'augment-preview', images }, images.map((i) => i.data.buffer));
  }

}
