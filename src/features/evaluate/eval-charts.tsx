// ROC curves (one-vs-rest, with AUC) and the reliability diagram of the top-label confidence.
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis, ReferenceLine, BarChart, Bar, Legend } from 'recharts';
import type { RocOneVsRest } from '../../core/metrics/roc';
import type { Reliability } from '../../core/metrics/calibration';

const PALETTE = ['#2f5bd3', '#d9730d', '#009e73', '#cc79a7', '#8a6d00', '#56b4e9', '#b42318', '#5b6575'];

export function RocChart({ roc, classes }: { roc: RocOneVsRest; classes: string[] }) {
  const summary = classes.map((c, i) => `${c} AUC ${roc.curves[i].auc == null ? 'undefined' : roc.curves[i].auc!.toFixed(3)}`).join(', ');
  return (
    <figure className="chart" data-testid="roc-chart">
      <figcaption className="chart-caption">
        ROC curves, one class vs the rest
        <span className="chart-legend">
          {classes.map((c, i) => (
            <span key={c}>
              <i style={{ background: PALETTE[i % PALETTE.length] }} aria-hidden="true" />
              {c} (AUC {roc.curves[i].auc == null ? '–' : roc.curves[i].auc!.toFixed(3)})
            </span>
          ))}
        </span>
      </figcaption>
      <div role="img" aria-label={`ROC: ${summary}`}>
        <ResponsiveContainer width="100%" height={260}>
          <LineChart margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
            <CartesianGrid stroke="#e4e8ef" />
            <XAxis type="number" dataKey="x" domain={[0, 1]} tickCount={6} label={{ value: 'false-positive rate', position: 'insideBottom', offset: -8, fontSize: 12 }} />
            <YAxis type="number" domain={[0, 1]} tickCount={6} width={40} />
            <ReferenceLine segment={[{ x: 0, y: 0 }, { x: 1, y: 1 }]} stroke="#b9c2d0" strokeDasharray="4 3" />
            <Tooltip isAnimationActive={false} formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
            {roc.curves.map((c, i) => (
              <Line key={classes[i]} data={c.fpr.map((x, j) => ({ x, y: c.tpr[j] }))} dataKey="y" name={classes[i]} type="linear" dot={false} stroke={PALETTE[i % PALETTE.length]} strokeWidth={2} isAnimationActive={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

export function ReliabilityChart({ rel }: { rel: Reliability }) {
  const data = rel.bins.map((b) => ({ bin: `${Math.round(b.lo * 100)}–${Math.round(b.hi * 100)}%`, accuracy: b.accuracy == null ? null : b.accuracy * 100, confidence: b.confidence == null ? null : b.confidence * 100, count: b.count }));
  return (
    <figure className="chart" data-testid="reliability-chart">
      <figcaption className="chart-caption">
        Reliability: accuracy per confidence bin <span className="muted">(ECE {(rel.ece * 100).toFixed(1)}%)</span>
      </figcaption>
      <div role="img" aria-label={`Reliability diagram, expected calibration error ${(rel.ece * 100).toFixed(1)}%`}>
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
            <CartesianGrid stroke="#e4e8ef" vertical={false} />
            <XAxis dataKey="bin" fontSize={11} interval={1} />
            <YAxis domain={[0, 100]} width={48} tickFormatter={(v) => `${v}%`} />
            <Tooltip isAnimationActive={false} formatter={(v) => (typeof v === 'number' ? `${v.toFixed(1)}%` : String(v))} />
            <Legend wrapperStyle={{ fontSize: 12 }} formatter={(v) => <span style={{ color: '#3b4453' }}>{v}</span>} />
            <Bar dataKey="confidence" name="how sure it was" fill="#c8d3f5" isAnimationActive={false} />
            <Bar dataKey="accuracy" name="how often it was right" fill="#2f5bd3" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
