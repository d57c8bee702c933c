// Checks that every built-in backbone entry is complete and consistent (ids, URLs, cut layers, sizes).
import { describe, expect, it } from 'vitest';
import { BACKBONES, DEFAULT_BACKBONE_ID, getBackbone, modelJsonUrl } from './catalog';

describe('BACKBONES catalog', () => {
  it('has unique ids and names and a default that exists', () => {
    const ids = BACKBONES.map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(BACKBONES.map((b) => b.name)).size).toBe(ids.length);
    expect(getBackbone(DEFAULT_BACKBONE_ID)?.family).toBe('mobilenet-v2');
    expect(getBackbone('nope')).toBeUndefined();
  });

  it('offers MobileNetV2 0.35/0.50/0.75/1.00, v1 0.25/0.50/0.75/1.00 and V3 small/large', () => {
    expect(BACKBONES.map((b) => b.id)).toEqual([
      'mobilenet-v2-0.35',
      'mobilenet-v2-0.50',
      'mobilenet-v2-0.75',
      'mobilenet-v2-1.00',
      'mobilenet-v1-0.25',
      'mobilenet-v1-0.50',
      'mobilenet-v1-0.75',
      'mobilenet-v1-1.00',
      'mobilenet-v3-small-100',
      'mobilenet-v3-large-100',
    ]);
  });

  it.each(BACKBONES)('$id is well-formed', (b) => {
    expect(() => new URL(b.url)).not.toThrow();
    expect(b.url.startsWith('https://')).toBe(true);
    expect(b.inputSize).toBe(224);
    expect(b.featureDim).toBeGreaterThan(0);
    expect(b.params).toBeGreaterThan(100_000);
    expect(b.downloadBytes).toBeGreaterThanOrEqual(b.params * 4 * 0.9);
    expect(b.license).toBe('Apache-2.0');
    expect(b.source.length).toBeGreaterThan(0);
    const { scale, offset } = b.preprocessing;
    const lo = offset;
    const hi = 255 * scale + offset;
    expect([lo, hi].map((v) => Math.round(v * 1e6) / 1e6)).toEqual(b.family === 'mobilenet-v3' ? [0, 1] : [-1, 1]);
    if (b.format === 'layers') {
      expect(b.url.endsWith('/model.json')).toBe(true);
      expect(b.cutLayer).toBe(b.family === 'mobilenet-v2' ? 'out_relu' : 'conv_pw_13_relu');
      expect(b.fineTunable).toBe(true);
      expect(b.fromTFHub).toBeUndefined();
    } else {
      expect(b.fromTFHub).toBe(true);
      expect(b.cutLayer).toBeUndefined();
      expect(b.fineTunable).toBe(false);
    }
  });

  it('uses the published URL spellings and feature sizes', () => {
    expect(getBackbone('mobilenet-v2-0.50')!.url).toBe(
      'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.50_224_no_top/model.json',
    );
    expect(getBackbone('mobilenet-v1-1.00')!.url).toBe('https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_1.0_224/model.json');
    expect(BACKBONES.filter((b) => b.family === 'mobilenet-v2').every((b) => b.featureDim === 1280)).toBe(true);
    expect(BACKBONES.filter((b) => b.family === 'mobilenet-v1').map((b) => b.featureDim)).toEqual([256, 512, 768, 1024]);
    expect(getBackbone('mobilenet-v2-0.35')!.params).toBe(410_208);
    expect(getBackbone('mobilenet-v1-0.25')!.params).toBe(218_544);
    expect(getBackbone('mobilenet-v3-small-100')!.featureDim).toBe(1024);
    expect(getBackbone('mobilenet-v3-large-100')!.featureDim).toBe(1280);
  });

  it('turns TF Hub handles into the model.json URL tfjs would fetch', () => {
    expect(modelJsonUrl(getBackbone('mobilenet-v3-small-100')!)).toBe(
      'https://tfhub.dev/google/tfjs-model/imagenet/mobilenet_v3_small_100_224/feature_vector/5/default/1/model.json?tfjs-format=file',
    );
    expect(modelJsonUrl({ url: 'https://x.test/a/', fromTFHub: true })).toBe('https://x.test/a/model.json?tfjs-format=file');
    const v2 = getBackbone('mobilenet-v2-0.35')!;
    expect(modelJsonUrl(v2)).toBe(v2.url);
  });
});
