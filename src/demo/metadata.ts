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
  if (raw.preprocessing === undefined) {
    return { ok: true, value: { name, labels: [...labels], imageSize, preprocessing: TM_PREPROCESSING, preprocessingFrom: 'teachable-machine-default' } };
  }
  const p = raw.preprocessing;
  if (!isObject(p) || typeof p.scale !== 'number' || !Number.isFinite(p.scale) || typeof p.offset !== 'number' || !Number.isFinite(p.offset)) {
    return fail('"preprocessing" must have finite numeric "scale" and "offset"');
  }
  const resize = p.resize === undefined ? 'center-crop' : p.resize;
  if (resize !== 'center-crop' && resize !== 'stretch') return fail('"preprocessing.resize" must be "center-crop" or "stretch"');
  return {
    ok: true,
    value: { name, labels: [...labels], imageSize, preprocessing: { scale: p.scale, offset: p.offset, resize }, preprocessingFrom: 'metadata' },
  };
}
