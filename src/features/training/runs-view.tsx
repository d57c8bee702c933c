// The Runs tab of a project: every training run with its status and results; resume an
// interrupted run from its last checkpoint, start a new run from a finished run's weights,
// delete, open a run's charts, and pick runs to compare side by side.
import { useEffect, useMemo, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import type { RunRecord } from '../../persistence/db';
import { ConfirmDialog } from '../../components/ui/dialog';
import { formatWhen } from '../../components/ui/format';
import { projectHref } from '../../components/use-hash-route';
import { BatchLossChart, EpochCharts, LrChart } from './charts';
import { RunCompare } from './run-compare';
import { RunHeadline, endedLabel } from '../../components/data/run-headline';
import { formatLoss, runSummary } from './run-format';
import './training.css';

const RESUMABLE = new Set<RunRecord['status']>(['interrupted', 'stopped', 'error']);
/** Worker states in which a run is in progress, so another cannot start. */
const BUSY_STATES = new Set(['loading-backbone', 'warming-up', 'training', 'paused']);

function goToTrain(projectId: string) {
  location.hash = projectHref(projectId, 'train');
}

export function RunsView() {
  const project = useStudio((s) => s.project);
  const allRuns = useStudio((s) => s.runs);
  const loadRuns = useStudio((s) => s.loadRuns);
  const resumeRun = useStudio((s) => s.resumeRun);
  const startRun = useStudio((s) => s.startRun);
  const removeRun = useStudio((s) => s.removeRun);
  /** The run the worker is busy with, if any: actions that start training are disabled meanwhile. */
  const activeRunId = useStudio((s) => (s.live && s.live.finished == null && BUSY_STATES.has(s.workerStatus) ? s.live.runId : null));
  const [loaded, setLoaded] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [expandedId, setExpandedId] = useState<string | null>(null);
  const [pendingDelete, setPendingDelete] = useState<RunRecord | null>(null);
  const projectId = project?.id ?? null;

  useEffect(() => {
    if (!projectId) return;
    let alive = true;
    void loadRuns().finally(() => alive && setLoaded(true));
    return () => {
      alive = false;
    };
  }, [loadRuns, projectId]);

  const runs = useMemo(() => allRuns.filter((r) => r.projectId === projectId), [allRuns, projectId]);
  const compared = useMemo(() => runs.filter((r) => selected.has(r.id)), [runs, selected]);
  const expanded = runs.find((r) => r.id === expandedId) ?? null;

  if (!projectId) return null;

  const toggleSelected = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const busyTitle = activeRunId ? 'A run is in progress; stop it on the Train tab first.' : undefined;

  return (
    <section className="runs-view" aria-labelledby="runs-title">
      <div className="runs-head">
        <div>
          <h2 id="runs-title">Runs</h2>
          {runs.length > 0 && (
            <p className="muted small-text compare-hint">Tick two or more runs to compare them. Click a run’s name for its charts.</p>
          )}
        </div>
      </div>

      {!loaded && runs.length === 0 ? (
        <p className="muted" role="status">
          Loading runs…
        </p>
      ) : runs.length === 0 ? (
        <div className="empty-state small-empty" data-testid="runs-empty">
          <p>
            No runs yet. Train a model on the <a href={projectHref(projectId, 'train')}>Train tab</a>.
          </p>
        </div>
      ) : (
        <div className="table-scroll">
          <table className="project-table runs-table" data-testid="runs-table">
            <caption className="visually-hidden">Training runs of this project, newest first</caption>
            <thead>
              <tr>
                <th scope="col" className="check-cell">
                  <span className="visually-hidden">Compare</span>
                </th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Mode</th>
                <th scope="col">Backbone</th>
                <th scope="col" className="num">
                  Epochs
                </th>
                <th scope="col">Kept model</th>
                <th scope="col">Backend</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const sum = runSummary(run);
                const isOpen = run.id === expandedId;
                const canResume = RESUMABLE.has(run.status) && run.lastCheckpointEpoch != null;
                return (
                  <tr key={run.id} data-testid="run-row" data-status={run.status} className={isOpen ? 'expanded' : undefined}>
                    <td className="check-cell">
                      <input
                        type="checkbox"
                        aria-label={`Compare ${run.name}`}
                        checked={selected.has(run.id)}
                        onChange={(e) => toggleSelected(run.id, e.currentTarget.checked)}
                      />
                    </td>
                    <th scope="row">
                      <button
                        type="button"
                        className="link-button run-name"
                        aria-expanded={isOpen}
                        aria-controls={isOpen ? 'run-details' : undefined}
                        onClick={() => setExpandedId(isOpen ? null : run.id)}
                      >
                        {run.name}
                      </button>
                    </th>
                    <td data-label="Status">
                      <span className={`badge run-status status-${run.status}`} data-testid="run-status">
                        {sum.status}
                      </span>
                    </td>
                    <td data-label="Mode">{sum.mode}</td>
                    <td data-label="Backbone">{sum.backbone}</td>
                    <td data-label="Epochs" className="num">{sum.epochs}</td>
                    <td data-label="Kept model" className="run-headline-cell">
                      <RunHeadline run={run} compact />
                      {endedLabel(run) && <span className="muted small-text run-ended">{endedLabel(run)}</span>}
                    </td>
                    <td data-label="Backend">{run.backend ?? '–'}</td>
                    <td data-label="Created">
                      <time dateTime={new Date(run.createdAt).toISOString()} title={new Date(run.createdAt).toLocaleString()}>
                        {formatWhen(run.createdAt)}
                      </time>
                    </td>
                    <td className="row-actions">
                      <span className="action-list">
                        {canResume && (
                          <button
                            type="button"
                            className="small primary"
                            disabled={activeRunId != null}
                            title={busyTitle ?? `Continues from the checkpoint saved after epoch ${run.lastCheckpointEpoch! + 1}`}
                            aria-label={`Resume from epoch ${run.lastCheckpointEpoch! + 2} (${run.name})`}
                            onClick={() => {
                              resumeRun(run.id);
                              goToTrain(projectId);
                            }}
                          >
                            Resume from epoch {run.lastCheckpointEpoch! + 2}
                          </button>
                        )}
                        {run.status === 'done' && (
                          <button
                            type="button"
                            className="small"
                            disabled={activeRunId != null}
                            title={busyTitle ?? 'Continue training: a new run that starts from this run’s weights, with the settings on the Train tab'}
                            aria-label={`New run from these weights (${run.name})`}
                            onClick={async () => {
                              const id = await startRun({ parentRunId: run.id });
                              if (id) goToTrain(projectId);
                            }}
                          >
                            New run from these weights
                          </button>
                        )}
                        <button
                          type="button"
                          className="small danger-text"
                          disabled={run.id === activeRunId}
                          title={run.id === activeRunId ? 'This run is training; stop it first.' : undefined}
                          aria-label={`Delete ${run.name}`}
                          onClick={() => setPendingDelete(run)}
                        >
                          Delete
                        </button>
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {expanded && <RunDetails run={expanded} onClose={() => setExpandedId(null)} />}
      {compared.length >= 2 && <RunCompare runs={compared} />}

      <ConfirmDialog
        open={pendingDelete != null}
        title="Delete run?"
        danger
        confirmLabel="Delete run"
        message={
          pendingDelete ? (
            <p>
              “{pendingDelete.name}”, its metrics and its saved weights will be removed from this browser. This cannot be undone.
            </p>
          ) : null
        }
        onClose={() => setPendingDelete(null)}
        onConfirm={() => {
          if (!pendingDelete) return;
          const id = pendingDelete.id;
          toggleSelected(id, false);
          if (expandedId === id) setExpandedId(null);
          void removeRun(id);
        }}
      />
    </section>
  );
}

/** Charts and facts of one run; while it is the live run, the charts follow the live numbers. */
function RunDetails({ run, onClose }: { run: RunRecord; onClose: () => void }) {
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
          <EpochCharts history={history} />
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
