// The serverless share link: a frozen-backbone model (catalog backbone id + small head) packed into
// a URL fragment — JSON metadata plus int8 weights, deflated (fflate, level 9) and base64url-encoded.
import { deflateSync, Inflate } from 'fflate';
import { getBackbone } from '../backbones/catalog';
import { decodeBase64Url, encodeBase64Url } from './base64url';
import { crc32 } from './crc32';
import { dequantizeInt8, quantizeInt8 } from './quantize';
import { DEFAULT_SHARE_LINK_LIMITS, validateShareMeta, type ShareLinkLimits, type ShareMeta } from './share-link-validate';
import { errorText } from '../error-text';

export { DEFAULT_SHARE_LINK_LIMITS, SHARE_ACTIVATIONS, type ShareActivation, type ShareHeadLayer, type ShareLinkLimits } from './share-link-validate';

/**
 * A shareable model. Only valid when the backbone was frozen during training (the recipient
 * downloads the stock catalog weights). head.weights: per layer its kernel [in × units] row-major
 * (tfjs Dense layout; `in` is the backbone's featureDim for the first layer), then its bias if useBias.
 * Decoded labels and name are untrusted plain strings, kept verbatim: escaping is the renderer's job.
 */
export interface ShareModel extends ShareMeta {
  head: ShareMeta['head'] & { weights: Float32Array[] };
}

export type ShareLinkDecode = { ok: true; model: ShareModel } | { ok: false; reason: string };

/*
 * Binary layout before deflate (little-endian):
 *   u32 CRC-32 of everything after it; u32 J, then J bytes of UTF-8 JSON (ShareMeta: everything
 *   but the weights); per tensor: u32 value count, f32 scale, count × int8.
 * Input dims are implied (featureDim of the catalog backbone, then each layer's units): a head
 * built for another backbone shows up as a value-count mismatch.
 * Quantisation: symmetric int8 per tensor (see quantize.ts), max error max|w| / 254 per tensor.
 */

/** Packs `model`; throws if it could not be decoded again (unknown backbone, bad shapes, non-finite weights). */
export function encodeShareLink(model: ShareModel): string {
  const meta: ShareMeta = { v: 1, backbone: model.backbone, labels: model.labels, name: model.name, preprocessing: model.preprocessing, head: { layers: model.head.layers }, ...(model.trainingSize !== undefined ? { trainingSize: model.trainingSize } : {}), ...(model.tta !== undefined ? { tta: model.tta } : {}) };
  const checked = validateShareMeta(JSON.parse(JSON.stringify(meta)), DEFAULT_SHARE_LINK_LIMITS);
  if (!checked.ok) throw new Error(`cannot share this model: ${checked.reason}`);
  const { tensors } = checked.value;
  const weights = model.head.weights;
  if (weights.length !== tensors.length) throw new Error(`cannot share this model: ${weights.length} weight tensors, the layers need ${tensors.length}`);
  tensors.forEach((t, i) => {
    if (weights[i].length !== t.size) {
      throw new Error(`cannot share this model: weight tensor ${i + 1} has ${weights[i].length} values, shape [${t.shape.join('×')}] needs ${t.size} (the first layer's input must be the backbone's featureDim ${getBackbone(model.backbone)?.featureDim})`);
    }
  });
  const json = new TextEncoder().encode(JSON.stringify(checked.value.meta));
  const size = 8 + json.length + tensors.reduce((a, t) => a + 8 + t.size, 0);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  view.setUint32(4, json.length, true);
  buf.set(json, 8);
  let o = 8 + json.length;
  for (const w of weights) {
    const q = quantizeInt8(w);
    view.setUint32(o, w.length, true);
    view.setFloat32(o + 4, q.scale, true);
    buf.set(new Uint8Array(q.values.buffer, q.values.byteOffset, q.values.length), o + 8);
    o += 8 + w.length;
  }
  view.setUint32(0, crc32(buf.subarray(4)), true);
  return encodeBase64Url(deflateSync(buf, { level: 9 }));
}

