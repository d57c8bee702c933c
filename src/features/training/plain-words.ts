// Plain words for the Train screen: what each backbone means for a user (size, speed, offline)
// and one sentence on what a run with the current settings will do. No React, so Node tests it.
import type { BackboneSpec } from '../../core/backbones/catalog';
import type { RunConfig } from '../../core/train/run-config';

const TITLES: Record<string, string> = {
  'mobilenet-v2-0.35': 'Small and fast',
  'mobilenet-v2-0.50': 'Small, a little more accurate',
  'mobilenet-v2-0.75': 'Medium',
  'mobilenet-v2-1.00': 'Larger, more accurate',
  'mobilenet-v1-0.25': 'Tiny (older design)',
  'mobilenet-v1-0.50': 'Small (older design)',
  'mobilenet-v1-0.75': 'Medium (older design)',
  'mobilenet-v1-1.00': 'Large (older design)',
  'mobilenet-v3-small-100': 'Newer, small (cannot be fine-tuned)',
  'mobilenet-v3-large-100': 'Newer, large (cannot be fine-tuned)',
};

/** "Small and fast" for a catalog model, "Your own model (host)" for a custom one. */
export function backboneTitle(spec: Pick<BackboneSpec, 'id' | 'name' | 'family'>): string {
  if (spec.family === 'custom') return spec.name.replace(/^Custom model/, 'Your own model');
  return TITLES[spec.id] ?? spec.name;
}

function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(bytes >= 1e7 ? 0 : 1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** "6.1 MB download, then works offline" (or "stored here, works offline" when cached). */
export function backboneNote(spec: Pick<BackboneSpec, 'downloadBytes' | 'family'>, stored: boolean): string {
  if (stored) return 'stored in this browser, works offline';
  if (spec.family === 'custom' || !spec.downloadBytes) return 'downloaded once, then works offline';
  return `${mb(spec.downloadBytes)} download, then works offline`;
}

export interface PlanInput {
  config: Pick<RunConfig, 'mode' | 'epochs' | 'finetune' | 'trainableBlocks' | 'valFraction' | 'augmentEnabled' | 'earlyStopping'>;
  backbone: Pick<BackboneSpec, 'id' | 'name' | 'family'>;
  classes: number;
  images: number;
  /** Images the user marked for validation (they replace the random share). */
  markedVal: number;
}

/** One or two sentences on what Start will do with these settings, for someone who is not an ML engineer. */
export function planSentence(p: PlanInput): string {
  const c = p.config;
  const what =
    c.mode === 'finetune'
      ? `it teaches a last layer first, then adjusts the model’s last ${c.trainableBlocks} blocks too (slower, can be more accurate)`
      : 'it keeps that model as it is and teaches only a last layer on top (fast)';
  const held = p.markedVal > 0 ? `the ${p.markedVal} images you marked for checking` : `${Math.round(c.valFraction * 100)}% of each class`;
  const rounds = c.mode === 'finetune' ? c.epochs + c.finetune.epochs : c.epochs;
  const stop = c.earlyStopping.enabled ? `up to ${rounds} passes, stopping when it no longer improves` : `${rounds} passes over the images`;
  return `Builds on the “${backboneTitle(p.backbone)}” pretrained model: ${what}. It learns from your ${p.images} images in ${p.classes} classes, keeping ${held} aside to check it, in ${stop}${c.augmentEnabled ? ', with varied copies of each photo' : ''}.`;
}
