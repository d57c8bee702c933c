// Test-time augmentation, defined once for evaluation, Try it and the demo page: a model's
// softmax averaged over 7 views of each image: the image itself, its horizontal mirror, and five
// crops of 90% of each side (the four corners and the centre), each resized back to the input
// size with bilinear sampling (tf.image.cropAndResize). Pure tfjs, no DOM.
import * as tf from '@tensorflow/tfjs';
import { cropBoxes, TTA_VIEWS } from './tta-views';

export { cropBoxes, TTA_CROP, TTA_DESCRIPTION, TTA_VIEW_NAMES, TTA_VIEWS } from './tta-views';

/**
 * [batch, h, w, c] → [7 × batch, h, w, c] float32, view-major: rows v·batch … v·batch + batch − 1
 * hold view v (TTA_VIEW_NAMES order) of every image. The input is not disposed.
 */
export function ttaViews(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, h, w] = images.shape;
    const x = images.toFloat();
    const views: tf.Tensor4D[] = [x, tf.image.flipLeftRight(x)];
    for (const box of cropBoxes()) {
      const boxes = tf.tensor2d(Array.from({ length: batch }, () => box), [batch, 4]);
      views.push(tf.image.cropAndResize(x, boxes, tf.range(0, batch, 1, 'int32') as tf.Tensor1D, [h, w], 'bilinear'));
      boxes.dispose();
    }
    return tf.concat(views, 0) as tf.Tensor4D;
  });
}

/** [7 × batch, classes] view-major probabilities → [batch, classes], the mean over views. */
export function ttaMean(probs: tf.Tensor2D, batch: number): tf.Tensor2D {
  return tf.tidy(() => {
    const classes = probs.shape[1];
    if (probs.shape[0] !== TTA_VIEWS * batch) throw new Error(`expected ${TTA_VIEWS * batch} rows of views, got ${probs.shape[0]}`);
    return probs.reshape([TTA_VIEWS, batch, classes]).mean(0) as tf.Tensor2D;
  });
}

/**
 * Softmax probabilities [batch, classes] for images [batch, h, w, c], averaged over the views
 * when `tta` is on. `probsOf` maps images to probabilities (it may return a new tensor; it is
 * disposed here). Runs inside one tidy: no tensor outlives the call but the result.
 */
export function predictProbabilities(images: tf.Tensor4D, probsOf: (x: tf.Tensor4D) => tf.Tensor2D, tta: boolean): tf.Tensor2D {
  return tf.tidy(() => (tta ? ttaMean(probsOf(ttaViews(images)), images.shape[0]) : probsOf(images)));
}
