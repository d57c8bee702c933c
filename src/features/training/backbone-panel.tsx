// Choosing the pretrained backbone: a card per catalog entry (source, input size, preprocessing,
// parameters, download size, licence, fine-tunable or frozen-only) or a model.json URL of your own.
import { useEffect, useId, useRef, useState } from 'react';
import { BACKBONES, type BackboneSpec } from '../../core/backbones/catalog';
import { useStudio } from '../../stores/studio-store';
import { formatBytes } from '../../components/ui/format';
import { backboneNote, backboneTitle } from './plain-words';

export function customSpec(url: string, inputSize = 224): BackboneSpec {
  let host = url;
  try {
    host = new URL(url, location.href).host || 'local file';
  } catch {
    // keep the text
  }
  return {
    id: `custom:${url}`,
    name: `Custom model (${host})`,
    family: 'custom',
    format: 'layers',
    url: new URL(url, location.href).href,
    inputSize,
    featureDim: 0,
    preprocessing: { scale: 1 / 127.5, offset: -1, resize: 'center-crop' },
    params: 0,
    downloadBytes: 0,
    license: 'as published by its author',
    source: url,
    fineTunable: true,
  };
}

function Card({ spec, selected, stored, onSelect }: { spec: BackboneSpec; selected: boolean; stored: boolean; onSelect: () => void }) {
  const pre = spec.preprocessing;
  return (
    <div className={`backbone-card${selected ? ' selected' : ''}`} data-testid="backbone-card">
      <label className="backbone-pick">
        <input type="radio" name="backbone" checked={selected} onChange={onSelect} />
        <span className="backbone-name">{backboneTitle(spec)}</span>
        <span className="backbone-tech muted">{spec.name}</span>
      </label>
      <span className="backbone-meta">
        {backboneNote(spec, stored)}
        {spec.fineTunable ? '' : ' · frozen only'}
      </span>
      <details className="backbone-detail">
        <summary>Technical details</summary>
        <span className="backbone-meta muted">
          {spec.inputSize} px · {(spec.params / 1e6).toFixed(2)} M params · {formatBytes(spec.downloadBytes)} · {pre.resize === 'center-crop' ? 'centre crop' : 'resize'}, x·{pre.scale.toPrecision(3)}
          {pre.offset ? ` ${pre.offset > 0 ? '+' : '−'} ${Math.abs(pre.offset)}` : ''} · {spec.fineTunable ? 'fine-tunable' : 'frozen only'}
        </span>
        <span className="backbone-meta muted">
          {spec.source} · {spec.license}
        </span>
      </details>
    </div>
  );
}

/** Pixel value ranges a custom model may expect. */
const RANGES = [
  { label: '−1 … 1 (MobileNet, Inception)', scale: 1 / 127.5, offset: -1 },
  { label: '0 … 1', scale: 1 / 255, offset: 0 },
  { label: '0 … 255', scale: 1, offset: 0 },
];

