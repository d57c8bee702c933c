// The Use tab: try a trained run on new photos (or the webcam) with live top-k probabilities and
// the time per prediction, take it away as a Teachable-Machine-format TF.js zip or a demo site,
// and share it. This view picks the run; its panels do the work.
import { useEffect, useMemo, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import { SharePanel } from './share-panel';
import { ImportModelButton, ModelHead } from './model-head';
import { TryPanel, type TryResult } from './try-panel';
import './deploy.css';

export function DeployView() {
  const runs = useStudio((s) => s.runs);
  const loadRuns = useStudio((s) => s.loadRuns);
  const projectId = useStudio((s) => s.project?.id);
  const ready = useMemo(() => runs.filter((r) => r.lastCheckpointEpoch != null), [runs]);
  const [runId, setRunId] = useState<string | null>(null);
  const [results, setResults] = useState<TryResult[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  // Test-time augmentation for Try it; exports and links made here carry the choice.
  const [tta, setTta] = useState(false);
  const pick = (id: string) => {
    setRunId(id);
    setResults([]);
  };

  useEffect(() => {
    void loadRuns();
  }, [loadRuns, projectId]);
  const run = ready.find((r) => r.id === runId) ?? ready[0] ?? null;

  if (!run) {
    return (
      <div className="empty-state" data-testid="deploy-empty">
        <h2>No trained model yet</h2>
        <p>Train a run on the Train tab; once it has saved weights you can try it here and export it. Or bring back a model exported earlier.</p>
        <ImportModelButton busy={busy} setBusy={setBusy} onImported={pick} />
      </div>
    );
  }
  return (
    <div className="deploy">
      <ModelHead run={run} ready={ready} onPick={pick} busy={busy} setBusy={setBusy} tta={tta} />
      <TryPanel run={run} busy={busy} setBusy={setBusy} results={results} setResults={setResults} tta={tta} setTta={setTta} />
      <SharePanel run={run} tta={tta} />
    </div>
  );
}
