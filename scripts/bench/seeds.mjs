// Repeated runs (`--seeds`): each studio run and the peer once per seed, summarised as mean and
// range, so a difference of a few images is not read as a win. Held-out accuracy is the test
// accuracy when the bench holds a test set out, else the validation accuracy.

import { f, pct, table } from './format.mjs';

const sec = (v) => f(v, 1);

/** The figure to quote: test accuracy when the run had a test set, else validation accuracy. */
export const heldOut = (s) => (s.testAccuracy != null ? s.testAccuracy : s.valAccuracy);


/** Mean, min and max of the finite values (null when there are none). */
export function spread(values) {
  const xs = values.filter((v) => v != null && Number.isFinite(v));
  if (!xs.length) return null;
  return { n: xs.length, mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs) };
}

const show = (s, fmt) => (s ? `${fmt(s.mean)} [${fmt(s.min)}–${fmt(s.max)}]` : '–');

const KINDS = [
  ['frozen', 'studio, frozen'],
  ['finetune', 'studio, fine-tune + augmentation'],
  ['auto', 'studio, Auto'],
];

export function seedsSection(res) {
  const seeds = res.seeds;
  const lines = [`#### Seeds: ${seeds.map((x) => x.seed).join(', ')} (mean [min–max] over ${seeds.length} seeds)`, ''];
  const rows = [];
  for (const [kind, label] of KINDS) {
    const runs = seeds.map((x) => x[kind]).filter(Boolean);
    if (!runs.length) continue;
    rows.push([
      label,
      String(runs.length),
      show(spread(runs.map(heldOut)), pct),
      show(spread(runs.map((r) => r.lastEpochTestAccuracy ?? (r.testAccuracy != null ? r.testAccuracy : null))), pct),
      show(spread(runs.map((r) => r.lastEpochValAcc)), pct),
      show(spread(runs.map((r) => r.valAccuracy)), pct),
      show(spread(runs.map((r) => r.endToEndSeconds)), sec),
    ]);
  }
  const peers = seeds.map((x) => x.peer.find((p) => p.sameBackend)).filter(Boolean);
  if (peers.length) {
    rows.push([`peer, Teachable Machine (${peers[0].backend}, seeded)`, String(peers.length), show(spread(peers.map((p) => p.valAccuracy)), pct), show(spread(peers.map((p) => p.valAccuracy)), pct), '–', '–', show(spread(peers.map((p) => p.totalSeconds)), sec)]);
  }
  lines.push(table(['run', 'seeds', 'held-out accuracy', 'held-out, last epoch', 'val, last epoch', 'val, kept epoch', 'end to end s'], rows));
  if (peers.length) {
    const cmp = [];
    for (const [kind, label] of KINDS) {
      const pairs = seeds.map((x) => [x[kind], x.peer.find((p) => p.sameBackend)]).filter(([a, b]) => a && b);
      if (!pairs.length) continue;
      const wins = pairs.filter(([a, b]) => heldOut(a) > b.valAccuracy).length;
      const ties = pairs.filter(([a, b]) => heldOut(a) === b.valAccuracy).length;
      const acc = spread(pairs.map(([a, b]) => heldOut(a) - b.valAccuracy));
      const time = spread(pairs.map(([a, b]) => a.endToEndSeconds / b.totalSeconds));
      cmp.push([label, `${wins} of ${pairs.length}${ties ? ` (${ties} tied)` : ''}`, acc ? `${acc.mean >= 0 ? '+' : ''}${(acc.mean * 100).toFixed(1)} points [${(acc.min * 100).toFixed(1)} to ${(acc.max * 100).toFixed(1)}]` : '–', show(time, (v) => `${v.toFixed(2)}×`)]);
    }
    lines.push('', table(['against the peer on the same backend, same seed and images', 'seeds won', 'held-out accuracy difference', 'time ratio'], cmp));
  }
  lines.push('', 'Held-out, last epoch: the test accuracy of the final epoch\'s weights (before early stopping restores the best epoch); equal to the kept figure when the last epoch was the best. The peer has no early stopping: its last epoch is what it keeps.');
  return lines.join('\n');
}
