// Validation and test side by side, each figure with its 95% interval and n, and which one to
// quote: validation images chose the epoch (early stopping, restored best), so only the test
// set is untouched by every choice. Per-class figures carry bootstrap intervals, and a second
// run is compared on the same images with an exact McNemar test.
import { useMemo } from 'react';
import { wilson } from '../../core/metrics/intervals';
import { bootstrapClassMetrics, type Interval } from '../../core/metrics/bootstrap';
import { mcnemar, pairByImage } from '../../core/metrics/paired';
import type { RunRecord } from '../../persistence/db';
import { analyseEvaluation, pct, type RunAnalysis } from './evaluate-model';

const range = (i: Interval | null, f: (x: number) => string) => (i ? `${f(i.lo)}–${f(i.hi)}` : '');
const auc3 = (x: number) => x.toFixed(3);

function correctCount(x: RunAnalysis) {
  return x.predicted.reduce((k, p, i) => k + (p === x.labels[i] ? 1 : 0), 0);
}

function SetRow({ name, x, quote, testId }: { name: string; x: RunAnalysis | null; quote: boolean; testId: string }) {
  const boot = useMemo(() => (x ? bootstrapClassMetrics(x.probabilities, x.labels, x.classes.length, { seed: 1 }) : null), [x]);
  if (!x) {
    return (
      <tr>
        <th scope="row">{name}</th>
        <td colSpan={4} className="muted">{name === 'Test' ? 'No test set in this run' : 'No validation images'}</td>
      </tr>
    );
  }
  const acc = wilson(correctCount(x), x.labels.length);
  return (
    <tr className={quote ? 'quote-row' : undefined} data-testid={testId}>
      <th scope="row">{name}{quote && <span className="quote-badge">quote this</span>}</th>
      <td>
        <strong>{pct(acc.p)}</strong> <span className="muted">({pct(acc.lo)}–{pct(acc.hi)})</span>
      </td>
      <td>{acc.k} / {acc.n}</td>
      <td>{pct(x.avg.macro.f1)}</td>
      <td>
        {x.roc.macroAuc == null ? '–' : auc3(x.roc.macroAuc)} {boot?.macroAuc && <span className="muted">({range(boot.macroAuc, auc3)})</span>}
      </td>
    </tr>
  );
}

