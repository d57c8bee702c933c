// Staging memory for tensors built from JS arrays in the training loop. A fresh multi-megabyte
// Float32Array costs about 4 ms per MB in Chromium (page faults on first touch, unmapping when
// collected), more than the work done in it: a batch of 16 images at 224 px took 30-55 ms fresh
// against 2 ms in a reused array. The wasm backend copies an array into its heap when a tensor is
// made from it, so there the array can be reused; cpu, webgl and webgpu keep the array itself as
// the tensor's data, so there each call gets a fresh one.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

let scratch = new Float32Array(0);

const copiesOnWrite = () => tf.getBackend() === 'wasm';

/**
 * A Float32Array of `length` to fill completely and then pass straight to `tf.tensor`, before
 * anything else asks for one: on wasm it is the same memory every call (its old contents still
 * there), elsewhere a fresh zeroed array.
 */
export function tensorStaging(length: number): Float32Array {
  if (!copiesOnWrite()) return new Float32Array(length);
  if (scratch.length < length) scratch = new Float32Array(Math.max(length, Math.ceil(scratch.length * 1.5)));
  return scratch.subarray(0, length);
}

/**
 * Copies a float32 tensor's values into `dst` at `offset`. On wasm straight from the backend's heap
 * (`data()` would first copy them into a fresh array); elsewhere through `data()`.
 */
export async function readInto(t: tf.Tensor, dst: Float32Array, offset: number): Promise<void> {
  if (t.dtype !== 'float32') throw new Error(`readInto expects float32, got ${t.dtype}`);
  if (copiesOnWrite()) {
    dst.set((tf.backend() as BackendWasm).typedArrayFromHeap(t) as Float32Array, offset);
    return;
  }
  dst.set((await t.data()) as Float32Array, offset);
}
