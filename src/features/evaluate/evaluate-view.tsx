// The Evaluate tab: where a run's model is wrong, on its validation set. Confusion matrix (click a
// cell for its images), per-class precision/recall/F1 with macro and weighted averages, ROC with
// AUC, calibration, the error gallery with in-place fixes, and a second run side by side.
import { useEffect, useMemo, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import { analyseRun, pct, type RunAnalysis } from './evaluate-model';
import { ConfusionMatrixTable } from './confusion-matrix';
import { ReliabilityChart, RocChart } from './eval-charts';
import { ErrorGallery, type GalleryItem } from './error-gallery';
import { GradCamDialog } from './grad-cam-dialog';
import { HeldOutPanel } from './held-out-panel';
import './evaluate.css';

function MetricsTable({ a, b, nameA, nameB }: { a: RunAnalysis; b: RunAnalysis | null; nameA: string; nameB?: string }) {
  const rows: [string, (x: RunAnalysis) => string][] = [
    ['Accuracy', (x) => pct(x.avg.accuracy)],
    ['Macro precision', (x) => pct(x.avg.macro.precision)],
    ['Macro recall', (x) => pct(x.avg.macro.recall)],
    ['Macro F1', (x) => pct(x.avg.macro.f1)],
    ['Weighted F1', (x) => pct(x.avg.weighted.f1)],
    ['Macro ROC AUC', (x) => (x.roc.macroAuc == null ? '–' : x.roc.macroAuc.toFixed(3))],
    ['Calibration error (ECE)', (x) => pct(x.calibration.ece)],
    ['Validation images', (x) => String(x.labels.length)],
  ];
  return (
    <table className="metrics-table" data-testid="summary-metrics">
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">{nameA}</th>
          {b && <th scope="col">{nameB}</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, f]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{f(a)}</td>
            {b && <td>{f(b)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function EvaluateView() {
  const runs = useStudio((s) => s.runs);
  const loadRuns = useStudio((s) => s.loadRuns);
  const project = useStudio((s) => s.project);
  const evaluated = useMemo(() => runs.filter((r) => r.evaluation && r.evaluation.labels.length > 0), [runs]);
  const [runId, setRunId] = useState<string | null>(null);
  const [otherId, setOtherId] = useState<string>('');
  const [cell, setCell] = useState<[number, number] | null>(null);
  const [explain, setExplain] = useState<string | null>(null);
  useEffect(() => {
    void loadRuns();
  }, [loadRuns, project?.id]);
  const run = evaluated.find((r) => r.id === runId) ?? evaluated[0] ?? null;
  const other = evaluated.find((r) => r.id === otherId && r.id !== run?.id) ?? null;
  const a = useMemo(() => (run ? analyseRun(run) : null), [run]);
  const b = useMemo(() => (other ? analyseRun(other) : null), [other]);
  if (!run || !a) {
    return (
      <div className="empty-state" data-testid="evaluate-empty">
        <h2>Nothing to evaluate yet</h2>
        <p>Train a run with a validation set on the Train tab; its mistakes show up here.</p>
      </div>
    );
  }
  const cellItems: GalleryItem[] = cell
    ? a.imageIds.flatMap((id, i) => (a.labels[i] === cell[0] && a.predicted[i] === cell[1] ? [{ id, label: a.labels[i], predicted: a.predicted[i], confidence: a.probabilities[i * a.classes.length + a.predicted[i]] }] : []))
    : [];
  return (
    <div className="evaluate">
      <div className="eval-head panel">
        <label>
          Run{' '}
          <select value={run.id} onChange={(e) => { setRunId(e.target.value); setCell(null); }} aria-label="Run to evaluate">
            {evaluated.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} · {pct(r.evaluation ? analyseRun(r)?.avg.accuracy : null)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Compare with{' '}
          <select value={otherId} onChange={(e) => setOtherId(e.target.value)} aria-label="Run to compare with">
            <option value="">(none)</option>
            {evaluated.filter((r) => r.id !== run.id).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small-text">Metrics are from the run's validation images at the end of training.</span>
      </div>
      <HeldOutPanel run={run} other={other} />
      <div className="eval-grid">
        <section className="panel" aria-label="Summary">
          <h2>Summary</h2>
          <MetricsTable a={a} b={b} nameA={run.name} nameB={other?.name} />
        </section>
        <section className="panel" aria-label="Confusion matrix">
          <h2>Confusion matrix</h2>
          <ConfusionMatrixTable cm={a.cm} classes={a.classes} selected={cell} onSelect={setCell} />
        </section>
      </div>
      {cell && (
        <ErrorGallery
          testId="cell-gallery"
          title={`True ${a.classes[cell[0]]}, predicted ${a.classes[cell[1]]} (${cellItems.length})`}
          items={cellItems}
          classes={a.classes}
          empty="No images."
          onExplain={setExplain}
        />
      )}
      <section className="panel" aria-label="Per-class metrics">
        <h2>Per class</h2>
        <table className="metrics-table" data-testid="per-class">
          <thead>
            <tr>
              <th scope="col">Class</th>
              <th scope="col">Precision</th>
              <th scope="col">Recall</th>
              <th scope="col">F1</th>
              <th scope="col">Support</th>
              <th scope="col">ROC AUC</th>
            </tr>
          </thead>
          <tbody>
            {a.perClass.map((m, i) => (
              <tr key={a.classes[i]}>
                <th scope="row">{a.classes[i]}</th>
                <td>{m.precisionDefined ? pct(m.precision) : '–'}</td>
                <td>{m.recallDefined ? pct(m.recall) : '–'}</td>
                <td>{m.f1Defined ? pct(m.f1) : '–'}</td>
                <td>{m.support}</td>
                <td>{a.roc.curves[i].auc == null ? '–' : a.roc.curves[i].auc!.toFixed(3)}</td>
              </tr>
            ))}
            <tr className="avg-row">
              <th scope="row">Macro average</th>
              <td>{pct(a.avg.macro.precision)}</td>
              <td>{pct(a.avg.macro.recall)}</td>
              <td>{pct(a.avg.macro.f1)}</td>
              <td>{a.labels.length}</td>
              <td>{a.roc.macroAuc == null ? '–' : a.roc.macroAuc.toFixed(3)}</td>
            </tr>
            <tr className="avg-row">
              <th scope="row">Weighted average</th>
              <td>{pct(a.avg.weighted.precision)}</td>
              <td>{pct(a.avg.weighted.recall)}</td>
              <td>{pct(a.avg.weighted.f1)}</td>
              <td>{a.labels.length}</td>
              <td />
            </tr>
          </tbody>
        </table>
      </section>
      <div className="eval-grid">
        <section className="panel">
          <RocChart roc={a.roc} classes={a.classes} />
        </section>
        <section className="panel">
          <ReliabilityChart rel={a.calibration} />
        </section>
      </div>
      <ErrorGallery testId="misclassified" title={`Misclassified (${a.errors.misclassified.length}), most confident first`} items={a.errors.misclassified} classes={a.classes} empty="No mistakes on the validation set." onExplain={setExplain} />
      <ErrorGallery testId="least-confident" title="Correct but least confident" items={a.errors.leastConfident.slice(0, 24)} classes={a.classes} empty="No correct predictions." onExplain={setExplain} />
      <GradCamDialog runId={run.id} imageId={explain} classes={a.classes} onClose={() => setExplain(null)} />
    </div>
  );
}
