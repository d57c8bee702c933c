// Reads the parts of a TF.js model.json that every loader and validator needs: parsing it from any
// form, sizing its weights manifest in bytes, and gathering weight shards in manifest order.

export type JsonObject = Record<string, unknown>;

/** Bytes per stored element, by dtype (quantized weights use their quantization dtype). */
const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  float16: 2,
  uint16: 2,
  uint8: 1,
};

export interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

export interface ManifestGroup {
  paths: string[];
  weights: ManifestWeight[];
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** model.json as text, bytes or an already parsed value → the parsed object, or why not. */
export function parseModelJson(raw: unknown): { ok: true; json: JsonObject } | { ok: false; reason: string } {
  let value = raw;
  if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) value = new TextDecoder().decode(raw);
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (e) {
      return { ok: false, reason: `model.json is not valid JSON (${(e as Error).message})` };
    }
  }
  if (!isObject(value)) return { ok: false, reason: 'model.json must hold a JSON object' };
  return { ok: true, json: value };
}

/** Bytes one element of this weight takes in the shard, or null for an unsupported dtype. */
export function bytesPerElement(w: Pick<ManifestWeight, 'dtype' | 'quantization'>): number | null {
  const dtype = w.quantization ? w.quantization.dtype : w.dtype;
  return BYTES_PER_ELEMENT[dtype] ?? null;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes a weight occupies in its shard (quantization honoured), or null for an unsupported dtype. */
export function weightByteSize(w: ManifestWeight): number | null {
  const per = bytesPerElement(w);
  return per === null ? null : per * elementCount(w.shape);
}

/** Total weight bytes of a (structurally valid) manifest. */
export function manifestByteSize(groups: readonly ManifestGroup[]): number {
  let total = 0;
  for (const g of groups) for (const w of g.weights) total += weightByteSize(w) ?? 0;
  return total;
}

/** A plain file name: not empty, no '/' or '\', no '..', no drive letter or NUL. */
export function isPlainFileName(p: string): boolean {
  return p !== '' && p !== '.' && !/[\\/\0]/.test(p) && !p.includes('..') && !/^[A-Za-z]:/.test(p);
}

/** Every shard named in the manifest, concatenated in manifest order (how tfjs expects weightData). */
export function concatShards(groups: readonly ManifestGroup[], files: ReadonlyMap<string, Uint8Array>): ArrayBuffer {
  const parts: Uint8Array[] = [];
  for (const g of groups) {
    for (const p of g.paths) {
      const f = files.get(p);
      if (!f) throw new Error(`weight file '${p}' is missing`);
      parts.push(f);
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}
