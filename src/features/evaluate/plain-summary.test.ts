import { describe, expect, it } from 'vitest';
import { plainSummary } from './evaluate-model';

describe('plainSummary', () => {
  it('names the pair it confuses most, the class it misreads first', () => {
    // Rows: true class; columns: predicted. 4 bees taken for ants, 1 ant for a bee, 1 wasp for an ant.
    const cm = [
      [10, 1, 0],
      [4, 12, 0],
      [1, 0, 9],
    ];
    expect(plainSummary(cm, ['ants', 'bees', 'wasps'])).toBe('It mixes up bees and ants most: 5 of its 6 mistakes. Here are the 6 photos it got wrong, most confident first.');
  });
  it('reads plainly with two classes, one mistake, or none', () => {
    expect(plainSummary([[3, 1], [0, 4]], ['cats', 'dogs'])).toBe('It mixes up cats and dogs. Here is the 1 photo it got wrong, most confident first.');
    expect(plainSummary([[3, 0], [0, 4]], ['cats', 'dogs'])).toBe('It got every one of the 7 images it never trained on right.');
    expect(plainSummary([[0, 0], [0, 0]], ['cats', 'dogs'])).toBe('No images were scored.');
  });
});
