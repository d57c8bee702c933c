// The demo page's untrusted inputs: URL fragments, metadata.json, and model outputs.
import { describe, expect, it } from 'vitest';
import { buildDemoHash, parseDemoHash } from './hash';
import { parseMetadata, scoreLine, TM_PREPROCESSING } from './metadata';
import { isProbabilityVector, softmax, topK } from '../core/metrics/topk';

const PAGE = 'https://studio.example/demo.html';

describe('parseDemoHash', () => {
  it('reads #model= (absolute or relative) with metadata.json next to it by default', () => {
    expect(parseDemoHash('#model=https://cdn.example/m/model.json', PAGE)).toEqual({
      ok: true,
      source: { kind: 'model', modelUrl: 'https://cdn.example/m/model.json', metadataUrl: 'https://cdn.example/m/metadata.json' },
    });
    expect(parseDemoHash('#model=/api/models/abc/model.json', PAGE)).toEqual({
      ok: true,
      source: { kind: 'model', modelUrl: 'https://studio.example/api/models/abc/model.json', metadataUrl: 'https://studio.example/api/models/abc/metadata.json' },
    });
    const r = parseDemoHash('model=m%2Fmodel.json&metadata=meta%20data.json', PAGE);
    expect(r.ok && r.source).toEqual({ kind: 'model', modelUrl: 'https://studio.example/m/model.json', metadataUrl: 'https://studio.example/meta%20data.json' });
  });

  it('reads #link= verbatim', () => {
    expect(parseDemoHash('#link=eJzz-_9', PAGE)).toEqual({ ok: true, source: { kind: 'link', link: 'eJzz-_9' } });
  });

  it('round-trips what buildDemoHash writes', () => {
    const h = buildDemoHash({ model: 'https://x.example/a b/model.json?v=1&w=2', metadata: 'https://x.example/meta.json' });
    const r = parseDemoHash(h, PAGE);
    expect(r.ok && r.source).toEqual({ kind: 'model', modelUrl: 'https://x.example/a%20b/model.json?v=1&w=2', metadataUrl: 'https://x.example/meta.json' });
    expect(parseDemoHash(buildDemoHash({ link: 'abc-_' }), PAGE)).toEqual({ ok: true, source: { kind: 'link', link: 'abc-_' } });
  });

  it.each([
    ['', /without a model/],
    ['#', /without a model/],
    ['#foo=bar', /does not name a model/],
    ['#model=', /empty/],
    ['#link=', /empty/],
    ['#model=javascript:alert(1)', /http or https/],
    ['#model=data:application/json,{}', /http or https/],
    ['#model=https://u:p@x.example/model.json', /user name or password/],
    ['#model=http://[bad/model.json', /not a valid URL/],
    ['#model=%E0%A4%A', /%-encoding/],
    ['#model=a.json&link=abc', /both/],
    ['#model=a.json&model=b.json', /more than once/],
    ['#link=abc&metadata=m.json', /only goes with/],
    ['#model=a.json&metadata=javascript:1', /metadata address must use http/],
  ])('rejects %j', (hash, reason) => {
    const r = parseDemoHash(hash, PAGE);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('parseMetadata', () => {
  it('reads the studio training size and test-time augmentation choice, and refuses bad ones', () => {
    const ok = parseMetadata({ labels: ['a', 'b'], studio: { preprocessing: { trainingSize: 256 }, tta: true } });
    expect(ok.ok && ok.value.trainingSize).toBe(256);
    expect(ok.ok && ok.value.tta).toBe(true);
    const none = parseMetadata({ labels: ['a', 'b'] });
    expect(none.ok && none.value.trainingSize).toBeUndefined();
    expect(parseMetadata({ labels: ['a'], studio: { preprocessing: { trainingSize: 2.5 } } })).toEqual({ ok: false, reason: expect.stringMatching(/trainingSize" must be a whole number/) });
    expect(parseMetadata({ labels: ['a'], studio: { tta: 'on' } })).toEqual({ ok: false, reason: expect.stringMatching(/"studio.tta" must be true or false/) });
  });

  it('defaults to Teachable Machine preprocessing (x / 127 - 1, centre crop)', () => {
    const r = parseMetadata({ labels: ['a', 'b'], imageSize: 224, modelName: 'Cats' });
    expect(r).toEqual({ ok: true, value: { name: 'Cats', labels: ['a', 'b'], imageSize: 224, preprocessing: TM_PREPROCESSING, preprocessingFrom: 'teachable-machine-default' } });
    expect(TM_PREPROCESSING.scale).toBeCloseTo(1 / 127);
  });

  it('uses preprocessing when given and keeps hostile labels as plain strings', () => {
    const r = parseMetadata({ labels: ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>'], preprocessing: { scale: 1 / 255, offset: 0, resize: 'stretch' } });
    expect(r.ok && r.value.labels[0]).toBe('<script>alert(1)</script>');
    expect(r.ok && r.value.preprocessing).toEqual({ scale: 1 / 255, offset: 0, resize: 'stretch' });
    expect(r.ok && r.value.name).toBe('Untitled model');
  });

  it.each([
    [null, /JSON object/],
    [[], /JSON object/],
    [{}, /labels/],
    [{ labels: [] }, /0 labels/],
    [{ labels: [1] }, /not a string/],
    [{ labels: ['x'.repeat(201)] }, /longer/],
    [{ labels: Array.from({ length: 1001 }, (_, i) => String(i)) }, /1001 labels/],
    [{ labels: ['a'], imageSize: 1e9 }, /imageSize/],
    [{ labels: ['a'], modelName: 5 }, /modelName/],
    [{ labels: ['a'], preprocessing: { scale: 'x', offset: 0 } }, /preprocessing/],
    [{ labels: ['a'], preprocessing: { scale: 1, offset: 0, resize: 'zoom' } }, /resize/],
  ])('rejects %j', (raw, reason) => {
    const r = parseMetadata(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('topK and probabilities', () => {
  it('ranks the k most likely, ties in label order, k = min(5, labels)', () => {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const r = topK([0.1, 0.3, 0.05, 0.3, 0.1, 0.1, 0.05], labels);
    expect(r.map((x) => x.label)).toEqual(['b', 'd', 'a', 'e', 'f']);
    expect(topK([0.2, 0.8], ['x', 'y']).map((x) => x.label)).toEqual(['y', 'x']);
  });

  it('tells probabilities from logits', () => {
    expect(isProbabilityVector([0.25, 0.75])).toBe(true);
    expect(isProbabilityVector([2, -1])).toBe(false);
    const p = softmax([1000, 1000, -1000]);
    expect(p[0]).toBeCloseTo(0.5);
    expect(p[2]).toBe(0);
  });
});

describe('scoreLine', () => {
  it('prefers the test figure, names a validation-only figure as such, ignores malformed numbers', () => {
    const test = { accuracy: 0.912, lo: 0.85, hi: 0.951, n: 120, correct: 109 };
    const parsed = parseMetadata({ labels: ['a', 'b'], studio: { test, validation: { ...test, accuracy: 0.99 } } });
    expect(parsed.ok && parsed.value.score).toBe('Test accuracy 91.2% (85.0%–95.1%, 95% interval) on 120 held-out images');
    expect(scoreLine({ studio: { test: null, validation: test } })).toMatch(/^Validation accuracy 91\.2% .* that also chose the epoch$/);
    expect(scoreLine({ studio: { test: { ...test, accuracy: '<b>1</b>' } } })).toBeUndefined();
    expect(scoreLine({ studio: { test: { ...test, n: 0 } } })).toBeUndefined();
    expect(scoreLine({})).toBeUndefined();
  });
});
