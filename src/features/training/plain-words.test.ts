import { describe, expect, it } from 'vitest';
import { BACKBONES } from '../../core/backbones/catalog';
import { defaultRunConfig } from '../../core/train/run-config';
import { backboneNote, backboneTitle, planSentence } from './plain-words';

describe('plain words', () => {
  it('names every catalog backbone in plain words', () => {
    for (const b of BACKBONES) expect(backboneTitle(b), b.id).not.toMatch(/MobileNet|α/);
    expect(backboneTitle({ id: 'custom:x', name: 'Custom model (example.org)', family: 'custom' })).toBe('Your own model (example.org)');
    expect(backboneNote({ downloadBytes: 6_100_000, family: 'mobilenet-v3' }, false)).toBe('6.1 MB download, then works offline');
    expect(backboneNote({ downloadBytes: 6_100_000, family: 'mobilenet-v3' }, true)).toBe('stored in this browser, works offline');
  });

  it('says what Start will do with the current settings', () => {
    const backbone = BACKBONES.find((b) => b.id === 'mobilenet-v2-0.35')!;
    const config = defaultRunConfig(backbone);
    const s = planSentence({ config, backbone, classes: 2, images: 244, markedVal: 0 });
    expect(s).toContain('“Small and fast”');
    expect(s).toContain('teaches only a last layer');
    expect(s).toContain(`${Math.round(config.valFraction * 100)}% of each class`);
    expect(s).toContain('244 images in 2 classes');
    const ft = planSentence({ config: { ...config, mode: 'finetune', trainableBlocks: 6 }, backbone, classes: 6, images: 336, markedVal: 40 });
    expect(ft).toContain('last 6 blocks');
    expect(ft).toContain('the 40 images you marked');
  });
});
