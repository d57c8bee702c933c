// Augmentation's geometry and colour as one pass on wasm. Stock tfjs-backend-wasm 4.22 runs the
// chain as a mirror pad, a Transform (per channel: the coordinates again, bounds checks on every
// read) and eight broadcasting element-wise kernels for brightness, contrast and the colour matrix:
// about 100 ms for 16 views of 224 px, most of a fine-tune run's preparation after the backbone
// prefix. Here each output pixel computes its source coordinates once, reads the mirrored source
// through index tables (no padded copy), and the colour step is one 3×3 affine map per image.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type TensorInfo, type KernelFunc, f32, assertFloat32, assertShape } from './shared';

/** Name of the fused kernel (registered for wasm only; see augment-ops.ts for its contract). */
export const AUGMENT_AFFINE_KERNEL = 'FinetuneStudioAugmentAffine';

/** Column of a source of length `len` for padded index j (symmetric mirror, `pad` on each side). */
function mirrorTable(len: number, pad: number): Int32Array {
  const t = new Int32Array(len + 2 * pad);
  for (let j = 0; j < t.length; j++) {
    const k = j - pad;
    t[j] = k < 0 ? -k - 1 : k >= len ? 2 * len - 1 - k : k;
  }
  return t;
}

/**
 * inputs: x [N,H,W,3] in [0,1]; transforms [N,8] (tf.image.transform's output→input rows in the
 * coordinates of x mirror-padded by attrs.padH/padW, last two 0); colour [N,11] per image:
 * brightness δ, contrast factor f, then the colour matrix M row-major. Output [N,H,W,3]:
 * clip(M·((t − m)·f + m + δ), 0, 1), t the bilinear sample with clamped coordinates and m its
 * per-channel mean (the same as pad, transform 'nearest', brightness, contrast, colour, clip).
 */
export const augmentAffine: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as BackendWasm;
  const { x, transforms, colour } = inputs as { x: TensorInfo; transforms: TensorInfo; colour: TensorInfo };
  assertFloat32(AUGMENT_AFFINE_KERNEL, x, transforms, colour);
  const [n, h, w, c] = x.shape;
  if (c !== 3) throw new Error(`${AUGMENT_AFFINE_KERNEL} (wasm): expects RGB images [N,H,W,3], got [${x.shape}]`);
  assertShape(AUGMENT_AFFINE_KERNEL, 'transforms', transforms.shape, [n, 8]);
  assertShape(AUGMENT_AFFINE_KERNEL, 'colour', colour.shape, [n, 11]);
  const padH = Number(attrs?.padH ?? 0);
  const padW = Number(attrs?.padW ?? 0);
  const rowOf = mirrorTable(h, padH);
  const colOf = mirrorTable(w, padW);
  const maxX = w + 2 * padW - 1;
  const maxY = h + 2 * padH - 1;
  const out = backend.makeOutput([n, h, w, 3], 'float32');
  // Views after the allocation: growing the heap detaches earlier ones.
  const src = f32(backend, x);
  const dst = f32(backend, out);
  const rows = f32(backend, transforms);
  const col = f32(backend, colour);
  const plane = h * w * 3;
  for (let i = 0; i < n; i++) {
    const t = i * 8;
    const a00 = rows[t], a01 = rows[t + 1], bx = rows[t + 2], a10 = rows[t + 3], a11 = rows[t + 4], by = rows[t + 5];
    if (rows[t + 6] !== 0 || rows[t + 7] !== 0) throw new Error(`${AUGMENT_AFFINE_KERNEL} (wasm): projective rows are not supported`);
    const base = i * plane;
    let s0 = 0, s1 = 0, s2 = 0;
    let o = base;
    for (let oy = 0; oy < h; oy++) {
      const rx = a01 * oy + bx;
      const ry = a11 * oy + by;
      for (let ox = 0; ox < w; ox++, o += 3) {
        let ix = a00 * ox + rx;
        let iy = a10 * ox + ry;
        ix = ix < 0 ? 0 : ix > maxX ? maxX : ix;
        iy = iy < 0 ? 0 : iy > maxY ? maxY : iy;
        const x0 = Math.floor(ix);
        const y0 = Math.floor(iy);
        const fx = ix - x0;
        const fy = iy - y0;
        const c0 = colOf[x0] * 3;
        const c1 = colOf[x0 < maxX ? x0 + 1 : x0] * 3;
        const r0 = base + rowOf[y0] * w * 3;
        const r1 = base + rowOf[y0 < maxY ? y0 + 1 : y0] * w * 3;
        const gx = 1 - fx;
        const gy = 1 - fy;
        const p = r0 + c0, q = r0 + c1, r = r1 + c0, s = r1 + c1;
        const v0 = gy * (gx * src[p] + fx * src[q]) + fy * (gx * src[r] + fx * src[s]);
        const v1 = gy * (gx * src[p + 1] + fx * src[q + 1]) + fy * (gx * src[r + 1] + fx * src[s + 1]);
        const v2 = gy * (gx * src[p + 2] + fx * src[q + 2]) + fy * (gx * src[r + 2] + fx * src[s + 2]);
        dst[o] = v0;
        dst[o + 1] = v1;
        dst[o + 2] = v2;
        s0 += v0;
        s1 += v1;
        s2 += v2;
      }
    }
    // y = f·M·t + M·((1 − f)·m + δ), then clipped.
    const k = i * 11;
    const delta = col[k];
    const f = col[k + 1];
    const m00 = col[k + 2], m01 = col[k + 3], m02 = col[k + 4];
    const m10 = col[k + 5], m11 = col[k + 6], m12 = col[k + 7];
    const m20 = col[k + 8], m21 = col[k + 9], m22 = col[k + 10];
    const px = h * w;
    const u0 = (1 - f) * (s0 / px) + delta;
    const u1 = (1 - f) * (s1 / px) + delta;
    const u2 = (1 - f) * (s2 / px) + delta;
    const b0 = m00 * u0 + m01 * u1 + m02 * u2;
    const b1 = m10 * u0 + m11 * u1 + m12 * u2;
    const b2 = m20 * u0 + m21 * u1 + m22 * u2;
    const A00 = f * m00, A01 = f * m01, A02 = f * m02;
    const A10 = f * m10, A11 = f * m11, A12 = f * m12;
    const A20 = f * m20, A21 = f * m21, A22 = f * m22;
    for (let j = base, end = base + plane; j < end; j += 3) {
      const t0 = dst[j], t1 = dst[j + 1], t2 = dst[j + 2];
      const y0 = A00 * t0 + A01 * t1 + A02 * t2 + b0;
      const y1 = A10 * t0 + A11 * t1 + A12 * t2 + b1;
      const y2 = A20 * t0 + A21 * t1 + A22 * t2 + b2;
      dst[j] = y0 < 0 ? 0 : y0 > 1 ? 1 : y0;
      dst[j + 1] = y1 < 0 ? 0 : y1 > 1 ? 1 : y1;
      dst[j + 2] = y2 < 0 ? 0 : y2 > 1 ? 1 : y2;
    }
  }
  return out;
};
