// The Evaluate ("Check") tab, for people first: the kept model's headline figure and a plain
// sentence on what it mixes up, the photos it got wrong (fix a label in place), the confusion
// matrix; metrics, ROC and calibration under Details with a line each on what they mean.
import { useEffect, useMemo, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import { analyseRun, pct, plainSummary, type RunAnalysis } from './evaluate-model';
import { RunHeadline } from '../../components/data/run-headline';
import { projectHref } from '../../components/use-hash-route';
import { ConfusionMatrixTable } from './confusion-matrix';
import { ReliabilityChart, RocChart } from './eval-charts';
import { ErrorGallery, type GalleryItem } from './error-gallery';
import { GradCamDialog } from './grad-cam-dialog';
import { HeldOutPanel } from './held-out-panel';
import { TtaPanel } from './tta-panel';
import './evaluate.css';

function MetricsTable({ a, b, nameA, nameB }: { a: RunAnalysis; b: RunAnalysis | null; nameA: string; nameB?: string }) {
  const rows: [string, (x: RunAnalysis) => string, string][] = [
    ['Accuracy', (x) => pct(x.avg.accuracy), 'Share of images it got right.'],
    ['Macro precision', (x) => pct(x.avg.macro.precision), 'When it names a class, how often it is right (average over classes).'],
    ['Macro recall', (x) => pct(x.avg.macro.recall), 'Of each class’s images, how many it finds (average over classes).'],
    ['Macro F1', (x) => pct(x.avg.macro.f1), 'Precision and recall in one number (average over classes).'],
    ['Weighted F1', (x) => pct(x.avg.weighted.f1), 'The same, weighting each class by its number of images.'],
    ['Macro ROC AUC', (x) => (x.roc.macroAuc == null ? '–' : x.roc.macroAuc.toFixed(3)), 'How well its scores rank a class’s images above the others (1 is perfect, 0.5 is chance).'],
    ['Calibration error (ECE)', (x) => pct(x.calibration.ece), 'How far its stated confidence is from how often it is right (lower is better).'],
    a.outOfFold
      ? ['Images scored out of fold', (x) => String(x.labels.length), `Training and validation images, each scored by the one of ${a.outOfFold.k} cross-validation classifiers that did not train on it.`]
      : ['Validation images', (x) => String(x.labels.length), 'Images held out of training and scored here.'],
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
        {rows.map(([label, f, means]) => (
          <tr key={label}>
            <th scope="row">
              {label}
              <small className="metric-means">{means}</small>
            </th>
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
                {r.name}
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
      </div>
      <section className="panel eval-plain" aria-labelledby="eval-plain-title">
        <h2 id="eval-plain-title">How well it does</h2>
        <p className="eval-headline">
          <RunHeadline run={run} />
        </p>
        <p data-testid="eval-sentence">{plainSummary(a.cm, a.classes)}</p>
      </section>
      <HeldOutPanel run={run} other={other} />
      <TtaPanel run={run} />
      {a.outOfFold && (
        <p className="muted small-text panel" data-testid="eval-out-of-fold">
          The photos below were scored out of fold, like the figures above: by the one of {a.outOfFold.k} cross-validation classifiers that did not
          train on each. <em>Explain</em> shows where the kept classifier looks.
        </p>
      )}
      <ErrorGallery testId="misclassified" title={`Photos it got wrong (${a.errors.misclassified.length}), most confident first`} items={a.errors.misclassified} classes={a.classes} empty="No mistakes on the images it never trained on." onExplain={setExplain} />
      {project && (
        <div className="next-step panel">
          <span>Fixed a few labels? Train again to use them. Happy with it?</span>
          <a className="button primary" href={projectHref(project.id, 'use')}>
            Try it and export
          </a>
        </div>
      )}
      <section className="panel" aria-labelledby="cm-title">
        <h2 id="cm-title">Which class it takes for which</h2>
        <ConfusionMatrixTable cm={a.cm} classes={a.classes} selected={cell} onSelect={setCell} />
      </section>
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
      <details className="eval-details panel" data-testid="eval-details">
      <summary>Details: metrics and charts</summary>
      <section aria-labelledby="summary-title">
        <h2 id="summary-title">Summary</h2>
        <MetricsTable a={a} b={b} nameA={run.name} nameB={other?.name} />
      </section>
      <section aria-labelledby="per-class-title">
        <h2 id="per-class-title">Per class</h2>
        <p className="muted small-text">Precision: when it says this class, how often it is right. Recall: how many of this class’s images it finds. F1 combines the two. Support: images of the class scored.</p>
        <div className="table-box" tabIndex={0} role="region" aria-label="Per-class metrics, scrolls sideways on narrow screens">
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
        </div>
      </section>
      <div className="eval-grid">
        <section>
          <RocChart roc={a.roc} classes={a.classes} />
          <p className="muted small-text">Each line: how many of a class’s images it catches (up) against how many others it wrongly takes for that class (right). Closer to the top-left corner is better.</p>
        </section>
        <section>
          <ReliabilityChart rel={a.calibration} />
          <p className="muted small-text">Light bars: how sure it said it was; dark bars: how often it was right at that level of sureness. Bars of equal height mean its confidence can be trusted.</p>
        </section>
      </div>
      <ErrorGallery testId="least-confident" title="Right, but least sure" items={a.errors.leastConfident.filter((e) => e.confidence < 0.995).slice(0, 24)} classes={a.classes} empty="It was sure of every image it got right." onExplain={setExplain} />
      </details>
      <GradCamDialog runId={run.id} imageId={explain} classes={a.classes} onClose={() => setExplain(null)} />
    </div>
  );
}
