// The compute budget against real topologies (tfjs-serialized, the studio's nested export, the
// real MobileNet from ../shared when present) and hostile ones (UpSampling2D stacks, unknown
// classes and activations, deep stacks).
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkModelBudget, DEFAULT_BUDGET } from './model-budget.mjs';
import { validateModelJson } from './validate';

const SHARED_V2 = new URL('../../../../shared/backbones/mobilenet-v2-0.35-224-no-top/model.json', import.meta.url);

function topologyOf(model: tf.LayersModel): unknown {
  const t = model.toJSON(null, false);
  model.dispose();
  return t;
}

/** 32×32×3 input, then `n` UpSampling2D ×4 layers: no weights at all. */
export function upsamplingStack(n: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.inputLayer({ inputShape: [32, 32, 3] }));
  for (let i = 0; i < n; i++) m.add(tf.layers.upSampling2d({ size: [4, 4], name: `up${i + 1}` }));
  return m;
}

describe('model budget', () => {
  it('passes a small classifier and counts its FLOPs and activations', () => {
    const before = tf.memory().numTensors;
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'p1' }));
    m.add(tf.layers.flatten({ name: 'f' }));
    m.add(tf.layers.dense({ units: 4, activation: 'softmax', name: 'd' }));
    const r = checkModelBudget(topologyOf(m));
    expect(tf.memory().numTensors).toBe(before);
    if (!r.ok) throw new Error(r.reason);
    expect(r.layers).toBe(4);
    // conv: 2·32·32·3·9·8 MACs + bias; dense: 2·2048·4
    expect(r.flops).toBeGreaterThanOrEqual(2 * 32 * 32 * 27 * 8 + 2 * 2048 * 4);
    expect(r.flops).toBeLessThan(1.2 * (2 * 32 * 32 * 27 * 8 + 2 * 2048 * 4));
    expect(r.largestLayer).toEqual({ name: 'c1', elements: 32 * 32 * 8 });
  });

  it('walks a functional model that nests a backbone and a head, as the studio exports', () => {
    const bIn = tf.input({ shape: [64, 64, 3] });
    const bOut = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', name: 'dw' }).apply(bIn) as tf.SymbolicTensor;
    const backbone = tf.model({ inputs: bIn, outputs: bOut, name: 'backbone' });
    const hIn = tf.input({ shape: [3] });
    const head = tf.model({ inputs: hIn, outputs: tf.layers.dense({ units: 2, name: 'logits' }).apply(hIn) as tf.SymbolicTensor, name: 'head' });
    const img = tf.input({ shape: [64, 64, 3] });
    const feat = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(backbone.apply(img) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const out = tf.layers.activation({ activation: 'softmax', name: 'sm' }).apply(head.apply(feat) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const r = checkModelBudget(topologyOf(tf.model({ inputs: img, outputs: out })));
    if (!r.ok) throw new Error(r.reason);
    expect(r.layers).toBe(4); // dw, gap, logits, sm
    expect(r.largestLayer.elements).toBe(64 * 64 * 3);
  });

  it('refuses an UpSampling2D stack whose weights are nothing but whose activations are gigabytes, naming the layer and the limit', () => {
    const r = checkModelBudget(topologyOf(upsamplingStack(5)));
    expect(r.ok).toBe(false);
    // 32·4^4 = 8192: up4 outputs 8192 × 8192 × 3 = 201 M values
    expect(!r.ok && r.reason).toMatch(/layer 'up4' \(UpSampling2D\) would output 8192 × 8192 × 3 = 201,326,592 values per image, over the limit of 33,554,432 values per layer/);
    // validateModelJson runs it for every untrusted layers model
    const t = topologyOf(upsamplingStack(5));
    const v = validateModelJson({ format: 'layers-model', modelTopology: t, weightsManifest: [{ paths: ['w.bin'], weights: [] }] }, { minSide: 32 });
    expect(!v.ok && v.reason).toMatch(/'up4' \(UpSampling2D\)/);
  });

  it('refuses total activation memory, FLOPs and layer count over their limits', () => {
    const act = checkModelBudget(topologyOf(upsamplingStack(3)), { maxActivationBytes: 8 * 1024 * 1024 });
    expect(!act.ok && act.reason).toMatch(/layer outputs need more than 0\.01 GB per image \(passed at layer 'up3' \(UpSampling2D\)\), over the activation memory limit/);
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [256, 256, 3], filters: 512, kernelSize: 7, padding: 'same', name: 'wide' }));
    const flops = checkModelBudget(topologyOf(m), { maxFlops: 1e9 });
    expect(!flops.ok && flops.reason).toMatch(/passed at layer 'wide' \(Conv2D\)\), over the compute limit of 1\.0 GFLOP/);
    const deep = checkModelBudget(topologyOf(upsamplingStack(0)), {});
    expect(deep.ok).toBe(true);
    const s = tf.sequential();
    s.add(tf.layers.inputLayer({ inputShape: [8] }));
    for (let i = 0; i < 30; i++) s.add(tf.layers.activation({ activation: 'relu' }));
    const layers = checkModelBudget(topologyOf(s), { maxLayers: 20 });
    expect(!layers.ok && layers.reason).toMatch(/more than 20 layers, over the layer limit/);
  });

  it('refuses unknown layer classes and activations', () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [4], units: 2, name: 'd' }));
    const t = topologyOf(m) as { config: { layers: { class_name: string; config: { activation?: string } }[] } };
    const unknownAct = structuredClone(t);
    unknownAct.config.layers.at(-1)!.config.activation = 'evil';
    expect(checkModelBudget(unknownAct)).toMatchObject({ ok: false, reason: expect.stringMatching(/layer 'd' \(Dense\) uses activation "evil", which is not one of the known activations/) });
    const unknownClass = structuredClone(t);
    unknownClass.config.layers.at(-1)!.class_name = 'Lambda';
    expect(checkModelBudget(unknownClass)).toMatchObject({ ok: false, reason: expect.stringMatching(/layer 'd' has class 'Lambda', which is not one of the layer classes/) });
    expect(checkModelBudget({ class_name: 'Nope' })).toMatchObject({ ok: false });
  });

  it('passes the real MobileNetV2 0.35 and agrees with its known cost', (ctx) => {
    if (!existsSync(SHARED_V2)) {
      console.log('skipped: ../shared/backbones/mobilenet-v2-0.35-224-no-top is absent');
      ctx.skip();
    }
    const json = JSON.parse(readFileSync(SHARED_V2, 'utf8'));
    const r = checkModelBudget(json.modelTopology);
    if (!r.ok) throw new Error(r.reason);
    expect(r.layers).toBeGreaterThan(100);
    // 116 MFLOP of convolutions per image (the bench's count); elementwise layers add a little.
    expect(r.flops / 1e6).toBeGreaterThan(110);
    expect(r.flops / 1e6).toBeLessThan(180);
    expect(r.activationBytes).toBeLessThan(DEFAULT_BUDGET.maxActivationBytes / 4);
  });
});
