// TEMPORARY cross-backend check (deleted after use).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { it } from 'vitest';

it('wasm vs cpu nearest + outputShape', async () => {
  for (const [h, w] of [[1, 6], [3, 5]]) {
    const data = Array.from({ length: 2 * h * w }, (_, i) => i);
    for (const shift of [2, -2, 7, 0.5]) {
      const row = [1, 0, -shift + 1, 0, 1, -shift / 2, 0, 0];
      const res: string[] = [];
      for (const b of ['cpu', 'wasm']) {
        await tf.setBackend(b);
        res.push(tf.tidy(() => Array.from(tf.image.transform(tf.tensor4d(data, [2, h, w, 1]).slice([1], [1]) as tf.Tensor4D, tf.tensor2d([row]), 'bilinear', 'nearest', 0, [Math.max(1, h - 1), w - 2]).dataSync()).join(',')));
      }
      console.log(`${h}x${w} shift ${shift}\n cpu  ${res[0]}\n wasm ${res[1]}`);
    }
  }
});
