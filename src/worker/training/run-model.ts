// A trained run as a usable model in the worker: its backbone and head rebuilt with the run's
// best (else last) checkpoint, for prediction, Grad-CAM and export. One run is kept open.
import { keptCheckpointKind } from '../../core/train/run-config';
import * as tf from '@tensorflow/tfjs';
import { zipSync, strToU8 } from 'fflate';
import type { BackboneSpec } from '../../core/backbones/catalog';
import { applyBackbone } from '../../core/backbones/layers';
import { combineModel, modelArtifacts, TM_INPUT } from '../../core/export/assemble';
import { accuracySummary } from '../../core/metrics/intervals';
import { gradCam } from '../../core/explain/grad-cam';
import { encodeShareLink } from '../../core/export/share-link';
import { shareHeadFromModel } from '../../core/export/share-head';
import { BACKBONES } from '../../core/backbones/catalog';
import { toUnitBatch } from '../../core/train/data';
import { predictProbabilities, TTA_DESCRIPTION } from '../../core/train/tta';
import { pool } from '../../core/train/features';
import { buildHead } from '../../core/train/head';
import { applyNamedWeights } from '../../core/train/weights';
import type { PixelImage } from '../../core/backbones/preprocess';
import type { RunRecord, StudioDB } from '../../persistence/db';
import { getRun } from '../../persistence/runs-repo';
import { getCheckpoint } from '../../persistence/checkpoints-repo';
import { openBackbone } from './backbone-store';
import { IdbPixelSource } from './idb-pixel-source';
import { DEFAULT_TRAINING_SIZE, matchStudioText } from '../../core/data/crop-resize';

export interface OpenRun {
  run: RunRecord;
  /** The project's name: exports and links are titled with it, so whoever opens them knows what it is. */
  title: string;
  /** Shortest side of the project's training copies (the first step of the crop-and-resize path). */
  trainingSize: number;
  spec: BackboneSpec;
  backbone: tf.LayersModel;
  head: tf.Sequential;
  dispose(): void;
}

export async function openRun(db: StudioDB, runId: string): Promise<OpenRun> {
  const run = await getRun(db, runId);
  if (!run) throw new Error('This run no longer exists.');
  const kind = keptCheckpointKind(run.config);
  const cp = (await getCheckpoint(db, runId, kind)) ?? (await getCheckpoint(db, runId, kind === 'best' ? 'last' : 'best'));
  if (!cp) throw new Error(`${run.name} has no saved weights yet (it stopped before its first epoch ended).`);
  const opened = await openBackbone(db, run.config.backbone, () => undefined);
  if (opened.kind !== 'layers') {
    opened.model.dispose();
    throw new Error('Only layers-model backbones can be exported and explained.');
  }
  const backbone = opened.model;
  const dim = tf.tidy(() => pool(applyBackbone(backbone, tf.zeros([1, run.config.backbone.inputSize, run.config.backbone.inputSize, 3]) as tf.Tensor4D)).shape[1]);
  const head = buildHead(dim, run.classes.length, run.config.head, run.config.seed);
  applyNamedWeights({ specs: cp.weights, data: cp.weightData }, [
    { prefix: 'head', model: head },
    { prefix: 'backbone', model: backbone },
  ]);
  const project = await db.get('projects', run.projectId).catch(() => undefined);
  return {
    run,
    title: project?.name || run.name,
    trainingSize: project?.trainingSize ?? DEFAULT_TRAINING_SIZE,
    spec: { ...run.config.backbone, featureDim: dim },
    backbone,
    head,
    dispose: () => {
      head.dispose();
      backbone.dispose();
    },
  };
}

/** The run's softmax for images [batch, size, size, 3] in 0..1 (plain, or averaged over the TTA views). */
export function runProbabilities(m: OpenRun, unit: tf.Tensor4D, tta: boolean): tf.Tensor2D {
  const pre = m.spec.preprocessing;
  return predictProbabilities(unit, (x) => tf.softmax(m.head.apply(pool(applyBackbone(m.backbone, x.mul(255 * pre.scale).add(pre.offset) as tf.Tensor4D)), { training: false }) as tf.Tensor2D), tta);
}

/** Softmax probabilities for square images already at the backbone's input size. */
export async function predictPixels(m: OpenRun, images: PixelImage[], tta = false): Promise<{ probabilities: number[][]; ms: number }> {
  const size = m.spec.inputSize;
  const t0 = performance.now();
  const probs = tf.tidy(() => runProbabilities(m, toUnitBatch(images, size), tta));
  const data = (await probs.array()) as number[][];
  probs.dispose();
  return { probabilities: data, ms: (performance.now() - t0) / images.length };
}

