// The Runs tab of a project: every training run with its status and results; resume an
// interrupted run from its last checkpoint, start a new run from a finished run's weights,
// delete, open a run's charts, and pick runs to compare side by side.
import { useEffect, useMemo, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import type { RunRecord } from '../../persistence/db';
import { ConfirmDialog } from '../../components/ui/dialog';
import { projectHref } from '../../components/use-hash-route';
import { RunCompare } from './run-compare';
import { RunRow } from './run-row';
import { RunDetails } from './run-details';
import './training.css';

/** Worker states in which a run is in progress, so another cannot start. */
const BUSY_STATES = new Set(['loading-backbone', 'warming-up', 'training', 'paused']);

export function RunsView() {
  const project = useStudio((s) => s.project);
  const allRuns = useStudio((s) => s.runs);
  const loadRuns = useStudio((s) => s.loadRuns);
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
              {runs.map((run) => (
                <RunRow
                  key={run.id}
                  run={run}
                  projectId={projectId}
                  open={run.id === expandedId}
                  selected={selected.has(run.id)}
                  activeRunId={activeRunId}
                  onSelect={(on) => toggleSelected(run.id, on)}
                  onOpen={(open) => setExpandedId(open ? run.id : null)}
                  onDelete={() => setPendingDelete(run)}
                />
              ))}
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
