// Import progress (count, rate, ETA, cancel) and the report that lists every skipped file.
import { useStudio } from '../../stores/studio-store';
import { formatDuration, plural } from '../../components/ui/format';
import type { ImportReport } from '../../import/types';

export function ImportProgressBar() {
  const p = useStudio((s) => s.importProgress);
  const cancel = useStudio((s) => s.cancelImport);
  if (!p) return null;
  const pct = p.total > 0 ? Math.round((p.done / p.total) * 100) : 0;
  return (
    <section className="import-progress" aria-label={p.phase === 'remaking' ? 'Progress remaking training copies' : 'Import progress'} data-testid="import-progress">
      <div className="import-progress-head">
        <strong>
          {p.phase === 'reading'
            ? 'Reading files…'
            : p.phase === 'remaking'
              ? `Remaking training copies ${p.done.toLocaleString()} of ${p.total.toLocaleString()}`
              : `Importing ${p.done.toLocaleString()} of ${p.total.toLocaleString()}`}
        </strong>
        <button type="button" className="small" onClick={cancel}>
          {p.phase === 'remaking' ? 'Cancel' : 'Cancel import'}
        </button>
      </div>
      <progress max={p.total || 1} value={p.done} aria-label={p.phase === 'remaking' ? 'Remade so far' : 'Imported so far'} />
      <div className="import-progress-stats muted">
        <span>{pct}%</span>
        <span>{p.rate > 0 ? `${p.rate.toFixed(1)} images/s` : '–'}</span>
        <span>ETA {formatDuration(p.etaSeconds)}</span>
        <span>{p.phase === 'remaking' ? `${plural(p.imported, 'copy', 'copies')} remade` : `${plural(p.imported, 'image')} added`}</span>
        {p.skipped > 0 && <span>{p.skipped} skipped</span>}
      </div>
    </section>
  );
}

function Summary({ r }: { r: ImportReport }) {
  const secs = (r.finishedAt - r.startedAt) / 1000;
  const parts = [`${plural(r.imported, 'image')} imported in ${formatDuration(secs)}`];
  if (r.skipped.length) parts.push(`${r.skipped.length} skipped`);
  if (r.duplicates) parts.push(`${plural(r.duplicates, 'duplicate')}`);
  if (r.ignored.length) parts.push(`${r.ignored.length} hidden or system files ignored`);
  if (r.cancelled) parts.push(`${r.cancelled} not imported (cancelled)`);
  return <p data-testid="report-summary">{parts.join(' · ')}</p>;
}

export function ImportReportPanel() {
  const r = useStudio((s) => s.importReport);
  const dismiss = useStudio((s) => s.dismissReport);
  if (!r) return null;
  const tone = r.storageFull ? 'error' : r.skipped.length > 0 || r.cancelled > 0 ? 'warn' : 'ok';
  return (
    <section className={`import-report tone-${tone}`} aria-labelledby="report-title" data-testid="import-report">
      <div className="import-report-head">
        <h2 id="report-title">{r.cancelled ? 'Import cancelled' : r.storageFull ? 'Import stopped: storage is full' : 'Import finished'}</h2>
        <button type="button" className="small" onClick={dismiss}>
          Dismiss
        </button>
      </div>
      <Summary r={r} />
      {r.storageFull && (
        <p className="error-text">
          The browser refused to store more. The files below marked “storage is full” were not saved; everything saved
          before is intact. Free space by deleting projects or images, then import those files again.
        </p>
      )}
      {r.perClass.length > 0 && (
        <p className="muted">
          Added:{' '}
          {r.perClass.map((c, i) => (
            <span key={c.className}>
              {i > 0 && ', '}
              {c.className} <strong>{c.count}</strong>
            </span>
          ))}
        </p>
      )}
      {r.downscaled.length > 0 && <p className="muted">Very large images reduced while decoding: {r.downscaled.join(', ')}</p>}
      {r.skipped.length > 0 && (
        <table className="report-table">
          <caption className="visually-hidden">Skipped files</caption>
          <thead>
            <tr>
              <th scope="col">Skipped file</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {r.skipped.map((s, i) => (
              <tr key={`${s.path}-${i}`} data-testid="report-row" data-code={s.code} data-path={s.path}>
                <td className="report-path">{s.path}</td>
                <td>{s.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.emptyFolders.length > 0 && (
        <p className="muted" data-testid="report-empty-folders">
          Empty folders (no class created): {r.emptyFolders.join(', ')}
        </p>
      )}
      {r.ignored.length > 0 && (
        <details>
          <summary>{plural(r.ignored.length, 'hidden or system file')} ignored</summary>
          <ul className="ignored-list">
            {r.ignored.map((p) => (
              <li key={p} data-testid="report-ignored">
                {p}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
