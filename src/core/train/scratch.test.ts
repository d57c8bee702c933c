import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { readInto, tensorStaging } from './scratch';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('tensor staging memory', () => {
  it.each(['cpu', 'wasm'])('%s: tensors made from staging keep their own values', async (backend) => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const a = tensorStaging(6);
    a.set([1, 2, 3, 4, 5, 6]);
    const ta = tf.tensor(a, [2, 3]);
    const b = tensorStaging(4);
    b.set([9, 9, 9, 9]);
    const tb = tf.tensor(b, [4]);
    expect(Array.from(await ta.data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(await tb.data())).toEqual([9, 9, 9, 9]);
    // Reused only where the backend copies: wasm hands back the same memory.
    expect(tensorStaging(4).buffer === b.buffer).toBe(backend === 'wasm');
    const dst = new Float32Array(10);
    await readInto(ta, dst, 2);
    await readInto(tb, dst, 6);
    expect(Array.from(dst)).toEqual([0, 0, 1, 2, 3, 4, 9, 9, 9, 9]);
    const ints = tf.tensor([1], [1], 'int32');
    await expect(readInto(ints, dst, 0)).rejects.toThrow('expects float32');
    for (const t of [ta, tb, ints]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