function PerClassIntervals({ x, setName }: { x: RunAnalysis; setName: string }) {
  const boot = useMemo(() => bootstrapClassMetrics(x.probabilities, x.labels, x.classes.length, { seed: 1 }), [x]);
  return (
    <details className="heldout-classes">
      <summary>Per class on the {setName} set, with 95% bootstrap intervals ({boot.resamples} resamples)</summary>
      <div className="scroll-box" tabIndex={0} role="region" aria-label="Per-class figures">
      <table className="metrics-table" data-testid="per-class-intervals">
        <thead>
          <tr><th scope="col">Class</th><th scope="col">Precision</th><th scope="col">Recall</th><th scope="col">F1</th><th scope="col">AUC</th><th scope="col">n</th></tr>
        </thead>
        <tbody>
          {x.perClass.map((m, i) => (
            <tr key={x.classes[i]}>
              <th scope="row">{x.classes[i]}</th>
              <td>{m.precisionDefined ? pct(m.precision) : '–'} <span className="muted">{range(boot.perClass[i].precision, pct)}</span></td>
              <td>{m.recallDefined ? pct(m.recall) : '–'} <span className="muted">{range(boot.perClass[i].recall, pct)}</span></td>
              <td>{m.f1Defined ? pct(m.f1) : '–'} <span className="muted">{range(boot.perClass[i].f1, pct)}</span></td>
              <td>{x.roc.curves[i].auc == null ? '–' : auc3(x.roc.curves[i].auc!)} <span className="muted">{range(boot.perClass[i].auc, auc3)}</span></td>
              <td>{m.support}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </details>
  );
}

function Comparison({ run, other, useTest }: { run: RunRecord; other: RunRecord; useTest: boolean }) {
  const res = useMemo(() => {
    const a = analyseEvaluation(run, useTest ? run.testEvaluation : run.evaluation);
    const b = analyseEvaluation(other, useTest ? other.testEvaluation : other.evaluation);
    if (!a || !b) return null;
    const pair = pairByImage(a, b);
    return pair.shared ? { shared: pair.shared, ...mcnemar(pair.correctA, pair.correctB) } : null;
  }, [run, other, useTest]);
  const setName = useTest ? 'test' : 'validation';
  if (!res) return <p className="muted small-text" data-testid="paired-test">{run.name} and {other.name} share no {setName} images, so they cannot be compared image by image.</p>;
  const verdict = res.p < 0.05 ? 'larger than the noise (p < 0.05)' : 'within the noise: on these images neither run is shown to be better';
  return (
    <p className="small-text" data-testid="paired-test">
      On the {res.shared} {setName} images both runs scored, {run.name} alone got {res.onlyA} right and {other.name} alone got {res.onlyB} right. Exact McNemar
      test: p = {res.p < 0.001 ? res.p.toExponential(1) : res.p.toFixed(3)}, the difference is {verdict}.
    </p>
  );
}

export function HeldOutPanel({ run, other }: { run: RunRecord; other: RunRecord | null }) {
  const val = useMemo(() => analyseEvaluation(run, run.evaluation), [run]);
  const test = useMemo(() => analyseEvaluation(run, run.testEvaluation), [run]);
  const quoted = test ?? val;
  return (
    <section className="panel heldout" aria-label="Validation and test" data-testid="heldout-panel">
      <h2>Validation and test</h2>
      <div className="scroll-box" tabIndex={0} role="region" aria-label="Validation and test figures">
      <table className="metrics-table">
        <thead>
          <tr><th scope="col">Set</th><th scope="col">Accuracy (95% interval)</th><th scope="col">Right</th><th scope="col">Macro F1</th><th scope="col">Macro AUC (95%)</th></tr>
        </thead>
        <tbody>
          <SetRow name={val?.outOfFold ? 'Out of fold (training + validation)' : 'Validation'} x={val} quote={!test} testId="heldout-validation" />
          <SetRow name="Test" x={test} quote={test != null} testId="heldout-test" />
        </tbody>
      </table>
      </div>
      <p className="small-text muted">
        {val?.outOfFold
          ? test
            ? `Quote the test figure: it scores the kept classifier on images no training step or choice touched. The out-of-fold figure comes from Auto's ${val.outOfFold.k}-fold cross-validation: each training and validation image scored by a classifier that did not train on it.`
            : `Auto's ${val.outOfFold.k}-fold cross-validation scored each training and validation image with a classifier that did not train on it, then trained the kept classifier on all of them: the figure estimates how a classifier trained this way does on new photos. Set a test share on the Train tab, or mark images as test, to score the kept classifier itself.`
          : test
          ? 'Quote the test figure: the validation images helped choose the epoch, so their score runs a little high. The test images were never used for training or any choice.'
          : 'This run has no test set, so its figures come from the validation images that also chose the epoch and may run high. Set a test share on the Train tab, or mark images as test, to get a figure no choice has touched.'}
      </p>
      {test && run.testLastEpoch && (
        <p className="small-text" data-testid="last-epoch-test">
          Early stopping kept epoch {run.bestEpoch ?? '?'}; the last epoch ({run.testLastEpoch.epoch}) scored {(run.testLastEpoch.accuracy * 100).toFixed(1)}% on the same{' '}
          {run.testLastEpoch.n} test images.
        </p>
      )}
      {quoted && <PerClassIntervals x={quoted} setName={test ? 'test' : val?.outOfFold ? 'out-of-fold' : 'validation'} />}
      {other && <Comparison run={run} other={other} useTest={test != null && other.testEvaluation != null} />}
    </section>
  );
}
