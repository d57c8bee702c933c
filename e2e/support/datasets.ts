// Small image datasets drawn by code for browser tests: two or more clearly different classes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

/** Writes `perClass` PNGs (96×72) per class under root/<class>/; class k has its own colour and stripe direction. */
export function drawDataset(root: string, classes: string[], perClass: number, seed = 99): string {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const palette = [
    [220, 60, 50],
    [40, 90, 220],
    [40, 170, 70],
    [230, 200, 40],
  ];
  classes.forEach((name, k) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const png = new PNG({ width: 96, height: 72 });
      const [r, g, b] = palette[k % palette.length];
      const phase = rand() * 12;
      for (let y = 0; y < 72; y++) {
        for (let x = 0; x < 96; x++) {
          const stripe = Math.sin(((k % 2 === 0 ? x : y) + phase) / 3) > 0 ? 1 : 0.55;
          const n = (rand() - 0.5) * 50;
          const p = (y * 96 + x) * 4;
          png.data[p] = Math.max(0, Math.min(255, r * stripe + n));
          png.data[p + 1] = Math.max(0, Math.min(255, g * stripe + n));
          png.data[p + 2] = Math.max(0, Math.min(255, b * stripe + n));
          png.data[p + 3] = 255;
        }
      }
      writeFileSync(join(root, name, `${name}-${String(i).padStart(3, '0')}.png`), PNG.sync.write(png));
    }
  });
  return root;
}
