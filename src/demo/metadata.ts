// Reads a Teachable-Machine-format metadata.json (labels, imageSize, modelName, optional
// preprocessing) as untrusted input: every field is checked, labels are kept as plain strings.
import type { BackbonePreprocessing } from '../core/backbones/catalog';

/**
 * What @teachablemachine/image does (utils/tf.js `capture`): centre square crop, resize, then
 * pixels / 127 − 1 (sic: 127, not 127.5). Used when metadata.json carries no `preprocessing`.
 */
export const TM_PREPROCESSING: BackbonePreprocessing = { scale: 1 / 127, offset: -1, resize: 'center-crop' };

export const METADATA_LIMITS = { maxLabels: 1000, maxLabelLength: 200, maxNameLength: 200, maxImageSize: 4096 };

export interface DemoMetadata {
  name: string;
  labels: string[];
  imageSize?: number;
  preprocessing: BackbonePreprocessing;
  /** Whether preprocessing came from the file or is Teachable Machine's default. */
  preprocessingFrom: 'metadata' | 'teachable-machine-default';
  /** The studio's held-out accuracy, when the export carries one (a plain sentence, numbers checked). */
  score?: string;
  /** Shortest side of the studio's training copies (studio.preprocessing.trainingSize), for the same crop-and-resize path. */
  trainingSize?: number;
  /** Whether the studio exported the model with test-time augmentation on (studio.tta). */
  tta?: boolean;
}

/** The studio's own fields that change how a photo is classified; a reason when malformed. */
function studioExtras(raw: Record<string, unknown>): { trainingSize?: number; tta?: boolean } | string {
  const studio = raw.studio;
  if (!isObject(studio)) return {};
  let trainingSize: number | undefined;
  const pre = studio.preprocessing;
  if (isObject(pre) && pre.trainingSize !== undefined) {
    const t = pre.trainingSize;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 16 || t > METADATA_LIMITS.maxImageSize) {
      return `"studio.preprocessing.trainingSize" must be a whole number from 16 to ${METADATA_LIMITS.maxImageSize}`;
    }
    trainingSize = t;
  }
  if (studio.tta !== undefined && typeof studio.tta !== 'boolean') return '"studio.tta" must be true or false';
  return { ...(trainingSize !== undefined ? { trainingSize } : {}), ...(studio.tta === true ? { tta: true } : {}) };
}

/** "Test accuracy 91.2% (85.0–95.1%, 95% interval) on 120 images" from studio.test (or .validation); undefined if absent or malformed. */
export function scoreLine(raw: Record<string, unknown>): string | undefined {
  const studio = raw.studio;
  if (!isObject(studio)) return undefined;
  for (const [key, label] of [['test', 'Test'], ['validation', 'Validation']] as const) {
    const s = studio[key];
    if (!isObject(s)) continue;
    const { accuracy, lo, hi, n } = s;
    const unit = (x: unknown): x is number => typeof x === 'number' && x >= 0 && x <= 1;
    if (!unit(accuracy) || !unit(lo) || !unit(hi) || typeof n !== 'number' || !Number.isInteger(n) || n < 1) continue;
    const p = (x: number) => `${(x * 100).toFixed(1)}%`;
    return `${label} accuracy ${p(accuracy)} (${p(lo)}–${p(hi)}, 95% interval) on ${n} held-out images${key === 'validation' ? ' that also chose the epoch' : ''}`;
  }
  return undefined;
}

export type MetadataCheck = { ok: true; value: DemoMetadata } | { ok: false; reason: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const fail = (reason: string): MetadataCheck => ({ ok: false, reason: `metadata.json: ${reason}` });

export function parseMetadata(raw: unknown): MetadataCheck {
  if (!isObject(raw)) return fail('must hold a JSON object');
  const labels = raw.labels;
  if (!Array.isArray(labels)) return fail('has no "labels" array');
  if (labels.length < 1 || labels.length > METADATA_LIMITS.maxLabels) return fail(`has ${labels.length} labels (allowed 1 to ${METADATA_LIMITS.maxLabels})`);
  for (const [i, l] of labels.entries()) {
    if (typeof l !== 'string') return fail(`label ${i + 1} is not a string`);
    if (l.length > METADATA_LIMITS.maxLabelLength) return fail(`label ${i + 1} is longer than ${METADATA_LIMITS.maxLabelLength} characters`);
  }
  let name = 'Untitled model';
  if (raw.modelName !== undefined) {
    if (typeof raw.modelName !== 'string') return fail('"modelName" must be a string');
    if (raw.modelName.trim() !== '') {
      name = raw.modelName.length > METADATA_LIMITS.maxNameLength ? `${raw.modelName.slice(0, METADATA_LIMITS.maxNameLength)}…` : raw.modelName;
    }
  }
  let imageSize: number | undefined;
  if (raw.imageSize !== undefined) {
    const s = raw.imageSize;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > METADATA_LIMITS.maxImageSize) {
      return fail(`"imageSize" must be a whole number from 1 to ${METADATA_LIMITS.maxImageSize}`);
    }
    imageSize = s;
  }
  const score = scoreLine(raw);
  const extras = studioExtras(raw);
  if (typeof extras === 'string') return fail(extras);
  if (raw.preprocessing === undefined) {
    return { ok: true, value: { name, labels: [...labels], imageSize, preprocessing: TM_PREPROCESSING, preprocessingFrom: 'teachable-machine-default', score, ...extras } };
  }
  const p = raw.preprocessing;
  if (!isObject(p) || typeof p.scale !== 'number' || !Number.isFinite(p.scale) || typeof p.offset !== 'number' || !Number.isFinite(p.offset)) {
    return fail('"preprocessing" must have finite numeric "scale" and "offset"');
  }
  const resize = p.resize === undefined ? 'center-crop' : p.resize;
  if (resize !== 'center-crop' && resize !== 'stretch') return fail('"preprocessing.resize" must be "center-crop" or "stretch"');
  return {
    ok: true,
    value: { name, labels: [...labels], imageSize, preprocessing: { scale: p.scale, offset: p.offset, resize }, preprocessingFrom: 'metadata', score, ...extras },
  };
}
