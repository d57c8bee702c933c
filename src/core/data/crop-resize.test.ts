import { describe, expect, it } from 'vitest';
import { drawModelInput, drawTrainingCopy, matchStudioText, scaleToShortest, sourceRect, thumbnailIsTrainingCopy, type Context2D } from './crop-resize';

function recorder() {
  const calls: unknown[][] = [];
  const ctx: Context2D<string> & { calls: unknown[][] } = {
    calls,
    fillStyle: '',
    imageSmoothingEnabled: false,
    imageSmoothingQuality: 'low',
    fillRect: (...a) => void calls.push(['fillRect', ...a]),
    setTransform: (...a) => void calls.push(['setTransform', ...a]),
    drawImage: (...a) => void calls.push(['drawImage', ...a, ctx.imageSmoothingEnabled, ctx.imageSmoothingQuality, ctx.fillStyle]),
  };
  return ctx;
}

describe('crop-resize', () => {
  it('shares the training copy as the thumbnail only while its shorter side is at most twice the thumbnail size', () => {
    expect(thumbnailIsTrainingCopy({ width: 341, height: 256 }, 160)).toBe(true);
    expect(thumbnailIsTrainingCopy({ width: 320, height: 480 }, 160)).toBe(true);
    expect(thumbnailIsTrainingCopy({ width: 321, height: 400 }, 160)).toBe(false);
    expect(thumbnailIsTrainingCopy({ width: 683, height: 512 }, 160)).toBe(false);
  });

  it('takes the centred square of the shorter side, or the whole image for stretch', () => {
    expect(sourceRect(500, 375)).toEqual({ sx: 62.5, sy: 0, sw: 375, sh: 375 });
    expect(sourceRect(300, 420)).toEqual({ sx: 0, sy: 60, sw: 300, sh: 300 });
    expect(sourceRect(224, 224)).toEqual({ sx: 0, sy: 0, sw: 224, sh: 224 });
    expect(sourceRect(500, 375, 'stretch')).toEqual({ sx: 0, sy: 0, sw: 500, sh: 375 });
    expect(() => sourceRect(0, 10)).toThrow(/invalid image size/);
  });

  it('sizes the training copy by its shortest side and never enlarges', () => {
    expect(scaleToShortest(4000, 3000, 256)).toEqual({ width: 341, height: 256 });
    expect(scaleToShortest(3000, 4000, 256)).toEqual({ width: 256, height: 341 });
    expect(scaleToShortest(96, 72, 256)).toEqual({ width: 96, height: 72 });
  });

  it('draws over white with high-quality smoothing, the same for the copy and the model input', () => {
    const a = recorder();
    drawTrainingCopy(a, 'img', 4000, 3000, 341, 256);
    expect(a.calls.find((c) => c[0] === 'drawImage')).toEqual(['drawImage', 'img', 0, 0, 4000, 3000, 0, 0, 341, 256, true, 'high', '#fff']);
    expect(a.calls.find((c) => c[0] === 'fillRect')).toEqual(['fillRect', 0, 0, 341, 256]);
    const b = recorder();
    drawModelInput(b, 'copy', 341, 256, 224);
    expect(b.calls.find((c) => c[0] === 'drawImage')).toEqual(['drawImage', 'copy', 42.5, 0, 256, 256, 0, 0, 224, 224, true, 'high', '#fff']);
    const m = recorder();
    drawModelInput(m, 'frame', 640, 480, 224, 'center-crop', true);
    expect(m.calls.filter((c) => c[0] === 'setTransform')).toContainEqual(['setTransform', -1, 0, 0, 1, 224, 0]);
  });

  it('states the recipe a consumer needs', () => {
    const t = matchStudioText(224, 256);
    expect(t).toMatch(/shorter side is 256 px/);
    expect(t).toMatch(/224×224/);
    expect(t).toMatch(/x \/ 127 − 1/);
    expect(t).toMatch(/RGB order/);
  });
});