function CustomPreprocessing() {
  const cfg = useStudio((s) => s.trainConfig);
  const select = useStudio((s) => s.selectBackbone);
  const rangeId = useId();
  const resizeId = useId();
  const spec = cfg.backbone;
  const current = RANGES.findIndex((r) => Math.abs(r.scale - spec.preprocessing.scale) < 1e-9 && r.offset === spec.preprocessing.offset);
  return (
    <div className="field-row">
      <div className="field">
        <label htmlFor={rangeId}>Input pixel range</label>
        <select id={rangeId} value={current} onChange={(e) => { const r = RANGES[Number(e.target.value)]; select({ ...spec, preprocessing: { ...spec.preprocessing, scale: r.scale, offset: r.offset } }); }}>
          {RANGES.map((r, i) => (
            <option key={r.label} value={i}>
              {r.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={resizeId}>Fit to {spec.inputSize} px</label>
        <select id={resizeId} value={spec.preprocessing.resize} onChange={(e) => select({ ...spec, preprocessing: { ...spec.preprocessing, resize: e.target.value as 'center-crop' | 'stretch' } })}>
          <option value="center-crop">Centre crop</option>
          <option value="stretch">Stretch</option>
        </select>
      </div>
    </div>
  );
}

function CachedModels() {
  const cached = useStudio((s) => s.cachedBackbones);
  const load = useStudio((s) => s.loadCachedBackbones);
  const remove = useStudio((s) => s.deleteCachedBackbone);
  const select = useStudio((s) => s.selectBackbone);
  const current = useStudio((s) => s.trainConfig.backbone.id);
  useEffect(() => {
    void load();
  }, [load]);
  if (cached.length === 0) return null;
  return (
    <div className="cached-models">
      <h3>Stored in this browser (work offline)</h3>
      <ul data-testid="cached-backbones">
        {cached.map((c) => (
          <li key={c.id}>
            <span>
              {c.spec.name} <span className="muted">· {formatBytes(c.bytes)} · {c.source === 'import' ? 'imported' : 'downloaded'}</span>
            </span>
            {c.source === 'import' && current !== c.id && (
              <button type="button" className="small" onClick={() => select(c.spec)}>
                Use
              </button>
            )}
            <button type="button" className="small danger-text" aria-label={`Delete stored ${c.spec.name}`} onClick={() => void remove(c.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Reads a picked folder or zip and hands it to the worker, which validates and stores it. */
function ImportModel() {
  const importFiles = useStudio((s) => s.importBackboneFiles);
  const busy = useStudio((s) => s.backboneImporting);
  const folder = useRef<HTMLInputElement>(null);
  const zip = useRef<HTMLInputElement>(null);
  const onPick = (e: React.ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = '';
    if (!files.length) return;
    const first = files[0].webkitRelativePath || files[0].name;
    const name = files.length === 1 ? files[0].name.replace(/\.zip$/i, '') : first.split('/')[0];
    void importFiles(name, files.map((f) => ({ path: f.webkitRelativePath || f.name, file: f })));
  };
  return (
    <div className="inline import-model">
      <span className="muted small-text">Or import a TF.js model (model.json + weights):</span>
      <button type="button" className="small" disabled={busy} onClick={() => folder.current?.click()}>
        {busy ? 'Checking…' : 'Model folder…'}
      </button>
      <button type="button" className="small" disabled={busy} onClick={() => zip.current?.click()}>
        Model .zip…
      </button>
      <input ref={folder} type="file" hidden multiple data-testid="model-folder-input" aria-label="Import model folder" {...{ webkitdirectory: '' }} onChange={onPick} />
      <input ref={zip} type="file" hidden accept=".zip,application/zip" data-testid="model-zip-input" aria-label="Import model zip" onChange={onPick} />
    </div>
  );
}

export function BackbonePanel() {
  const cfg = useStudio((s) => s.trainConfig);
  const select = useStudio((s) => s.selectBackbone);
  const load = useStudio((s) => s.loadBackbone);
  const info = useStudio((s) => s.backboneInfo);
  const progress = useStudio((s) => s.backboneProgress);
  // A failure outside a run (loading or measuring) has nowhere else to show.
  const error = useStudio((s) => (s.trainError && !s.trainError.runId ? s.trainError : null));
  const [url, setUrl] = useState(cfg.backbone.family === 'custom' ? cfg.backbone.source : '');
  const urlId = useId();
  const current = cfg.backbone;
  const loaded = info && info.spec.id === current.id;
  const stored = useStudio((s) => s.cachedBackbones);
  return (
    <section className="panel" aria-labelledby="bb-title">
      <h2 id="bb-title">Backbone</h2>
      <p className="muted small-text">The pretrained model your classifier builds on. Larger ones can be more accurate but train and run slower.</p>
      <div className="backbone-grid" role="radiogroup" aria-label="Pretrained backbones">
        {BACKBONES.map((b) => (
          <Card key={b.id} spec={b} selected={current.id === b.id} stored={stored.some((c) => c.id === b.id)} onSelect={() => select(b)} />
        ))}
      </div>
      <form
        className="custom-url"
        onSubmit={(e) => {
          e.preventDefault();
          if (!url.trim()) return;
          select(customSpec(url.trim()));
          // Load it straight away, so its check (format, weights, input) and its size show now.
          load();
        }}
      >
        <label htmlFor={urlId}>Or your own TF.js layers model (URL of its model.json)</label>
        <div className="inline">
          <input id={urlId} value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://…/model.json" />
          <button type="submit">Use this model</button>
        </div>
      </form>
      <ImportModel />
      {current.family === 'custom' && <CustomPreprocessing />}
      <CachedModels />
      <div className="backbone-status" data-testid="backbone-status">
        {progress ? (
          <>
            <span>Downloading {current.name}…</span>
            <progress max={progress.total || 1} value={progress.loaded} aria-label="Download progress" />
            <span className="muted">
              {formatBytes(progress.loaded)}
              {progress.total ? ` of ${formatBytes(progress.total)}` : ''}
            </span>
          </>
        ) : loaded ? (
          <span>
            ✓ {info.spec.name} ready: {info.layers.length} layers, {info.blocks.length} blocks, {info.params.toLocaleString()} parameters
            {info.fromCache ? ' (from this browser’s cache, works offline)' : ''}
          </span>
        ) : error ? (
          <span className="error-text" role="alert">
            Could not load {current.name}: {error.message}
          </span>
        ) : (
          <span className="muted">
            {current.family === 'custom' ? `Selected: ${backboneTitle(current)}. ` : ''}Not loaded yet. Training loads it automatically; load it now to check it and see its layers.
          </span>
        )}
        {!progress && !loaded && (
          <button type="button" className="small" onClick={load}>
            {error ? 'Try again' : 'Load backbone'}
          </button>
        )}
      </div>
    </section>
  );
}