export async function gradCamFor(db: StudioDB, m: OpenRun, imageId: string, classIndex: number | null) {
  const source = new IdbPixelSource(db, m.spec.preprocessing.resize);
  const [img] = await source.load([imageId], m.spec.inputSize);
  const x = tf.tidy(() => toUnitBatch([img], m.spec.inputSize).mul(255 * m.spec.preprocessing.scale).add(m.spec.preprocessing.offset) as tf.Tensor4D);
  try {
    return await gradCam(m.backbone, m.head, x, classIndex);
  } finally {
    x.dispose();
  }
}

/** The run as a Teachable-Machine-format TF.js export: model.json, weights.bin, metadata.json. */
export async function exportFiles(m: OpenRun, tta = false): Promise<Record<string, Uint8Array>> {
  const combined = combineModel(m.backbone, m.head, m.spec.preprocessing, TM_INPUT);
  const { modelJson, weights } = await modelArtifacts(combined);
  const best = m.run.history.find((h) => h.epoch === m.run.bestEpoch) ?? m.run.history[m.run.history.length - 1];
  const metadata = {
    tfjsVersion: tf.version.tfjs,
    tmVersion: '2.4.10',
    packageVersion: '0.8.5',
    packageName: '@teachablemachine/image',
    timeStamp: new Date().toISOString(),
    userMetadata: {},
    modelName: m.title,
    labels: m.run.classes.map((c) => c.name),
    imageSize: m.spec.inputSize,
    // Finetune Studio's own fields (ignored by Teachable Machine's loader):
    studio: {
      backbone: { id: m.spec.id, name: m.spec.name, url: m.spec.url, inputSize: m.spec.inputSize },
      preprocessing: {
        input: 'pixels x/127 − 1 (Teachable Machine convention), centre crop; the first layer converts to the backbone range',
        backbone: m.spec.preprocessing,
        trainingSize: m.trainingSize,
        // What a consumer must do to get the studio's numbers on a photo (src/core/data/crop-resize.ts).
        toMatchStudio: matchStudioText(m.spec.inputSize, m.trainingSize, m.spec.preprocessing.resize),
      },
      // Test-time augmentation: whether the demo page averages over views, and which (src/core/train/tta.ts).
      tta,
      ttaViews: TTA_DESCRIPTION,
      runConfig: m.run.config,
      metrics: best ? { epoch: best.epoch, valAccuracy: best.valAcc, valLoss: best.valLoss, trainAccuracy: best.trainAcc } : null,
      // Accuracy on held-out images with a 95% Wilson interval. Quote the test figure: the
      // validation images chose the epoch. null: the run had no such set.
      // outOfFold: Auto trained on the validation images too; the figure is its k-fold cross-validation's.
      validation: m.run.evaluation
        ? { ...accuracySummary(m.run.evaluation.labels, m.run.evaluation.probabilities, m.run.evaluation.numClasses), ...(m.run.evaluation.outOfFold ? { outOfFold: m.run.evaluation.outOfFold } : {}) }
        : null,
      test: m.run.testEvaluation ? accuracySummary(m.run.testEvaluation.labels, m.run.testEvaluation.probabilities, m.run.testEvaluation.numClasses) : null,
      trainedAt: new Date(m.run.updatedAt).toISOString(),
    },
  };
  return {
    'model.json': strToU8(JSON.stringify(modelJson)),
    'weights.bin': weights,
    'metadata.json': strToU8(JSON.stringify(metadata, null, 2)),
  };
}

export function zipFiles(files: Record<string, Uint8Array>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, [v, { level: k.endsWith('.bin') ? 0 : 6 }]])));
}

/**
 * The serverless link payload: only for a frozen catalog backbone (the recipient downloads it
 * from its public URL), with the head's weights quantised in the link itself.
 */
export async function shareLinkFor(m: OpenRun, tta = false): Promise<string> {
  const catalog = BACKBONES.find((b) => b.id === m.spec.id);
  if (!catalog) throw new Error('Serverless links need a backbone from the public catalog; share this model through the share service instead.');
  if (m.run.config.mode !== 'frozen') throw new Error('Serverless links carry only the head, so the backbone must stay frozen; this run fine-tuned it. Share it through the share service instead.');
  const head = await shareHeadFromModel(m.head);
  return encodeShareLink({ v: 1, backbone: catalog.id, labels: m.run.classes.map((c) => c.name), name: m.title, preprocessing: catalog.preprocessing, head, trainingSize: m.trainingSize, tta });
}
