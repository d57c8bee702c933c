// Test-time augmentation on the Evaluate tab: the run's validation (and test) images scored again
// as the average over flipped and cropped views (src/core/train/tta.ts), shown beside the plain
// figures so the user sees what it buys before turning it on for Try it and the demo page.
import { useEffect, useRef, useState } from 'react';
import { accuracySummary, type AccuracySummary } from '../../core/metrics/intervals';
import { TTA_DESCRIPTION } from '../../core/train/tta-views';
import type { RunEvaluation, RunRecord } from '../../persistence/db';
import { useStudio } from '../../stores/studio-store';
import { errorText } from '../../core/error-text';
import { pct } from './evaluate-model';

const summary = (e: RunEvaluation | undefined): AccuracySummary | null => (e ? accuracySummary(e.labels, e.probabilities, e.numClasses) : null);

function Figure({ s, testId }: { s: AccuracySummary | null; testId: string }) {
  if (!s) return <td className="muted">–</td>;
  return (
    <td data-testid={testId} data-accuracy={String(s.accuracy)}>
      <strong>{pct(s.accuracy)}</strong> <span className="muted">({pct(s.lo)}–{pct(s.hi)})</span>
      <div className="muted">{s.correct} / {s.n}</div>
    </td>
  );
}

function Row({ name, plain, tta }: { name: string; plain: RunEvaluation | undefined; tta: RunEvaluation | undefined }) {
  if (!plain) return null;
  const a = summary(plain);
  const b = summary(tta);
  const change = a && b ? b.correct - a.correct : null;
  return (
    <tr data-testid={`tta-${name.toLowerCase()}`}>
      <th scope="row">{name}</th>
      <Figure s={a} testId="tta-plain" />
      <Figure s={b} testId="tta-augmented" />
      <td>{change == null ? '–' : change === 0 ? 'same' : `${change > 0 ? '+' : '−'}${Math.abs(change)} image${Math.abs(change) === 1 ? '' : 's'}`}</td>
    </tr>
  );
}

export function TtaPanel({ run }: { run: RunRecord }) {
  const loadRuns = useStudio((s) => s.loadRuns);
  const notify = useStudio((s) => s.notify);
  const evaluateTta = useStudio((s) => s.evaluateTta);
  const onTtaProgress = useStudio((s) => s.onTtaProgress);
  const [progress, setProgress] = useState<{ done: number; total: number; started: number } | null>(null);
  const started = useRef(0);
  useEffect(
    () =>
      onTtaProgress((runId, done, total) => {
        if (runId === run.id) setProgress({ done, total, started: started.current });
      }),
    [run.id, onTtaProgress],
  );
  const score = async () => {
    started.current = performance.now();
    const total = (validation?.imageIds.length ?? 0) + (run.testEvaluation?.imageIds.length ?? 0);
    setProgress({ done: 0, total, started: started.current });
    try {
      await evaluateTta(run.id);
      await loadRuns();
    } catch (e) {
      notify('error', `Could not score with test-time augmentation: ${errorText(e)}`);
    } finally {
      setProgress(null);
    }
  };
  const tta = run.ttaEvaluation;
  // Out-of-fold figures came from cross-validation models; the kept model trained on those images.
  const validation = run.evaluation?.outOfFold ? undefined : run.evaluation;
  const nothingHeldOut = !validation && !run.testEvaluation;
  const eta = progress && progress.done > 0 ? ((performance.now() - progress.started) / progress.done) * (progress.total - progress.done) / 1000 : null;
  return (
    <section className="panel tta-panel" aria-labelledby="tta-title" data-testid="tta-panel">
      <h2 id="tta-title">Test-time augmentation</h2>
      <p className="muted">Each photo is scored as {TTA_DESCRIPTION}. It costs 7 predictions per photo; turn it on for Try it and the demo page if it helps here.</p>
      {tta ? (
        <table className="metrics-table">
          <thead>
            <tr>
              <th scope="col">Images</th>
              <th scope="col">Plain</th>
              <th scope="col">With TTA</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            <Row name="Validation" plain={validation} tta={tta.validation} />
            <Row name="Test" plain={run.testEvaluation} tta={tta.test} />
          </tbody>
        </table>
      ) : progress ? (
        <p role="status" data-testid="tta-progress">
          Scoring {progress.done} / {progress.total} photos{eta != null ? `, about ${Math.ceil(eta)} s left` : ''}…
        </p>
      ) : nothingHeldOut ? (
        <p className="muted" data-testid="tta-unavailable">
          The kept classifier trained on every validation image (its figures are out of fold), so there are no images left to measure what
          test-time augmentation buys. Set a test share on the Train tab, or mark images as test, and train again.
        </p>
      ) : (
        <button type="button" onClick={() => void score()}>
          Score with test-time augmentation
        </button>
      )}
    </section>
  );
}
