// Dataset health checks shown before training: too few classes, too few images per class and
// class imbalance, with messages written for people rather than for developers.

export interface ClassCount {
  id: string;
  name: string;
  count: number;
}

export type DatasetWarningCode = 'few-classes' | 'small-class' | 'imbalance' | 'empty-class';

export interface DatasetWarning {
  /** 'error' blocks training; 'warning' is advice. */
  level: 'warning' | 'error';
  code: DatasetWarningCode;
  message: string;
  classIds: string[];
}

export interface DatasetSummary {
  classes: number;
  images: number;
  /** Smallest / largest class size over all classes (0 when there are none). */
  minCount: number;
  maxCount: number;
  /** Largest class divided by the smallest non-empty class; 1 when fewer than two classes have images. */
  ratio: number;
}

export const MIN_CLASSES = 2;
export const MIN_IMAGES_PER_CLASS = 5;
export const MAX_IMBALANCE_RATIO = 3;

const images = (n: number) => `${n} ${n === 1 ? 'image' : 'images'}`;

export function datasetSummary(classes: ClassCount[]): DatasetSummary {
  const counts = classes.map((c) => c.count);
  const nonEmpty = counts.filter((n) => n > 0);
  const maxCount = counts.length ? Math.max(...counts) : 0;
  return {
    classes: classes.length,
    images: counts.reduce((a, b) => a + b, 0),
    minCount: counts.length ? Math.min(...counts) : 0,
    maxCount,
    ratio: nonEmpty.length >= 2 ? maxCount / Math.min(...nonEmpty) : 1,
  };
}

/**
 * Errors: fewer than 2 classes (or fewer than 2 with images), and empty classes.
 * Warnings: classes with fewer than 5 images, and the largest class having more than 3x the
 * images of the smallest non-empty one.
 */
export function datasetWarnings(classes: ClassCount[]): DatasetWarning[] {
  const out: DatasetWarning[] = [];
  const nonEmpty = classes.filter((c) => c.count > 0);
  if (classes.length < MIN_CLASSES) {
    out.push({
      level: 'error',
      code: 'few-classes',
      message: `Add at least ${MIN_CLASSES} classes to train a classifier`,
      classIds: classes.map((c) => c.id),
    });
  } else if (nonEmpty.length < MIN_CLASSES) {
    out.push({
      level: 'error',
      code: 'few-classes',
      message: `At least ${MIN_CLASSES} classes need images to train a classifier`,
      classIds: classes.map((c) => c.id),
    });
  }
  for (const c of classes) {
    if (c.count <= 0) {
      out.push({
        level: 'error',
        code: 'empty-class',
        message: `"${c.name}" has no images; add at least ${MIN_IMAGES_PER_CLASS} or remove the class`,
        classIds: [c.id],
      });
    } else if (c.count < MIN_IMAGES_PER_CLASS) {
      out.push({
        level: 'warning',
        code: 'small-class',
        message: `"${c.name}" has ${images(c.count)}; add at least ${MIN_IMAGES_PER_CLASS}`,
        classIds: [c.id],
      });
    }
  }
  if (nonEmpty.length >= 2) {
    const largest = nonEmpty.reduce((a, b) => (b.count > a.count ? b : a));
    const smallest = nonEmpty.reduce((a, b) => (b.count < a.count ? b : a));
    const ratio = largest.count / smallest.count;
    if (ratio > MAX_IMBALANCE_RATIO) {
      out.push({
        level: 'warning',
        code: 'imbalance',
        message:
          `Classes are out of balance: "${largest.name}" has ${images(largest.count)}, ` +
          `"${smallest.name}" has ${smallest.count} (${ratio.toFixed(1)}:1). ` +
          'Add images to smaller classes or enable class balancing when training',
        classIds: [largest.id, smallest.id],
      });
    }
  }
  return out;
}
