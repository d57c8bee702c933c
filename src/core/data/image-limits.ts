// Which images are refused from the dimensions their header declares, before any decoding: a
// small file can declare 30,000 × 30,000 pixels, and Chromium then fails deep in the decoder with
// no useful reason. The limits follow what the browser can hold (its canvas area and side limits);
// anything above DIRECT_DECODE_LIMIT is still decoded reduced, never at full size.

/** Largest area accepted: 16,384 × 16,384 (Chromium's canvas area limit). */
export const MAX_DECLARED_PIXELS = 16_384 * 16_384;
/** Longest side accepted (Chromium's canvas side limit). */
export const MAX_DECLARED_SIDE = 32_767;

/** A "too large" reason when the declared size cannot be decoded here; null when it can. */
export function refuseDeclaredSize(width: number, height: number): string | null {
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (width * height > MAX_DECLARED_PIXELS || width > MAX_DECLARED_SIDE || height > MAX_DECLARED_SIDE) {
    return `too large (${fmt(width)} × ${fmt(height)} px); the studio decodes images up to ${fmt(MAX_DECLARED_PIXELS / 1e6 | 0)} megapixels and ${fmt(MAX_DECLARED_SIDE)} px a side`;
  }
  return null;
}
