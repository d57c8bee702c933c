// The demo page: reads the model source from the URL fragment, opens it (progress, then the
// classifier UI) or shows why it cannot. Every untrusted string is rendered as React text.
import * as tf from '@tensorflow/tfjs';
import { useEffect, useMemo, useState } from 'react';
import { openClassifier, type Classifier, type LoadProgress } from './classifier';
import { ClassifyPanel } from './classify-panel';
import { ErrorPanel } from './error-panel';
import { parseDemoHash, type DemoSource } from './hash';
import { LoadingPanel } from './loading-panel';
import { foreignOrigins, OriginNotice } from './origin-notice';
import { errorText } from '../core/error-text';

/** `hash`: the fragment the state belongs to (a stale state is shown as loading). */
type State = { hash: string } & (
  | { kind: 'loading'; progress: LoadProgress; info: { name: string; labels: string[] } | null }
  | { kind: 'ready'; classifier: Classifier }
  | { kind: 'error'; reason: string }
);

const START: LoadProgress = { stage: 'metadata', loadedBytes: 0, totalBytes: 0 };

function useHash(): string {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function ModelHeader({ name, labels, description }: { name: string; labels: string[]; description?: string }) {
  return (
    <section className="demo-card demo-model">
      <h1 className="demo-title" data-testid="demo-title">
        {name}
      </h1>
      <p className="demo-small" data-testid="demo-purpose">
        Tells {labels.length === 2 ? 'two' : labels.length} kinds of photo apart:
      </p>
      <ul className="demo-labels" data-testid="demo-labels" aria-label="Classes">
        {labels.map((l, i) => (
          <li key={i} className="demo-label" title={l}>
            {l}
          </li>
        ))}
      </ul>
      {description && (
        <details className="demo-small demo-muted">
          <summary>Technical details</summary>
          {description}
        </details>
      )}
    </section>
  );
}

export function DemoApp() {
  const hash = useHash();
  const parsed = useMemo(() => parseDemoHash(hash, window.location.href), [hash]);
  const source: DemoSource | null = parsed.ok ? parsed.source : null;
  const [current, setState] = useState<State>({ hash: '\0', kind: 'loading', progress: START, info: null });
  const state: State = current.hash === hash ? current : { hash, kind: 'loading', progress: START, info: null };
  const [backend, setBackend] = useState('');
  const origins = useMemo(() => foreignOrigins(source, window.location.origin), [source]);
  const [allowed, setAllowed] = useState('');
  const asking = origins !== null && allowed !== hash;

  useEffect(() => {
    if (asking) return;
    if (!parsed.ok) {
      setState({ hash, kind: 'error', reason: parsed.reason });
      return;
    }
    const src = parsed.source;
    const abort = new AbortController();
    let opened: Classifier | null = null;
    setState({ hash, kind: 'loading', progress: { ...START, stage: src.kind === 'link' ? 'build' : 'metadata' }, info: null });
    openClassifier(src, {
      signal: abort.signal,
      onProgress: (progress) => {
        if (!abort.signal.aborted) setState((s) => (s.kind === 'loading' && s.hash === hash ? { ...s, progress } : s));
      },
      onInfo: (info) => {
        if (!abort.signal.aborted) setState((s) => (s.kind === 'loading' && s.hash === hash ? { ...s, info } : s));
      },
    }).then(
      (c) => {
        if (abort.signal.aborted) {
          c.dispose();
          return;
        }
        opened = c;
        setBackend(tf.getBackend() ?? '');
        setState({ hash, kind: 'ready', classifier: c });
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        setState({ hash, kind: 'error', reason: errorText(e) });
      },
    );
    return () => {
      abort.abort();
      opened?.dispose();
    };
  }, [hash, parsed, asking]);

  const name = state.kind === 'ready' ? state.classifier.name : state.kind === 'loading' ? state.info?.name : undefined;
  useEffect(() => {
    document.title = name ? `${name} · Finetune Studio demo` : 'Model demo · Finetune Studio';
  }, [name]);

  return (
    <div className="demo">
      <header className="demo-top">
        <a className="demo-brand" href="./">
          <span className="demo-brand-mark" aria-hidden="true">◆</span> Finetune Studio
        </a>
        <span className="demo-tag">Model demo</span>
      </header>
      <main className="demo-main">
        {asking && source?.kind === 'model' && <OriginNotice origins={origins} modelUrl={source.modelUrl} onLoad={() => setAllowed(hash)} />}
        {!asking && state.kind === 'error' && <ErrorPanel reason={state.reason} source={source} />}
        {!asking && state.kind === 'loading' && (
          <>
            {state.info ? (
              <ModelHeader name={state.info.name} labels={state.info.labels} />
            ) : (
              <section className="demo-card demo-model">
                <h1 className="demo-title">Opening the model…</h1>
              </section>
            )}
            <LoadingPanel progress={state.progress} />
          </>
        )}
        {state.kind === 'ready' && (
          <>
            <ModelHeader name={state.classifier.name} labels={state.classifier.labels} description={state.classifier.description} />
            <ClassifyPanel key={state.hash} classifier={state.classifier} />
          </>
        )}
      </main>
      <footer className="demo-foot demo-muted demo-small">
        Runs entirely in your browser{backend ? ` (TensorFlow.js, ${backend})` : ''}: images are never uploaded.
      </footer>
    </div>
  );
}
