// Shows how much of the browser's storage the studio uses and whether it is persistent.
import { useStudio } from '../stores/studio-store';
import { formatBytes } from '../components/ui/format';

export function StorageMeter() {
  const storage = useStudio((s) => s.storage);
  const persisted = useStudio((s) => s.persisted);
  const ask = useStudio((s) => s.askPersistence);
  if (!storage) return <div className="storage-meter muted">Storage: measuring…</div>;
  const pct = storage.quota > 0 ? Math.min(100, (storage.usage / storage.quota) * 100) : 0;
  return (
    <div className="storage-meter" data-testid="storage-meter">
      <span>
        All projects: <strong data-testid="storage-usage">{formatBytes(storage.usage)}</strong> of {formatBytes(storage.quota)}
      </span>
      <meter min={0} max={100} value={pct} aria-label="Storage used" />
      {persisted ? (
        <span className="badge ok" title="The browser will not evict the studio's data under storage pressure">
          Persistent
        </span>
      ) : (
        <button type="button" className="small" onClick={() => void ask()} title="Asks the browser never to clear the studio's projects to free space">
          Keep data persistent
        </button>
      )}
    </div>
  );
}
