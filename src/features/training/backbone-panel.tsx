// Choosing the pretrained backbone: a card per catalog entry (source, input size, preprocessing,
// parameters, download size, licence, fine-tunable or frozen-only) or a model.json URL of your own.
import { useId, useState } from 'react';
import { BACKBONES, type BackboneSpec } from '../../core/backbones/catalog';
import { useStudio } from '../../stores/studio-store';
import { formatBytes } from '../../components/ui/format';

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

function Card({ spec, selected, onSelect }: { spec: BackboneSpec; selected: boolean; onSelect: () => void }) {
  const pre = spec.preprocessing;
  return (
    <label className={`backbone-card${selected ? ' selected' : ''}`} data-testid="backbone-card">
      <input type="radio" name="backbone" checked={selected} onChange={onSelect} />
      <span className="backbone-name">{spec.name}</span>
      <span className={`badge ${spec.fineTunable ? 'ok' : ''}`}>{spec.fineTunable ? 'fine-tunable' : 'frozen only'}</span>
      <span className="backbone-meta muted">
        {spec.inputSize} px · {(spec.params / 1e6).toFixed(2)} M params · {formatBytes(spec.downloadBytes)} · {pre.resize === 'center-crop' ? 'centre crop' : 'resize'}, x·{pre.scale.toPrecision(3)}
        {pre.offset ? ` ${pre.offset > 0 ? '+' : '−'} ${Math.abs(pre.offset)}` : ''}
      </span>
      <span className="backbone-meta muted">
        {spec.source} · {spec.license}
      </span>
    </label>
  );
}

export function BackbonePanel() {
  const cfg = useStudio((s) => s.trainConfig);
  const select = useStudio((s) => s.selectBackbone);
  const load = useStudio((s) => s.loadBackbone);
  const info = useStudio((s) => s.backboneInfo);
  const progress = useStudio((s) => s.backboneProgress);
  const [url, setUrl] = useState(cfg.backbone.family === 'custom' ? cfg.backbone.source : '');
  const urlId = useId();
  const current = cfg.backbone;
  const loaded = info && info.spec.id === current.id;
  return (
    <section className="panel" aria-labelledby="bb-title">
      <h2 id="bb-title">Backbone</h2>
      <div className="backbone-grid" role="radiogroup" aria-label="Pretrained backbones">
        {BACKBONES.map((b) => (
          <Card key={b.id} spec={b} selected={current.id === b.id} onSelect={() => select(b)} />
        ))}
      </div>
      <form
        className="custom-url"
        onSubmit={(e) => {
          e.preventDefault();
          if (url.trim()) select(customSpec(url.trim()));
        }}
      >
        <label htmlFor={urlId}>Or your own TF.js layers model (URL of its model.json)</label>
        <div className="inline">
          <input id={urlId} value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://…/model.json" />
          <button type="submit">Use this model</button>
        </div>
      </form>
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
        ) : (
          <span className="muted">Not loaded yet. Training loads it automatically; load it now to see its layers.</span>
        )}
        {!progress && !loaded && (
          <button type="button" className="small" onClick={load}>
            Load backbone
          </button>
        )}
      </div>
    </section>
  );
}
