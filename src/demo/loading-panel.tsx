// Download progress while a model opens.
import { formatBytes } from './budget-fetch';
import type { LoadProgress } from './classifier';

const STAGES: Record<LoadProgress['stage'], string> = {
  metadata: 'Reading the model’s labels…',
  download: 'Downloading the model…',
  build: 'Building the model…',
  warmup: 'Getting ready…',
};

export function LoadingPanel({ progress }: { progress: LoadProgress }) {
  const { stage, loadedBytes, totalBytes } = progress;
  const known = stage === 'download' && totalBytes > 0;
  return (
    <section className="demo-card demo-loading" aria-busy="true" data-testid="demo-loading">
      <p className="demo-loading-stage" role="status">{STAGES[stage]}</p>
      {known ? (
        <progress aria-label="Download progress" max={totalBytes} value={Math.min(loadedBytes, totalBytes)} />
      ) : (
        <progress aria-label="Loading" />
      )}
      <p className="demo-muted demo-small">
        {known ? `${formatBytes(loadedBytes)} of ${formatBytes(totalBytes)}` : stage === 'download' ? `${formatBytes(loadedBytes)}` : '\u00a0'}
      </p>
    </section>
  );
}
