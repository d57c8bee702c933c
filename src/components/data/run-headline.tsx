// The kept model's headline figure as every screen shows it: "33 of 36 right (92%, likely
// 78–97%) on validation images", plus why training ended when it stopped early.
import { runHeadline } from '../../core/metrics/headline';
import type { RunRecord } from '../../persistence/db';
import { keptCheckpointKind } from '../../core/train/run-config';

/** Plain words for how a finished run ended; null while it runs. */
export function endedLabel(run: Pick<RunRecord, 'status' | 'history' | 'totalEpochs' | 'bestEpoch' | 'config'>): string | null {
  const version = keptCheckpointKind(run.config) === 'best' ? 'best version kept' : 'last version kept';
  if (run.status === 'stopped') return `Stopped by you, ${version}`;
  if (run.status !== 'done') return null;
  return run.history.length < run.totalEpochs ? `Finished: stopped improving, ${version}` : 'Finished';
}

export function RunHeadline(props: { run: Pick<RunRecord, 'evaluation' | 'testEvaluation'>; compact?: boolean }) {
  const h = runHeadline(props.run);
  if (!h) return <span className="muted">no score yet</span>;
  return (
    <span className="headline" data-testid="headline" data-on={h.on}>
      <strong data-testid="headline-figure">{h.text}</strong>
      {props.compact ? <span className="muted"> {h.where}</span> : <> {h.where}</>}
    </span>
  );
}
