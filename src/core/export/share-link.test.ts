// Share links: round trip within the int8 error bound, link lengths for typical heads (printed for
// the docs), and rejection — never a throw — of damaged or hostile links, each with its reason.
import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { createRng } from '../train/rng';
import { encodeBase64Url } from './base64url';
import { crc32 } from './crc32';
import { quantizationError, quantizationErrorBound } from './quantize';
import { decodeShareLink, encodeShareLink, shareLinkLength, type ShareModel } from './share-link';

const PRE = { scale: 1 / 127.5, offset: -1, resize: 'center-crop' as const };

/** A MobileNetV2 (featureDim 1280) head: Glorot kernels (uniform, or normal with the same variance), small non-zero biases. */
function model(k: number, hidden: number, seed = 1, dist: 'uniform' | 'normal' = 'uniform'): ShareModel {
  const rng = createRng(seed);
  const dims = hidden > 0 ? [1280, hidden, k] : [1280, k];
  const layers = dims.slice(1).map((units, i) => ({ units, activation: i < dims.length - 2 ? ('relu' as const) : ('linear' as const), useBias: true }));
  const weights: Float32Array[] = [];
  for (let i = 1; i < dims.length; i++) {
    const lim = Math.sqrt(6 / (dims[i - 1] + dims[i]));
    weights.push(Float32Array.from({ length: dims[i - 1] * dims[i] }, () => (dist === 'uniform' ? rng.uniform(-lim, lim) : (rng.normal() * lim) / Math.sqrt(3))));
    weights.push(Float32Array.from({ length: dims[i] }, () => rng.normal() * 0.05));
  }
  const labels = Array.from({ length: k }, (_, i) => `class ${i + 1}`);
  return { v: 1, backbone: 'mobilenet-v2-0.35', labels, name: 'My model', preprocessing: PRE, head: { layers, weights } };
}

describe('share link round trip', () => {
  it('restores metadata exactly and weights within max|w|/254 per tensor', () => {
    const m = model(3, 100);
    m.labels = ['cat', 'dög 🐕', '<b>&"\'</b>'];
    const r = decodeShareLink(encodeShareLink(m));
    if (!r.ok) throw new Error(r.reason);
    expect({ ...r.model, head: { ...r.model.head, weights: [] } }).toEqual({ ...m, head: { ...m.head, weights: [] } });
    expect(r.model.labels[2]).toBe('<b>&"\'</b>'); // kept verbatim: escaping is the renderer's job
    expect(r.model.head.weights.map((w) => w.length)).toEqual([128_000, 100, 300, 3]);
    m.head.weights.forEach((w, t) => {
      const bound = quantizationErrorBound(w) * (1 + 1e-6);
      r.model.head.weights[t].forEach((v, i) => expect(Math.abs(v - w[i])).toBeLessThanOrEqual(bound));
    });
  });

  it('carries the training size and the test-time augmentation choice, and refuses bad ones', () => {
    const m = { ...model(2, 0), trainingSize: 256, tta: true };
    const r = decodeShareLink(encodeShareLink(m));
    if (!r.ok) throw new Error(r.reason);
    expect(r.model.trainingSize).toBe(256);
    expect(r.model.tta).toBe(true);
    const plain = decodeShareLink(encodeShareLink(model(2, 0)));
    if (!plain.ok) throw new Error(plain.reason);
    expect(plain.model.trainingSize).toBeUndefined();
    expect(plain.model.tta).toBeUndefined();
    expect(() => encodeShareLink({ ...model(2, 0), trainingSize: 3 })).toThrow(/trainingSize must be an integer from 16 to 4096/);
    expect(() => encodeShareLink({ ...model(2, 0), tta: 'yes' as unknown as boolean })).toThrow(/tta must be true or false/);
  });

  it('keeps zero tensors exact and supports bias-free layers', () => {
    const m = model(2, 0);
    m.head.layers[0].useBias = false;
    m.head.weights = [m.head.weights[0]];
    m.head.weights[0].fill(0, 0, 100);
    const r = decodeShareLink(encodeShareLink(m));
    expect(r.ok && r.model.head.weights.length).toBe(1);
    expect(r.ok && Array.from(r.model.head.weights[0].subarray(0, 100)).every((v) => v === 0)).toBe(true);
  });

  it('prints link lengths for MobileNetV2 (featureDim 1280) heads', () => {
    const lines: string[] = [];
    let worst = 0;
    for (const k of [3, 10]) {
      for (const hidden of [0, 100]) {
        const lens = (['uniform', 'normal'] as const).map((dist) => {
          const m = model(k, hidden, k + hidden, dist);
          worst = Math.max(worst, ...m.head.weights.map(quantizationError));
          return shareLinkLength(m);
        });
        lines.push(`share link, ${hidden ? `1280→${hidden}→${k}` : `1280→${k}`} head, ${k} classes: ${lens[0]} characters (Glorot-uniform weights), ${lens[1]} (Gaussian weights)`);
      }
    }
    lines.push(`max int8 reconstruction error over these heads: ${worst.toExponential(3)}`);
    console.log(lines.join('\n'));
  });

  it('refuses to encode a model that could not be decoded', () => {
    const m = model(3, 0);
    expect(shareLinkLength(m)).toBe(encodeShareLink(m).length);
    expect(() => encodeShareLink({ ...model(3, 0), backbone: 'my-upload' })).toThrow(/unknown backbone/);
    const wrongDim = model(3, 0);
    wrongDim.head.weights[0] = new Float32Array(1024 * 3);
    expect(() => encodeShareLink(wrongDim)).toThrow(/featureDim 1280/);
    const nan = model(3, 0);
    nan.head.weights[1][0] = NaN;
    expect(() => encodeShareLink(nan)).toThrow(/finite/);
  });
});

