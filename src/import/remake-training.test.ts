// Which training copies a new project training size remakes.
import { describe, expect, it } from 'vitest';
import { needsRemake } from './remake-training';

describe('needsRemake', () => {
  const img = (width: number, height: number, originalWidth: number, originalHeight: number) => ({ width, height, originalWidth, originalHeight });
  it('remakes copies whose shortest side is not the new size', () => {
    expect(needsRemake(img(341, 256, 1024, 768), 128)).toBe(true);
    expect(needsRemake(img(171, 128, 1024, 768), 256)).toBe(true);
    expect(needsRemake(img(341, 256, 1024, 768), 256)).toBe(false);
  });
  it('leaves images smaller than the size alone (they are never scaled up)', () => {
    expect(needsRemake(img(96, 72, 96, 72), 256)).toBe(false);
    expect(needsRemake(img(96, 72, 96, 72), 128)).toBe(false);
    expect(needsRemake(img(96, 72, 200, 150), 128)).toBe(true);
    expect(needsRemake(img(171, 128, 200, 150), 256)).toBe(true);
  });
});
