// The charts and facts of one run under the Runs table; while it is the live run, the charts
// follow the live numbers.
import { useStudio } from '../../stores/studio-store';
import type { RunRecord } from '../../persistence/db';
import { BatchLossChart, EpochCharts, LrChart } from './charts';
import { formatLoss } from './run-format';
export function RunDetails({ run, onClose }: { run: RunRecord; onClose: () => void }) {
  const live = useStudio((s) => (s.live?.runId === run.id ? s.live : null));
  const history = live && live.history.length >= run.history.length ? live.history : run.history;
  const points = live && live.points.length > 0 ? live.points : run.batches;
  const parentName = useStudio((s) => (run.parentRunId ? (s.runs.find((r) => r.id === run.parentRunId)?.name ?? 'a deleted run') : null));

  return (
    <section className="run-details" id="run-details" aria-labelledby="run-details-title" data-testid="run-details">
      <div className="panel-head">
        <h3 id="run-details-title">{run.name}</h3>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      {run.error && (
        <p className="run-error" data-testid="run-error">
          <strong>Error:</strong> {run.error}
        </p>
      )}
      <dl className="run-meta">
        <dt>Backend</dt>
        <dd>{run.backend ?? 'Not started yet'}</dd>
        {run.backendReason && (
          <>
            <dt>Why this backend</dt>
            <dd>{run.backendReason}</dd>
          </>
        )}
        <dt>Classes</dt>
        <dd>{run.classes.map((c) => c.name).join(', ')}</dd>
        <dt>Images</dt>
        <dd>
          {run.split.train.length.toLocaleString()} training, {run.split.val.length.toLocaleString()} validation
        </dd>
        {run.bestEpoch != null && (
          <>
            <dt>Best epoch</dt>
            <dd>
              {run.bestEpoch} (validation loss {formatLoss(run.bestValLoss)})
            </dd>
          </>
        )}
        {parentName && (
          <>
            <dt>Started from</dt>
            <dd>{parentName}</dd>
          </>
        )}
      </dl>
      {run.log && run.log.length > 0 && (
        <>
          <h4>Log</h4>
          <ul className="run-log" data-testid="run-log">
            {run.log.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        </>
      )}
      {history.length === 0 && points.length === 0 ? (
        <p className="muted">No metrics recorded yet.</p>
      ) : (
        <>
          <h4>Per epoch</h4>
          <EpochCharts history={history} outOfFold={run.study?.fitOn === 'train+val'} />
          <h4>Per batch</h4>
          <div className="chart-grid">
            <BatchLossChart points={points} />
            <LrChart points={points} />
          </div>
        </>
      )}
    </section>
  );
}
