// Which views test-time augmentation averages over (src/core/train/tta.ts), without tfjs, so the
// page can describe them without loading TensorFlow.js.

/** Side of each crop as a fraction of the image side. */
export const TTA_CROP = 0.9;
export const TTA_VIEW_NAMES = ['original', 'mirror', 'top-left 90%', 'top-right 90%', 'bottom-left 90%', 'bottom-right 90%', 'centre 90%'] as const;
export const TTA_VIEWS = TTA_VIEW_NAMES.length;
/** One sentence for the page and the export. */
export const TTA_DESCRIPTION = 'the average of the class probabilities over 7 views: the image, its mirror image, and 90% crops at the four corners and the centre';

/** Normalised [y1, x1, y2, x2] boxes of the five crops (tf.image.cropAndResize coordinates). */
export function cropBoxes(fraction = TTA_CROP): [number, number, number, number][] {
  const f = fraction;
  const m = (1 - f) / 2;
  return [
    [0, 0, f, f],
    [0, 1 - f, f, 1],
    [1 - f, 0, 1, f],
    [1 - f, 1 - f, 1, 1],
    [m, m, 1 - m, 1 - m],
  ];
}

