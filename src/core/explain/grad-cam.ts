// Grad-CAM (Selvaraju et al. 2017) for a layers-model backbone cut at its last feature map plus the
// studio head: which regions of the image pushed the chosen class's logit up.
import * as tf from '@tensorflow/tfjs';
import { applyBackbone } from '../backbones/layers';

export interface GradCamResult {
  /** Row-major [height × width] map in [0, 1] at the feature-map resolution (all zeros when nothing is positive). */
  heatmap: Float32Array;
  width: number;
  height: number;
  /** The class explained: the one asked for, or the predicted one. */
  classIndex: number;
  /** Softmax of the head's logits for this image. */
  probabilities: number[];
}

function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * The target layer is the backbone's output A [1,h,w,C] (the cut layer). Logits are head(GAP(A)),
 * as in training, with the backbone run by applyBackbone (BatchNorm on moving statistics) and the
 * head with training: false (no dropout). The head must output logits (the studio head does).
 * α_c = mean over h,w of ∂logit/∂A_c; cam = ReLU(Σ_c α_c A_c), divided by its maximum.
 * Graph-model backbones (pooled vectors, no feature map) are not supported.
 */
export async function gradCam(
  backbone: tf.LayersModel,
  head: tf.LayersModel,
  image: tf.Tensor4D,
  classIndex: number | null,
): Promise<GradCamResult> {
  if (image.rank !== 4 || image.shape[0] !== 1) throw new Error(`gradCam expects one image [1,S,S,3], got [${image.shape.join(',')}]`);
  const features = tf.tidy(() => applyBackbone(backbone, image));
  try {
    if (features.rank !== 4) {
      throw new Error(`Grad-CAM needs a spatial feature map [1,h,w,C]; the backbone gives [${features.shape.join(',')}]`);
    }
    const [, height, width] = features.shape;
    const logitsOf = (a: tf.Tensor) => head.apply(tf.mean(a, [1, 2]), { training: false }) as tf.Tensor;
    const logitsT = tf.tidy(() => logitsOf(features));
    const logits = await logitsT.data();
    logitsT.dispose();
    const k = logits.length;
    const probabilities = softmax(logits);
    let c = classIndex;
    if (c === null) {
      c = 0;
      for (let i = 1; i < k; i++) if (logits[i] > logits[c]) c = i;
    }
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`classIndex ${c} is not a class of this ${k}-class head`);
    const target = c;
    const camT = tf.tidy(() => {
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.slice(logitsOf(a), [0, target], [1, 1])))(features);
      const alpha = tf.mean(grad, [1, 2], true); // [1,1,1,C]
      return tf.relu(tf.sum(tf.mul(features, alpha), -1)); // [1,h,w]
    });
    const cam = new Float32Array(await camT.data());
    camT.dispose();
    let max = 0;
    for (const v of cam) if (v > max) max = v;
    if (max > 0 && Number.isFinite(max)) for (let i = 0; i < cam.length; i++) cam[i] /= max;
    else cam.fill(0);
    // NaN (from a NaN gradient) would survive the division: show it as "no evidence".
    for (let i = 0; i < cam.length; i++) if (!(cam[i] >= 0)) cam[i] = 0;
    return { heatmap: cam, width, height, classIndex: target, probabilities };
  } finally {
    features.dispose();
  }
}

/**
 * Bilinear resize of a row-major [h × w] map to [outH × outW], half-pixel centres (as
 * tf.image.resizeBilinear with halfPixelCenters: true), edges clamped. Pure JS, for overlays.
 */
export function upsampleHeatmap(heatmap: ArrayLike<number>, w: number, h: number, outW: number, outH: number): Float32Array {
  if (heatmap.length !== w * h) throw new Error(`heatmap has ${heatmap.length} values, not ${w}×${h}`);
  for (const [name, v] of [['w', w], ['h', h], ['outW', outW], ['outH', outH]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  }
  const out = new Float32Array(outW * outH);
  const sx = w / outW;
  const sy = h / outH;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const dy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const dx = fx - x0;
      const top = heatmap[y0 * w + x0] * (1 - dx) + heatmap[y0 * w + x1] * dx;
      const bottom = heatmap[y1 * w + x0] * (1 - dx) + heatmap[y1 * w + x1] * dx;
      out[y * outW + x] = top * (1 - dy) + bottom * dy;
    }
  }
  return out;
}
