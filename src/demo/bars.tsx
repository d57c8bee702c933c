// Top-k class bars with percentages. Labels are untrusted: rendered as React text only.
import { formatPercent, type Ranked } from './topk';

export function Bars({ ranked }: { ranked: Ranked[] }) {
  return (
    <ol className="demo-bars">
      {ranked.map((r, i) => (
        <li key={r.index} className={i === 0 ? 'demo-bar demo-bar-top' : 'demo-bar'} data-testid="demo-bar" data-label={r.label} data-prob={String(r.prob)}>
          <div className="demo-bar-text">
            <span className="demo-bar-label" title={r.label}>{r.label}</span>
            <span className="demo-bar-pct">{formatPercent(r.prob)}</span>
          </div>
          <div className="demo-bar-track" aria-hidden="true">
            <div className="demo-bar-fill" style={{ width: `${Math.min(100, Math.max(0, r.prob * 100))}%` }} />
          </div>
        </li>
      ))}
    </ol>
  );
}

export function Millis({ ms }: { ms: number }) {
  return (
    <span className="demo-ms" data-testid="demo-ms" data-ms={ms.toFixed(1)}>
      {ms.toFixed(1)} ms
    </span>
  );
}
