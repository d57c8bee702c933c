// The run in progress: status, epoch, images per second, ETA, pause/resume/stop and the live
// charts; batch, backend, tensor and memory counters under Diagnostics. When the run ends it shows
// the kept model's headline figure (the same one Runs, Evaluate and Try show) and the next steps.
import { useStudio } from '../../stores/studio-store';
import { formatBytes, formatDuration } from '../../components/ui/format';
import { LiveBatchLossChart, LiveEpochCharts, LiveLrChart } from './live-charts';
import { RunHeadline } from '../../components/data/run-headline';
import { keptCheckpointKind } from '../../core/train/run-config';
import { fitOnOf } from '../../core/train/auto-plan';
import { projectHref } from '../../components/use-hash-route';

function eta(live: NonNullable<ReturnType<typeof useStudio.getState>['live']>): number | null {
  const h = live.history;
  if (h.length === 0 || live.finished) return null;
  // The recent pace: head epochs on cached features take milliseconds, fine-tuning epochs seconds.
  const recent = h.slice(-3);
  const perEpoch = recent.reduce((a, m) => a + m.seconds, 0) / recent.length;
  // Epoch numbers can jump (early stopping in the head stage goes straight to fine-tuning).
  const last = h[h.length - 1].epoch;
  const current = Math.max(live.epoch, last);
  const inEpoch = live.epoch > last && live.batches ? live.batch / live.batches : 0;
  const done = live.epoch > last ? current - 1 + inEpoch : last;
  return Math.max(0, (live.totalEpochs - done) * perEpoch);
}

export function LivePanel() {
  const live = useStudio((s) => s.live);
  const status = useStudio((s) => s.workerStatus);
  const message = useStudio((s) => s.workerMessage);
  const error = useStudio((s) => s.trainError);
  const pause = useStudio((s) => s.pauseRun);
  const resume = useStudio((s) => s.continueRun);
  const stop = useStudio((s) => s.stopRun);
  const resumeRun = useStudio((s) => s.resumeRun);
  const active = useStudio((s) => s.activeBackend);
  const projectId = useStudio((s) => s.project?.id);
  const record = useStudio((s) => (s.live ? s.runs.find((r) => r.id === s.live!.runId) : undefined));
  if (!live) return null;
  // The run's model is its best epoch only when early stopping puts it back.
  const keepsLast = record != null && keptCheckpointKind(record.config) === 'last';
  const keptVersion = keepsLast ? 'last version' : 'best version';
  // Auto's frozen plan fits on the validation images too: its second line is out of fold.
  const outOfFold = live.study?.plan != null && fitOnOf(live.study.plan) === 'train+val';
  const running = !live.finished && (status === 'training' || status === 'paused' || status === 'probing' || status === 'loading-backbone' || status === 'warming-up');
  const last = live.history[live.history.length - 1];
  return (
    <section className="panel live-panel" aria-labelledby="live-title" data-testid="live-panel">
      <div className="live-head">
        <h2 id="live-title">
          {live.finished === 'done' || live.finished === 'early-stopped' ? 'Training finished' : live.finished === 'stopped' ? 'Training stopped' : status === 'paused' ? 'Paused' : error ? 'Training failed' : 'Training…'}
        </h2>
        {running && (
          <div className="toolbar">
            {status === 'paused' ? (
              <button type="button" className="small primary" onClick={resume}>
                Resume
              </button>
            ) : (
              <button type="button" className="small" onClick={pause} disabled={status !== 'training'}>
                Pause
              </button>
            )}
            <button type="button" className="small danger-text" onClick={stop}>
              Stop
            </button>
          </div>
        )}
      </div>
      {error && (
        <div className="error-box" role="alert">
          <p>
            {error.kind === 'oom' ? 'The device ran out of memory. ' : error.kind === 'device-lost' ? 'The GPU device was lost. ' : ''}
            {error.message}
          </p>
          {error.recoverable && error.runId && (
            <div className="toolbar">
              <button type="button" className="small" onClick={() => resumeRun(error.runId!)}>
                Resume from the last checkpoint
              </button>
              <button type="button" className="small" onClick={() => resumeRun(error.runId!, active === 'wasm' ? 'cpu' : 'wasm')}>
                Resume on {active === 'wasm' ? 'cpu' : 'wasm'}
              </button>
            </div>
          )}
        </div>
      )}
      {live.finished && !error && (
        <div className="live-result" data-testid="live-result">
          <p className="live-ended">
            {live.finished === 'early-stopped'
              ? `Finished: stopped improving, ${keptVersion} kept.`
              : live.finished === 'stopped'
                ? `Stopped by you; the ${keepsLast ? 'last version' : 'best version so far'} is kept.`
                : `Finished; the ${keptVersion} is kept.`}
          </p>
          {record?.evaluation ? (
            <p className="live-headline">
              <RunHeadline run={record} />
            </p>
          ) : (
            <p className="muted">Scoring the kept model…</p>
          )}
          {projectId && record?.evaluation && (
            <div className="next-step toolbar">
              <a className="button primary" href={projectHref(projectId, 'evaluate')}>
                Check where it is wrong
              </a>
              <a className="button" href={projectHref(projectId, 'use')}>
                Try it
              </a>
            </div>
          )}
        </div>
      )}
      <dl className="live-stats" data-testid="live-stats">
        <div>
          <dt>Status</dt>
          <dd>
            {live.features
              ? `Computing features ${live.features.done}/${live.features.total}`
              : live.study?.phase === 'search' && !live.finished
                ? `Auto: ${live.study.done}/${live.study.total} settings tried`
                : live.study?.phase === 'fit' && live.study.done < live.study.total && !live.finished
                  ? `Auto: training the chosen classifier`
                  : message ?? status}
          </dd>
        </div>
        <div>
          <dt>Epoch</dt>
          <dd data-testid="live-epoch">
            {Math.min(Math.max(live.epoch, last?.epoch ?? 0), live.totalEpochs)} / {live.totalEpochs || '–'}
          </dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{live.imagesPerSecond ? `${live.imagesPerSecond.toFixed(1)} img/s` : '–'}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd>{formatDuration(eta(live))}</dd>
        </div>
        {last && !live.finished && (
          <div>
            <dt>This epoch</dt>
            <dd data-testid="live-val-acc">
              {last.valAcc != null
                ? `${(last.valAcc * 100).toFixed(1)}% right ${outOfFold && last.stage === 1 ? 'out of fold' : 'on validation images'}`
                : 'no validation set'}
            </dd>
          </div>
        )}
      </dl>
      <details className="diagnostics">
        <summary>Diagnostics</summary>
        <dl className="live-stats">
          <div>
            <dt>Batch</dt>
            <dd>
              {live.batch} / {live.batches || '–'}
            </dd>
          </div>
          <div>
            <dt>Backend</dt>
            <dd>{active ?? '–'}</dd>
          </div>
          <div>
            <dt>Tensors</dt>
            <dd data-testid="live-tensors">{live.numTensors || '–'}</dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd>{live.numBytes ? formatBytes(live.numBytes) : '–'}</dd>
          </div>
        </dl>
      </details>
      {live.features && <progress className="wide" max={live.features.total} value={live.features.done} aria-label="Feature extraction progress" />}
      {/* Charts mount once there is something to draw, spreading their first render out. */}
      {live.history.length > 0 && <LiveEpochCharts history={live.history} outOfFold={outOfFold} />}
      {live.points.length > 0 && (
        <div className="chart-row">
          <LiveBatchLossChart points={live.points} />
          <LiveLrChart points={live.points} />
        </div>
      )}
    </section>
  );
}

