// Side-by-side comparison of the runs picked on the Runs tab: the settings that differ, the
// results, and validation accuracy and loss of every run on one chart each.
import { useMemo } from 'react';
import type { RunRecord } from '../../persistence/db';
import { formatDuration } from '../../components/ui/format';
import { OverlayChart, RUN_PALETTE } from './charts';
import { configDiff, formatLoss, formatPct, trainingSeconds } from './run-format';

export function RunCompare({ runs }: { runs: RunRecord[] }) {
  const diff = useMemo(() => configDiff(runs), [runs]);
  const results = useMemo(
    () => [
      { key: 'bestValAcc', label: 'Best validation accuracy', values: runs.map((r) => formatPct(r.bestValAcc)) },
      { key: 'bestValLoss', label: 'Best validation loss', values: runs.map((r) => formatLoss(r.bestValLoss)) },
      { key: 'bestEpoch', label: 'Best epoch', values: runs.map((r) => (r.bestEpoch == null ? '–' : String(r.bestEpoch))) },
      { key: 'epochs', label: 'Epochs', values: runs.map((r) => `${r.history.length} / ${r.totalEpochs}`) },
      { key: 'time', label: 'Training time', values: runs.map((r) => formatDuration(trainingSeconds(r))) },
    ],
    [runs],
  );

  return (
    <section className="run-compare" aria-labelledby="run-compare-title" data-testid="run-compare">
      <div className="panel-head">
        <h3 id="run-compare-title">Compare {runs.length} runs</h3>
      </div>
      <div className="table-scroll">
        <table className="compare-table" data-testid="compare-table">
          <caption className="visually-hidden">Settings that differ between the selected runs, and their results</caption>
          <thead>
            <tr>
              <th scope="col">Setting</th>
              {runs.map((r, i) => (
                <th scope="col" key={r.id}>
                  <span className="run-swatch" style={{ background: RUN_PALETTE[i % RUN_PALETTE.length] }} aria-hidden="true" />
                  {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {diff.length === 0 ? (
              <tr>
                <th scope="row">Settings</th>
                <td colSpan={runs.length} className="muted">
                  All settings are the same.
                </td>
              </tr>
            ) : (
              diff.map((row) => (
                <tr key={row.key} data-testid="compare-row">
                  <th scope="row">{row.label}</th>
                  {row.values.map((v, i) => (
                    <td key={runs[i].id}>{v}</td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
          <tbody>
            <tr className="section-row">
              <th scope="colgroup" colSpan={runs.length + 1}>
                Results
              </th>
            </tr>
            {results.map((row) => (
              <tr key={row.key} data-testid="compare-result">
                <th scope="row">{row.label}</th>
                {row.values.map((v, i) => (
                  <td key={runs[i].id} className="num">
                    {v}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="chart-grid">
        <OverlayChart runs={runs} metric="valAcc" />
        <OverlayChart runs={runs} metric="valLoss" />
      </div>
    </section>
  );
}
