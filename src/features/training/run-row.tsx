// One run in the Runs table: pick it for comparison, open its charts, and its actions (resume
// from the last checkpoint, a new run from its weights, delete), disabled while another trains.
import { useStudio } from '../../stores/studio-store';
import type { RunRecord } from '../../persistence/db';
import { formatWhen } from '../../components/ui/format';
import { projectHref } from '../../components/use-hash-route';
import { RunHeadline, endedLabel } from '../../components/data/run-headline';
import { runSummary } from './run-format';

const RESUMABLE = new Set<RunRecord['status']>(['interrupted', 'stopped', 'error']);

function goToTrain(projectId: string) {
  location.hash = projectHref(projectId, 'train');
}

export function RunRow({ run, projectId, open, selected, activeRunId, onSelect, onOpen, onDelete }: {
  run: RunRecord;
  projectId: string;
  open: boolean;
  selected: boolean;
  /** The run the worker is busy with, if any: actions that start training are disabled meanwhile. */
  activeRunId: string | null;
  onSelect: (on: boolean) => void;
  onOpen: (open: boolean) => void;
  onDelete: () => void;
}) {
  const resumeRun = useStudio((s) => s.resumeRun);
  const startRun = useStudio((s) => s.startRun);
  const busyTitle = activeRunId ? 'A run is in progress; stop it on the Train tab first.' : undefined;
  const sum = runSummary(run);
  const canResume = RESUMABLE.has(run.status) && run.lastCheckpointEpoch != null;
  return (
    <tr data-testid="run-row" data-status={run.status} className={open ? 'expanded' : undefined}>
      <td className="check-cell">
        <input
          type="checkbox"
          aria-label={`Compare ${run.name}`}
          checked={selected}
          onChange={(e) => onSelect(e.currentTarget.checked)}
        />
      </td>
      <th scope="row">
        <button
          type="button"
          className="link-button run-name"
          aria-expanded={open}
          aria-controls={open ? 'run-details' : undefined}
          onClick={() => onOpen(!open)}
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
            onClick={onDelete}
          >
            Delete
          </button>
        </span>
      </td>
    </tr>
  );
}