export function shareLinkLength(model: ShareModel): number {
  return encodeShareLink(model).length;
}

type Inflated = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/**
 * Inflates in 1 KiB input steps and stops as soon as the output passes `cap`, so a deflate bomb
 * (up to ~1000:1) costs at most cap + ~1 MiB of memory and never runs to completion.
 */
function inflateCapped(data: Uint8Array, cap: number): Inflated {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let over = false;
  let done = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > cap) over = true;
    else chunks.push(chunk);
    if (final) done = true;
  });
  try {
    const step = 1024;
    for (let i = 0; i < data.length && !over; i += step) {
      const end = Math.min(data.length, i + step);
      inflater.push(data.subarray(i, end), end === data.length);
    }
  } catch {
    return { ok: false, reason: 'the link is damaged (not valid deflate data)' };
  }
  if (over) return { ok: false, reason: `the link expands to more than ${cap} bytes` };
  if (!done) return { ok: false, reason: 'the link is damaged (deflate data ends early)' };
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return { ok: true, bytes: out };
}

/** Reads a link made by encodeShareLink. Never throws: hostile or damaged input gives { ok: false, reason }. */
export function decodeShareLink(s: string, limits: Partial<ShareLinkLimits> = {}): ShareLinkDecode {
  try {
    return decode(s, { ...DEFAULT_SHARE_LINK_LIMITS, ...limits });
  } catch (e) {
    return { ok: false, reason: `the link could not be read (${errorText(e)})` };
  }
}

function decode(s: string, limits: ShareLinkLimits): ShareLinkDecode {
  const fail = (reason: string): ShareLinkDecode => ({ ok: false, reason });
  if (typeof s !== 'string' || s.length === 0) return fail('the link is empty or not text');
  // Deflate never grows data by more than ~0.1 % (+ a few bytes); base64 adds 4/3.
  const maxChars = Math.ceil(((limits.maxDecompressedBytes * 1.01 + 1024) * 4) / 3);
  if (s.length > maxChars) return fail(`the link is too long (${s.length} characters)`);
  const packed = decodeBase64Url(s);
  if (!packed) return fail('the link is damaged (not base64url text)');
  const inflated = inflateCapped(packed, limits.maxDecompressedBytes);
  if (!inflated.ok) return inflated;
  const buf = inflated.bytes;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 8) return fail('the link is damaged (too short)');
  if (view.getUint32(0, true) !== crc32(buf.subarray(4))) return fail('the link is damaged (checksum mismatch: was it cut or edited?)');
  const jsonLength = view.getUint32(4, true);
  if (jsonLength > buf.length - 8) return fail('the link is damaged (metadata length past the end)');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + jsonLength)));
  } catch {
    return fail('the link is damaged (metadata is not valid JSON)');
  }
  const checked = validateShareMeta(raw, limits);
  if (!checked.ok) return checked;
  const { meta, tensors } = checked.value;
  let o = 8 + jsonLength;
  const expected = tensors.reduce((a, t) => a + 8 + t.size, 0);
  if (buf.length - o !== expected) return fail(`weights: ${buf.length - o} bytes, the layers need ${expected}`);
  const weights: Float32Array[] = [];
  for (const [i, t] of tensors.entries()) {
    const count = view.getUint32(o, true);
    const scale = view.getFloat32(o + 4, true);
    if (count !== t.size) return fail(`weights: tensor ${i + 1} has ${count} values, shape [${t.shape.join('×')}] needs ${t.size}`);
    if (!Number.isFinite(scale) || scale < 0) return fail(`weights: tensor ${i + 1} has an invalid scale (${scale})`);
    const values = new Int8Array(buf.buffer, buf.byteOffset + o + 8, count);
    weights.push(dequantizeInt8({ scale, values }));
    o += 8 + count;
  }
  return { ok: true, model: { ...meta, head: { layers: meta.head.layers, weights } } };
}
