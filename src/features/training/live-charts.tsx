// The live panel's charts: loss and accuracy per epoch, loss per batch and the learning rate,
// drawn as plain SVG paths while a run trains. They redraw several times a second, and on a slow
// machine each recharts update (its store re-runs every selector of the chart on new data) took
// 90 ms or more of main-thread time per chart, 400 ms and more with the CPU throttled 4x. A redraw
// here is one React render of a few elements. The Runs tab's charts, which a user studies after
// the run, stay recharts, with their tooltips.
import { memo, useMemo } from 'react';
import type { BatchPoint, EpochMetrics } from '../../core/train/run-config';
import { downsample, withStepGaps, epochChartSummary, firstStage2Epoch, formatLoss, formatLr, niceTicks } from './run-format';
import { BATCH_LEGEND, ChartFigure, GRID_COLOR, MAX_CHART_POINTS, TRAIN_COLOR, TRAIN_OOF, TRAIN_ONLY, TRAIN_VAL, VAL_COLOR } from './charts';

interface Series {
  name: string;
  color: string;
  values: (number | null)[];
  width?: number;
  opacity?: number;
  /** Draw across missing values (validation every epoch) instead of breaking the line (resumed steps). */
  connectNulls?: boolean;
}

interface LineSvgProps {
  width?: number;
  height?: number;
  xs: number[];
  series: Series[];
  /** A fixed value range (accuracy in percent); else from 0 to the largest value. */
  yRange?: [number, number];
  yTicks?: number[];
  yFormat: (v: number) => string;
  yAxisWidth?: number;
  xName: 'epoch' | 'step';
  /** Points with a hover title each, when there are few. */
  dots?: boolean;
  marker?: { x: number; label: string };
  empty: string;
}

const TICK_STYLE = { fontSize: 12, fill: '#5b6575' } as const;

