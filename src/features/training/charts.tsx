// Training charts (recharts): loss and accuracy per epoch, per-batch loss, learning rate, and one
// metric overlaid across runs. They re-render up to 4×/s while training, so data transforms are
// memoised and animation is off; each chart carries a text summary of its latest values for
// screen readers.
import { cloneElement, memo, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { BatchPoint, EpochMetrics } from '../../core/train/run-config';
import type { RunRecord } from '../../persistence/db';
import { downsample, withStepGaps, epochChartSummary, firstStage2Epoch, formatLoss, formatLr, formatPct } from './run-format';
import './training.css';

export const CHART_HEIGHT = 220;
/** Most points a per-batch chart draws. */
export const MAX_CHART_POINTS = 400;
export const TRAIN_COLOR = '#2f5bd3';
export const VAL_COLOR = '#d9730d';
export const GRID_COLOR = '#e4e8ef';
const AXIS_TICK = { fontSize: 12, fill: '#5b6575' };
/** Distinct, colour-blind-friendlier line colours for comparing runs (Okabe–Ito based). */
export const RUN_PALETTE = ['#2f5bd3', '#d9730d', '#009e73', '#cc79a7', '#8a6d00', '#56b4e9', '#b42318', '#5b6575'];

export const TRAIN_VAL = [
  { label: 'training', color: TRAIN_COLOR },
  { label: 'validation', color: VAL_COLOR },
];
export const TRAIN_ONLY = TRAIN_VAL.slice(0, 1);
export const TRAIN_OOF = [TRAIN_VAL[0], { label: 'out of fold', color: VAL_COLOR }];
export const BATCH_LEGEND = [
  { label: 'batch', color: 'rgba(47, 91, 211, 0.35)' },
  { label: 'smoothed', color: TRAIN_COLOR },
];

const numberOrText = (fmt: (x: number) => string) => (v: unknown) => (typeof v === 'number' ? fmt(v) : String(v ?? '–'));
const pctTick = (v: number) => `${Math.round(v)}%`;
const pctValue = (v: number) => `${v.toFixed(1)}%`;

// Every prop below is one module-level value. Recharts 3 keeps each axis', line's and tooltip's
// settings in its own store and dispatches an update whenever a prop's identity changes, which
// re-runs its selectors for every part of the chart: a new `domain` array or formatter on each
// render made a data update cost several times a redraw.
const MARGIN = { top: 8, right: 16, bottom: 8, left: 0 };
const X_DOMAIN = ['dataMin', 'dataMax'] as const;
const FROM_ZERO = [0, 'auto'] as const;
const PCT_DOMAIN = [0, 100] as const;
const PCT_TICKS = [0, 25, 50, 75, 100];
const EPOCH_LABEL = { value: 'epoch', position: 'insideBottomRight', offset: -4, fontSize: 12 } as const;
const STEP_LABEL = { value: 'step', position: 'insideBottomRight', offset: -4, fontSize: 12 } as const;
const FINETUNE_LABEL = { value: 'fine-tune', position: 'insideTopLeft', fontSize: 11, fill: '#5b6575' } as const;
const lossText = numberOrText(formatLoss);
const pctText = numberOrText(pctValue);
const lrText = numberOrText(formatLr);
const epochText = (l: unknown) => `Epoch ${l}`;
const stepText = (l: unknown) => `Step ${l}`;
const grid = <CartesianGrid stroke={GRID_COLOR} vertical={false} />;
const epochAxis = <XAxis dataKey="epoch" type="number" domain={X_DOMAIN} allowDecimals={false} tick={AXIS_TICK} label={EPOCH_LABEL} />;
const lossAxis = <YAxis tick={AXIS_TICK} width={52} tickFormatter={formatLoss} domain={FROM_ZERO} />;
const pctAxis = <YAxis tick={AXIS_TICK} width={52} domain={PCT_DOMAIN} ticks={PCT_TICKS} tickFormatter={pctTick} />;
const epochLossTip = <Tooltip isAnimationActive={false} formatter={lossText} labelFormatter={epochText} />;
const epochPctTip = <Tooltip isAnimationActive={false} formatter={pctText} labelFormatter={epochText} />;

/**
 * Charts that appear together mount one after another, ~80 ms apart, so their first layout
 * never adds up to one long main-thread task while training runs.
 */
let nextMountAt = 0;
function useStaggeredMount(): boolean {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const now = performance.now();
    nextMountAt = Math.max(now, nextMountAt) + 80;
    const t = setTimeout(() => setReady(true), nextMountAt - now - 80);
    return () => clearTimeout(t);
  }, []);
  return ready;
}

