// The most likely classes as bars with percentages, most likely first and in bold: the one widget
// for the studio's Try it and the shared demo page (each page styles the prob-bar classes).
// Labels may come from an untrusted link: rendered as React text only.
import { formatPercent, type Ranked } from '../../core/metrics/topk';

export function ProbabilityBars({ ranked, testId = 'prob-bar' }: { ranked: Ranked[]; testId?: string }) {
  return (
    <ol className="prob-bars">
      {ranked.map((r, i) => (
        <li key={r.index} className={i === 0 ? 'prob-bar prob-bar-top' : 'prob-bar'} data-testid={testId} data-label={r.label} data-prob={String(r.prob)}>
          <div className="prob-bar-text">
            <span className="prob-bar-label" title={r.label}>{r.label}</span>
            <span className="prob-bar-pct">{formatPercent(r.prob)}</span>
          </div>
          <div className="prob-bar-track" aria-hidden="true">
            <div className="prob-bar-fill" style={{ width: `${Math.min(100, Math.max(0, r.prob * 100))}%` }} />
          </div>
        </li>
      ))}
    </ol>
  );
}