/** One line chart as SVG: grid, axes with round ticks, a path per series. */
export function LineSvg({ width = 0, height = 220, xs, series, yRange, yTicks, yFormat, yAxisWidth = 52, xName, dots = false, marker, empty }: LineSvgProps) {
  const m = { top: 8, right: 16, bottom: 34, left: yAxisWidth };
  const pw = Math.max(1, width - m.left - m.right);
  const ph = Math.max(1, height - m.top - m.bottom);
  const geometry = useMemo(() => {
    if (xs.length === 0) return null;
    const x0 = xs[0];
    const x1 = xs[xs.length - 1];
    let y0 = 0;
    let y1: number;
    let yt: number[];
    if (yRange) {
      [y0, y1] = yRange;
      yt = yTicks ?? niceTicks(y0, y1, 4);
    } else {
      let max = 0;
      for (const s of series) for (const v of s.values) if (v != null && Number.isFinite(v) && v > max) max = v;
      yt = niceTicks(0, max > 0 ? max : 1, 4, { extend: true });
      y1 = yt[yt.length - 1];
    }
    const sx = (x: number) => (x1 === x0 ? m.left + pw / 2 : m.left + ((x - x0) / (x1 - x0)) * pw);
    const sy = (v: number) => m.top + ph - ((Math.min(Math.max(v, y0), y1) - y0) / (y1 - y0 || 1)) * ph;
    const paths = series.map((s) => {
      let d = '';
      let pen = false;
      s.values.forEach((v, i) => {
        if (v == null || !Number.isFinite(v)) {
          if (!s.connectNulls) pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${sx(xs[i]).toFixed(1)} ${sy(v).toFixed(1)}`;
        pen = true;
      });
      return d;
    });
    const xt = x1 === x0 ? [x0] : niceTicks(x0, x1, Math.max(2, Math.min(6, Math.floor(pw / 70))), { minStep: 1 });
    return { sx, sy, paths, yt, xt };
  }, [xs, series, yRange, yTicks, pw, ph, m.left, m.top]);

  if (!geometry) {
    return (
      <svg width={width} height={height} className="live-chart">
        <text x={width / 2} y={height / 2} textAnchor="middle" {...TICK_STYLE}>
          {empty}
        </text>
      </svg>
    );
  }
  const { sx, sy, paths, yt, xt } = geometry;
  const bottom = m.top + ph;
  return (
    <svg width={width} height={height} className="live-chart">
      {yt.map((v) => (
        <g key={`y${v}`}>
          <line x1={m.left} x2={m.left + pw} y1={sy(v)} y2={sy(v)} stroke={GRID_COLOR} />
          <text x={m.left - 6} y={sy(v) + 4} textAnchor="end" {...TICK_STYLE}>
            {yFormat(v)}
          </text>
        </g>
      ))}
      <line x1={m.left} x2={m.left + pw} y1={bottom} y2={bottom} stroke="#8a94a6" />
      {xt.map((x) => (
        <text key={`x${x}`} x={sx(x)} y={bottom + 15} textAnchor="middle" {...TICK_STYLE}>
          {x}
        </text>
      ))}
      <text x={m.left + pw} y={height - 2} textAnchor="end" fontSize={11} fill="#5b6575">
        {xName}
      </text>
      {marker && (
        <g>
          <line x1={sx(marker.x)} x2={sx(marker.x)} y1={m.top} y2={bottom} stroke="#8a94a6" strokeDasharray="4 3" />
          <text x={sx(marker.x) + 4} y={m.top + 12} fontSize={11} fill="#5b6575">
            {marker.label}
          </text>
        </g>
      )}
      {series.map((s, i) => (
        <path key={s.name} d={paths[i]} fill="none" stroke={s.color} strokeWidth={s.width ?? 2} strokeOpacity={s.opacity ?? 1} strokeLinejoin="round" />
      ))}
      {dots &&
        series.map((s) =>
          s.values.map((v, i) =>
            v == null || !Number.isFinite(v) ? null : (
              <circle key={`${s.name}${i}`} cx={sx(xs[i])} cy={sy(v)} r={3} fill={s.color}>
                <title>{`${xName === 'epoch' ? 'Epoch' : 'Step'} ${xs[i]}, ${s.name}: ${yFormat(v)}`}</title>
              </circle>
            ),
          ),
        )}
    </svg>
  );
}

const pctTick = (v: number) => `${Math.round(v)}%`;
const PCT_RANGE: [number, number] = [0, 100];
const PCT_TICKS = [0, 25, 50, 75, 100];

/** Loss and accuracy per epoch while a run trains, with a marker where fine-tuning starts. */
export const LiveEpochCharts = memo(function LiveEpochCharts({ history, outOfFold = false }: { history: EpochMetrics[]; outOfFold?: boolean }) {
  const valName = outOfFold ? 'out of fold' : 'validation';
  const hasVal = history.some((h) => h.valLoss != null || h.valAcc != null);
  const legend = hasVal ? (outOfFold ? TRAIN_OOF : TRAIN_VAL) : TRAIN_ONLY;
  const { xs, loss, acc } = useMemo(() => {
    const line = (name: string, color: string, values: (number | null)[]): Series => ({ name, color, values, connectNulls: true });
    const withVal = (a: Series, b: Series) => (hasVal ? [a, b] : [a]);
    return {
      xs: history.map((h) => h.epoch),
      loss: withVal(line('training', TRAIN_COLOR, history.map((h) => h.trainLoss)), line(valName, VAL_COLOR, history.map((h) => h.valLoss))),
      acc: withVal(line('training', TRAIN_COLOR, history.map((h) => h.trainAcc * 100)), line(valName, VAL_COLOR, history.map((h) => (h.valAcc == null ? null : h.valAcc * 100)))),
    };
  }, [history, hasVal, valName]);
  const stage2 = firstStage2Epoch(history);
  const marker = stage2 != null ? { x: stage2, label: 'fine-tune' } : undefined;
  const dots = history.length < 30;
  return (
    <div className="chart-grid" data-testid="epoch-charts">
      <ChartFigure caption="Loss" summary={epochChartSummary(history, 'loss', valName)} legend={legend}>
        <LineSvg xs={xs} series={loss} yFormat={formatLoss} xName="epoch" dots={dots} marker={marker} empty="No epochs yet" />
      </ChartFigure>
      <ChartFigure caption="Accuracy" summary={epochChartSummary(history, 'accuracy', valName)} legend={legend}>
        <LineSvg xs={xs} series={acc} yRange={PCT_RANGE} yTicks={PCT_TICKS} yFormat={pctTick} xName="epoch" dots={dots} marker={marker} empty="No epochs yet" />
      </ChartFigure>
    </div>
  );
});

/** The per-batch points drawn: at most MAX_CHART_POINTS, with breaks where steps jump (a resume). */
function useStepRows(points: BatchPoint[]) {
  return useMemo(() => {
    const rows = withStepGaps(downsample(points, MAX_CHART_POINTS), Math.ceil(points.length / MAX_CHART_POINTS));
    return { rows, xs: rows.map((r) => r.step) };
  }, [points]);
}

/** Per-batch loss (thin) and its exponentially smoothed trend (bold). */
export const LiveBatchLossChart = memo(function LiveBatchLossChart({ points }: { points: BatchPoint[] }) {
  const { rows, xs } = useStepRows(points);
  const series = useMemo<Series[]>(
    () => [
      { name: 'batch', color: TRAIN_COLOR, values: rows.map((r) => r.loss), width: 1, opacity: 0.35 },
      { name: 'smoothed', color: TRAIN_COLOR, values: rows.map((r) => r.smooth), width: 2.5 },
    ],
    [rows],
  );
  const last = points[points.length - 1];
  const summary = last ? `Loss per batch. Step ${last.step}: batch loss ${formatLoss(last.loss)}, smoothed ${formatLoss(last.smooth)}.` : 'Loss per batch: no batches recorded yet.';
  return (
    <ChartFigure caption="Loss per batch" summary={summary} testId="batch-chart" legend={BATCH_LEGEND}>
      <LineSvg xs={xs} series={series} yFormat={formatLoss} xName="step" empty="No batches yet" />
    </ChartFigure>
  );
});

/** Learning rate per optimizer step. */
export const LiveLrChart = memo(function LiveLrChart({ points }: { points: BatchPoint[] }) {
  const { rows, xs } = useStepRows(points);
  const series = useMemo<Series[]>(() => [{ name: 'learning rate', color: VAL_COLOR, values: rows.map((r) => r.lr) }], [rows]);
  const last = points[points.length - 1];
  const summary = last ? `Learning rate per step. Step ${last.step}: ${formatLr(last.lr)}.` : 'Learning rate: no steps recorded yet.';
  return (
    <ChartFigure caption="Learning rate" summary={summary} testId="lr-chart">
      <LineSvg xs={xs} series={series} yFormat={formatLr} yAxisWidth={56} xName="step" empty="No steps yet" />
    </ChartFigure>
  );
});