// ---- hostile input ---------------------------------------------------------------------------

/** A raw payload: u32 CRC-32, u32 JSON length, JSON, then the given tensor records. */
function pack(meta: unknown, tensors: Array<{ count: number; scale: number; n?: number }>, opts: { jsonLength?: number; rawJson?: Uint8Array; crc?: number } = {}): string {
  const json = opts.rawJson ?? new TextEncoder().encode(typeof meta === 'string' ? meta : JSON.stringify(meta));
  const size = 8 + json.length + tensors.reduce((a, t) => a + 8 + (t.n ?? t.count), 0);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  view.setUint32(4, opts.jsonLength ?? json.length, true);
  buf.set(json, 8);
  let o = 8 + json.length;
  for (const t of tensors) {
    view.setUint32(o, t.count, true);
    view.setFloat32(o + 4, t.scale, true);
    o += 8 + (t.n ?? t.count);
  }
  view.setUint32(0, opts.crc ?? crc32(buf.subarray(4)), true);
  return encodeBase64Url(deflateSync(buf));
}

/** A valid 1280→2 (with bias) metadata object. */
const meta = (patch: Record<string, unknown> = {}) => ({
  v: 1,
  backbone: 'mobilenet-v2-1.00',
  labels: ['a', 'b'],
  name: 'x',
  preprocessing: PRE,
  head: { layers: [{ units: 2, activation: 'linear', useBias: true }] },
  ...patch,
});
const okTensors = [{ count: 2560, scale: 0.01 }, { count: 2, scale: 0.01 }];

function rejects(link: string, pattern: RegExp, limits = {}) {
  let r: ReturnType<typeof decodeShareLink> | undefined;
  expect(() => (r = decodeShareLink(link, limits))).not.toThrow();
  expect(r!.ok).toBe(false);
  if (!r!.ok) expect(r!.reason).toMatch(pattern);
}

