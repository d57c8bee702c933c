// Asks before the demo page loads a model from another site: a #model= link can point anywhere,
// so the visitor sees where the model and its labels come from and chooses to load it.
import type { DemoSource } from './hash';

/** The other origins a source would load from (model.json and metadata.json), or null when all are this page's. */
export function foreignOrigins(source: DemoSource | null, pageOrigin: string): string[] | null {
  if (source?.kind !== 'model') return null;
  const origins = [...new Set([source.modelUrl, source.metadataUrl].map((u) => new URL(u).origin))].filter((o) => o !== pageOrigin);
  return origins.length > 0 ? origins : null;
}

export function OriginNotice({ origins, modelUrl, onLoad }: { origins: string[]; modelUrl: string; onLoad: () => void }) {
  return (
    <section className="demo-card demo-origin" aria-labelledby="demo-origin-heading" data-testid="demo-origin">
      <h1 id="demo-origin-heading" className="demo-title">Load a model from another site?</h1>
      <p>
        This link opens a model hosted on <strong data-testid="demo-origin-host">{origins.join(', ')}</strong>, not on this
        site. Finetune Studio did not make it; it runs only in your browser, within a size and compute budget.
      </p>
      <p className="demo-muted demo-small demo-origin-url">{modelUrl}</p>
      <div className="demo-actions">
        <button type="button" className="demo-btn demo-btn-primary" onClick={onLoad}>
          Load the model
        </button>
        <a className="demo-btn" href="./">
          Don’t load
        </a>
      </div>
    </section>
  );
}
