// The augmentation settings and their mild defaults, kept free of tfjs so the page can import
// them without pulling TensorFlow.js into the main bundle.

/**
 * Strengths of each augmentation; absent or 0 = off. Images are floats in [0, 1] (RGB, NHWC),
 * before any model-specific normalisation.
 */
export interface AugmentConfig {
  /** Mirror left↔right with probability ½. */
  flipH?: boolean;
  /** Mirror top↔bottom with probability ½. */
  flipV?: boolean;
  /** Max rotation in degrees: angle ~ U(−rotate, rotate). */
  rotate?: number;
  /** Random resized crop: max fraction of the area cropped away (area kept ~ U(1−zoom, 1), aspect jitter up to ×(1+zoom)), then resized back. */
  zoom?: number;
  /** Max shift as a fraction of width/height: ~ U(−translate, translate) per axis. */
  translate?: number;
  /** Max additive brightness change: δ ~ U(−brightness, brightness). */
  brightness?: number;
  /** Contrast factor ~ U(1−contrast, 1+contrast) around each image's channel means. */
  contrast?: number;
  /** Saturation factor ~ U(1−saturation, 1+saturation). */
  saturation?: number;
  /** Max hue rotation as a fraction of the colour wheel (0.5 = 180°). */
  hue?: number;
  /** Max gaussian noise std: per-image std ~ U(0, noise). */
  noise?: number;
  /** Max blur sigma in pixels: per-image sigma ~ U(0, blur). */
  blur?: number;
  /** Max side of the erased square as a fraction of each side: ~ U(cutout/2, cutout), filled grey. */
  cutout?: number;
}

/** Mild defaults suitable for most photo datasets. */
export const AUGMENT_DEFAULTS: Readonly<AugmentConfig> = Object.freeze({
  flipH: true,
  rotate: 10,
  zoom: 0.15,
  translate: 0.05,
  brightness: 0.1,
  contrast: 0.1,
  saturation: 0.1,
});