/** A chart in a <figure>: visible caption, and an image role whose label is the numbers. */
export function ChartFigure(props: { caption: string; summary: string; testId?: string; legend?: { label: string; color: string }[]; children: ReactElement<{ width?: number; height?: number }> }) {
  const ready = useStaggeredMount();
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // One measurement per resize, instead of recharts' ResponsiveContainer re-rendering to find out.
    const ro = new ResizeObserver(([e]) => setWidth(Math.floor(e.contentRect.width)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return (
    <figure className="chart" data-testid={props.testId}>
      <figcaption className="chart-caption">
        {props.caption}
        {props.legend && (
          <span className="chart-legend">
            {props.legend.map((l) => (
              <span key={l.label}>
                <i style={{ background: l.color }} aria-hidden="true" />
                {l.label}
              </span>
            ))}
          </span>
        )}
      </figcaption>
      <div ref={box} className="chart-box" role="img" aria-label={props.summary} style={{ minHeight: CHART_HEIGHT }}>
        {ready && width > 0 && cloneElement(props.children, { width, height: CHART_HEIGHT })}
      </div>
    </figure>
  );
}

interface EpochRow {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  trainAcc: number;
  valAcc: number | null;
}

/**
 * Loss and accuracy (train and validation) per epoch, with a marker where fine-tuning starts.
 * `outOfFold`: the second line is the chosen setting's cross-validation (Auto's head trained on the
 * validation images too), and is named so.
 */
export const EpochCharts = memo(function EpochCharts({ history, outOfFold = false }: { history: EpochMetrics[]; outOfFold?: boolean }) {
  const valName = outOfFold ? 'out of fold' : 'validation';
  const valLegend = outOfFold ? TRAIN_OOF : TRAIN_VAL;
  const data = useMemo<EpochRow[]>(
    () =>
      history.map((h) => ({
        epoch: h.epoch,
        trainLoss: h.trainLoss,
        valLoss: h.valLoss,
        trainAcc: h.trainAcc * 100,
        valAcc: h.valAcc == null ? null : h.valAcc * 100,
      })),
    [history],
  );
  const hasVal = useMemo(() => history.some((h) => h.valLoss != null || h.valAcc != null), [history]);
  const stage2 = useMemo(() => firstStage2Epoch(history), [history]);
  const lossSummary = useMemo(() => epochChartSummary(history, 'loss', valName), [history, valName]);
  const accSummary = useMemo(() => epochChartSummary(history, 'accuracy', valName), [history, valName]);

  const marker = stage2 != null && <ReferenceLine x={stage2} stroke="#8a94a6" strokeDasharray="4 3" label={FINETUNE_LABEL} />;
  const dots = data.length < 30;

  return (
    <div className="chart-grid" data-testid="epoch-charts">
      <ChartFigure caption="Loss" summary={lossSummary} legend={hasVal ? valLegend : TRAIN_ONLY}>
        <LineChart data={data} margin={MARGIN} accessibilityLayer={false}>
          {grid}
          {epochAxis}
          {lossAxis}
          {epochLossTip}
          {marker}
          <Line type="monotone" dataKey="trainLoss" name="training" stroke={TRAIN_COLOR} strokeWidth={2} dot={dots} isAnimationActive={false} />
          {hasVal && <Line type="monotone" dataKey="valLoss" name={valName} stroke={VAL_COLOR} strokeWidth={2} dot={dots} connectNulls isAnimationActive={false} />}
        </LineChart>
      </ChartFigure>
      <ChartFigure caption="Accuracy" summary={accSummary} legend={hasVal ? valLegend : TRAIN_ONLY}>
        <LineChart data={data} margin={MARGIN} accessibilityLayer={false}>
          {grid}
          {epochAxis}
          {pctAxis}
          {epochPctTip}
          {marker}
          <Line type="monotone" dataKey="trainAcc" name="training" stroke={TRAIN_COLOR} strokeWidth={2} dot={dots} isAnimationActive={false} />
          {hasVal && <Line type="monotone" dataKey="valAcc" name={valName} stroke={VAL_COLOR} strokeWidth={2} dot={dots} connectNulls isAnimationActive={false} />}
        </LineChart>
      </ChartFigure>
    </div>
  );
});

const stepAxis = <XAxis dataKey="step" type="number" domain={X_DOMAIN} allowDecimals={false} tick={AXIS_TICK} label={STEP_LABEL} />;
const lrAxis = <YAxis tick={AXIS_TICK} width={56} tickFormatter={formatLr} domain={FROM_ZERO} />;
const stepLossTip = <Tooltip isAnimationActive={false} formatter={lossText} labelFormatter={stepText} />;
const stepLrTip = <Tooltip isAnimationActive={false} formatter={lrText} labelFormatter={stepText} />;

/** Per-batch loss (thin) and its exponentially smoothed trend (bold), at most 400 points. */
export const BatchLossChart = memo(function BatchLossChart({ points }: { points: BatchPoint[] }) {
  const data = useMemo(() => withStepGaps(downsample(points, MAX_CHART_POINTS), Math.ceil(points.length / MAX_CHART_POINTS)), [points]);
  const last = points[points.length - 1];
  const summary = last
    ? `Loss per batch. Step ${last.step}: batch loss ${formatLoss(last.loss)}, smoothed ${formatLoss(last.smooth)}.`
    : 'Loss per batch: no batches recorded yet.';
  return (
    <ChartFigure caption="Loss per batch" summary={summary} testId="batch-chart" legend={BATCH_LEGEND}>
      <LineChart data={data} margin={MARGIN} accessibilityLayer={false}>
        {grid}
        {stepAxis}
        {lossAxis}
        {stepLossTip}
        <Line type="linear" dataKey="loss" name="batch" stroke={TRAIN_COLOR} strokeOpacity={0.3} strokeWidth={1} dot={false} isAnimationActive={false} />
        <Line type="monotone" dataKey="smooth" name="smoothed" stroke={TRAIN_COLOR} strokeWidth={2.5} dot={false} isAnimationActive={false} />
      </LineChart>
    </ChartFigure>
  );
});

/** Learning rate per optimizer step. */
export const LrChart = memo(function LrChart({ points }: { points: BatchPoint[] }) {
  const data = useMemo(() => withStepGaps(downsample(points, MAX_CHART_POINTS), Math.ceil(points.length / MAX_CHART_POINTS)), [points]);
  const last = points[points.length - 1];
  const summary = last ? `Learning rate per step. Step ${last.step}: ${formatLr(last.lr)}.` : 'Learning rate: no steps recorded yet.';
  return (
    <ChartFigure caption="Learning rate" summary={summary} testId="lr-chart">
      <LineChart data={data} margin={MARGIN} accessibilityLayer={false}>
        {grid}
        {stepAxis}
        {lrAxis}
        {stepLrTip}
        <Line type="linear" dataKey="lr" name="learning rate" stroke={VAL_COLOR} strokeWidth={2} dot={false} isAnimationActive={false} />
      </LineChart>
    </ChartFigure>
  );
});

export type OverlayMetric = 'valAcc' | 'valLoss' | 'trainLoss' | 'trainAcc';

export const METRIC_LABELS: Record<OverlayMetric, string> = {
  valAcc: 'Validation accuracy',
  valLoss: 'Validation loss',
  trainAcc: 'Training accuracy',
  trainLoss: 'Training loss',
};

const isAccuracy = (m: OverlayMetric) => m === 'valAcc' || m === 'trainAcc';

/** Rows keyed by epoch with one column per run (`r0`, `r1`, …); accuracies in percent. */
function overlayRows(runs: RunRecord[], metric: OverlayMetric): Record<string, number | null>[] {
  const byEpoch = new Map<number, Record<string, number | null>>();
  const scale = isAccuracy(metric) ? 100 : 1;
  runs.forEach((run, i) => {
    for (const h of run.history) {
      let row = byEpoch.get(h.epoch);
      if (!row) byEpoch.set(h.epoch, (row = { epoch: h.epoch }));
      const v = h[metric];
      row[`r${i}`] = v == null ? null : v * scale;
    }
  });
  return [...byEpoch.values()].sort((a, b) => a.epoch! - b.epoch!);
}

/** One metric per epoch, one line per run. */
export const OverlayChart = memo(function OverlayChart({ runs, metric }: { runs: RunRecord[]; metric: OverlayMetric }) {
  const data = useMemo(() => overlayRows(runs, metric), [runs, metric]);
  const acc = isAccuracy(metric);
  const summary = useMemo(() => {
    const fmt = isAccuracy(metric) ? (x: number | null) => formatPct(x) : formatLoss;
    const parts = runs.map((run) => {
      const last = [...run.history].reverse().find((h) => h[metric] != null);
      return last ? `${run.name} ${fmt(last[metric])} at epoch ${last.epoch}` : `${run.name} no values`;
    });
    return `${METRIC_LABELS[metric]} per epoch for ${runs.length} ${runs.length === 1 ? 'run' : 'runs'}: ${parts.join('; ')}.`;
  }, [runs, metric]);
  return (
    <ChartFigure caption={METRIC_LABELS[metric]} summary={summary} testId="overlay-chart" legend={runs.map((r, i) => ({ label: r.name, color: RUN_PALETTE[i % RUN_PALETTE.length] }))}>
      <LineChart data={data} margin={MARGIN} accessibilityLayer={false}>
        {grid}
        {epochAxis}
        {acc ? pctAxis : lossAxis}
        {acc ? epochPctTip : epochLossTip}
        {runs.map((run, i) => (
          <Line
            key={run.id}
            type="monotone"
            dataKey={`r${i}`}
            name={run.name}
            stroke={RUN_PALETTE[i % RUN_PALETTE.length]}
            strokeWidth={2}
            dot={data.length < 30}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartFigure>
  );
});
