// The demo page's probability bars (the studio's widget, tagged for the demo's tests) and its
// time-per-prediction figure.
import { ProbabilityBars } from '../components/data/probability-bars';
import type { Ranked } from '../core/metrics/topk';

export function Bars({ ranked }: { ranked: Ranked[] }) {
  return <ProbabilityBars ranked={ranked} testId="demo-bar" />;
}

export function Millis({ ms }: { ms: number }) {
  return (
    <span className="demo-ms" data-testid="demo-ms" data-ms={ms.toFixed(1)}>
      {ms.toFixed(1)} ms
    </span>
  );
}