describe('decodeShareLink rejects hostile input', () => {
  it('accepts the hand-built baseline', () => {
    const r = decodeShareLink(pack(meta(), okTensors));
    expect(r.ok && r.model.head.weights.map((w) => w.length)).toEqual([2560, 2]);
  });

  it('bad base64url, bad or truncated deflate, over-long links', () => {
    rejects('', /empty/);
    rejects(42 as unknown as string, /empty or not text/);
    rejects('abc$def', /base64url/);
    rejects('YQ==', /base64url/);
    rejects('A', /base64url/);
    rejects(encodeBase64Url(new Uint8Array([0xff, 0xff, 0xff, 0xff])), /deflate/);
    const good = encodeShareLink(model(3, 0));
    rejects(good.slice(0, Math.floor(good.length / 2)), /damaged/);
    rejects('A'.repeat(8_000_000), /too long/);
  });

  it('stops inflating at the size cap (deflate bomb)', () => {
    const bomb = encodeBase64Url(deflateSync(new Uint8Array(20 * 1024 * 1024), { level: 9 }));
    expect(bomb.length).toBeLessThan(40_000);
    rejects(bomb, /expands to more than 5242880 bytes/);
    const small = pack(meta(), okTensors); // inflates to ~2.7 kB
    expect(small.length).toBeLessThan(1000);
    rejects(small, /expands to more than 1000 bytes/, { maxDecompressedBytes: 1000 });
  });

  it('bad metadata framing and JSON', () => {
    rejects(encodeBase64Url(deflateSync(new Uint8Array([1, 0, 0, 0, 0]))), /too short/);
    rejects(pack(meta(), okTensors, { crc: 12345 }), /checksum/);
    rejects(pack(meta(), okTensors, { jsonLength: 1e9 }), /metadata length/);
    rejects(pack('{"v": 1, ', []), /not valid JSON/);
    rejects(pack(null, [], { rawJson: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), /not valid JSON/);
    rejects(pack([1, 2], []), /not a JSON object/);
  });

  it('wrong version and unknown backbone', () => {
    rejects(pack(meta({ v: 2 }), okTensors), /version 2/);
    rejects(pack(meta({ v: undefined }), okTensors), /version undefined/);
    rejects(pack(meta({ backbone: 'resnet-50' }), okTensors), /unknown backbone "resnet-50"/);
    rejects(pack(meta({ backbone: '__proto__' }), okTensors), /unknown backbone/);
    rejects(pack(meta({ backbone: 7 }), okTensors), /backbone id/);
  });

  it('labels that are not a bounded array of short strings', () => {
    rejects(pack(meta({ labels: 'a,b' }), okTensors), /array of strings/);
    rejects(pack(meta({ labels: ['a', 3] }), okTensors), /array of strings/);
    rejects(pack(meta({ labels: ['a', { toString: 'x' }] }), okTensors), /array of strings/);
    rejects(pack(meta({ labels: ['a', 'b'.repeat(101)] }), okTensors), /label 2 is longer than 100/);
    rejects(pack(meta({ labels: [] }), okTensors), /0 classes/);
    const many = Array.from({ length: 1001 }, (_, i) => `c${i}`);
    rejects(pack(meta({ labels: many, head: { layers: [{ units: 1001, activation: 'linear', useBias: false }] } }), [{ count: 1280 * 1001, scale: 1 }]), /1001 classes/);
    rejects(pack(meta({ name: 'n'.repeat(201) }), okTensors), /name/);
    rejects(pack(meta({ name: null }), okTensors), /name/);
  });

  it('bad preprocessing', () => {
    rejects(pack(meta({ preprocessing: { ...PRE, scale: '1' } }), okTensors), /preprocessing/);
    rejects(pack(meta({ preprocessing: { scale: 1, offset: 0, resize: 'zoom' } }), okTensors), /resize/);
    rejects(pack(meta({ preprocessing: null }), okTensors), /preprocessing/);
  });

  it('layers that are malformed or do not chain', () => {
    const layer = (l: Record<string, unknown>) => meta({ head: { layers: [{ units: 2, activation: 'linear', useBias: true, ...l }] } });
    rejects(pack(meta({ head: {} }), okTensors), /head.layers/);
    rejects(pack(meta({ head: { layers: [] } }), []), /0 layers/);
    rejects(pack(layer({ units: 0 }), okTensors), /units must be an integer from 1 to 4096/);
    rejects(pack(layer({ units: 4097 }), okTensors), /units/);
    rejects(pack(layer({ units: 2.5 }), okTensors), /units/);
    rejects(pack(layer({ units: '2' }), okTensors), /units/);
    rejects(pack(layer({ activation: 'eval' }), okTensors), /activation "eval"/);
    rejects(pack(layer({ useBias: 'yes' }), okTensors), /useBias/);
    rejects(pack(layer({ units: 3 }), okTensors), /outputs 3 values but there are 2 labels/);
    const deep = Array.from({ length: 9 }, () => ({ units: 2, activation: 'relu', useBias: false }));
    rejects(pack(meta({ head: { layers: deep } }), []), /9 layers/);
    const wide = [{ units: 1600, activation: 'relu', useBias: false }, { units: 2, activation: 'linear', useBias: false }];
    rejects(pack(meta({ head: { layers: wide } }), []), /more than 2000000 weights/);
  });

  it('weight bytes that do not match the shapes', () => {
    rejects(pack(meta(), [{ count: 2560, scale: 0.01 }]), /weights: 2568 bytes, the layers need 2578/);
    rejects(pack(meta(), [...okTensors, { count: 1, scale: 1 }]), /the layers need 2578/);
    // same total, wrong split: a head built for a 1279-wide backbone plus a 3-value bias
    rejects(pack(meta(), [{ count: 2559, scale: 0.01 }, { count: 3, scale: 0.01 }]), /tensor 1 has 2559 values, shape \[1280×2\] needs 2560/);
  });

  it('non-finite or negative scales', () => {
    rejects(pack(meta(), [{ count: 2560, scale: NaN }, okTensors[1]]), /tensor 1 has an invalid scale \(NaN\)/);
    rejects(pack(meta(), [okTensors[0], { count: 2, scale: Infinity }]), /tensor 2 has an invalid scale/);
    rejects(pack(meta(), [okTensors[0], { count: 2, scale: -1 }]), /invalid scale/);
  });

  it('never throws on random corruption of a valid link', () => {
    const good = encodeShareLink(model(3, 0));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const rng = createRng(99);
    const original = decodeShareLink(good);
    let rejected = 0;
    for (let t = 0; t < 150; t++) {
      const chars = good.split('');
      for (let j = 0; j < 1 + rng.int(4); j++) chars[rng.int(chars.length)] = alphabet[rng.int(64)];
      const r = decodeShareLink(chars.join(''));
      if (r.ok) expect(r).toEqual(original); // only edits that change no byte (e.g. unused final bits) get through
      else {
        rejected++;
        expect(r.reason).toMatch(/damaged/);
      }
    }
    expect(rejected).toBeGreaterThan(140);
  });
});
