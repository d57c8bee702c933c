// What to train: frozen backbone (head only, on cached features) or fine-tuning the last N blocks,
// with a layer view (blocks, output shapes, parameters) and per-layer toggles; the trainable
// parameter count updates as you go.
import { useMemo, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import { CheckField, NumberField, RangeField } from '../../components/ui/fields';
import { layerTrainable, openBlocks } from '../../core/backbones/layers';
import { headParams, trainableCount } from './trainable';

export function FreezePanel() {
  const cfg = useStudio((s) => s.trainConfig);
  const set = useStudio((s) => s.setTrainConfig);
  const info = useStudio((s) => s.backboneInfo);
  const classCount = useStudio((s) => s.classes.filter((c) => c.imageCount > 0).length);
  const layers = info && info.spec.id === cfg.backbone.id ? info.layers : null;
  const blocks = info?.blocks ?? [];
  const counts = useMemo(() => (layers ? trainableCount(layers, blocks, cfg) : null), [layers, blocks, cfg]);
  const open = openBlocks(blocks, cfg.trainableBlocks);
  const featureDim = info?.spec.featureDim || cfg.backbone.featureDim;
  const head = headParams(featureDim, Math.max(2, classCount), cfg.head);
  const finetune = cfg.mode === 'finetune';
  // The table (a row and a checkbox per layer, ~150 for MobileNetV2) is built only while open:
  // closed, it still re-rendered and restyled with every change of the config or the loaded
  // backbone, the largest part of the page's work when a run starts.
  const [layersOpen, setLayersOpen] = useState(false);
  return (
    <section className="panel" aria-labelledby="freeze-title">
      <h2 id="freeze-title">What to train</h2>
      <div className="mode-choice" role="radiogroup" aria-label="Training mode">
        <label className="check-label">
          <input type="radio" name="mode" checked={!finetune} onChange={() => set({ mode: 'frozen' })} />
          <span>
            <strong>Frozen backbone</strong> — teach only a last layer (the head) on what the pretrained model sees; fast, good for most projects
          </span>
        </label>
        <label className="check-label">
          <input type="radio" name="mode" checked={finetune} disabled={!cfg.backbone.fineTunable} onChange={() => set({ mode: 'finetune' })} />
          <span>
            <strong>Fine-tune</strong> — teach the head first, then adjust the pretrained model’s last blocks too; slower, helps when your photos look unlike everyday pictures
            {!cfg.backbone.fineTunable && ' (not available: this backbone is frozen-only)'}
          </span>
        </label>
      </div>
      <div className="field-row">
        <NumberField label="Head hidden units (0 = none)" value={cfg.head.hiddenUnits} min={0} max={2048} step={1} onChange={(v) => set({ head: { ...cfg.head, hiddenUnits: Math.round(v) } })} hint="An extra layer in the head; 0 keeps it simplest" />
        <NumberField label="Head dropout" value={cfg.head.dropout} min={0} max={0.9} step={0.05} onChange={(v) => set({ head: { ...cfg.head, dropout: v } })} hint="Randomly ignores features while learning, against memorising" />
        <NumberField label="Head L2" value={cfg.head.l2} min={0} step="any" onChange={(v) => set({ head: { ...cfg.head, l2: v } })} hint="Keeps the head’s weights small, against memorising" />
      </div>
      {finetune && (
        <>
          <RangeField
            label="Train the last N blocks"
            value={cfg.trainableBlocks}
            min={0}
            max={Math.max(1, blocks.length)}
            step={1}
            onChange={(v) => set({ trainableBlocks: v, layerOverrides: {} })}
            format={(v) => `${v} of ${blocks.length || '?'}`}
          />
          <p className="muted" data-testid="trainable-count">
            Trainable: {counts ? counts.backbone.toLocaleString() : '–'} backbone parameters
            {counts ? ` of ${counts.total.toLocaleString()}` : ''} + {head.toLocaleString()} in the head. BatchNorm layers stay frozen and run in inference mode.
          </p>
        </>
      )}
      {!finetune && (
        <p className="muted">
          {featureDim > 0 ? `Trainable: ${head.toLocaleString()} parameters in the head; the backbone stays frozen.` : 'Trainable: known once the model is loaded; the backbone stays frozen.'}
        </p>
      )}
      {finetune && !layers && <p className="muted">Load the backbone above to see and toggle its layers.</p>}
      {finetune && layers && (
        <details className="layer-view" onToggle={(e) => setLayersOpen(e.currentTarget.open)}>
          <summary>Layers ({layers.length})</summary>
          {layersOpen && <div className="layer-scroll">
            <table className="layer-table">
              <thead>
                <tr>
                  <th scope="col">Block</th>
                  <th scope="col">Layer</th>
                  <th scope="col">Output</th>
                  <th scope="col" className="num">
                    Params
                  </th>
                  <th scope="col">Train</th>
                </tr>
              </thead>
              <tbody>
                {layers.map((l) => {
                  const on = layerTrainable(l, open, { overrides: cfg.layerOverrides });
                  return (
                    <tr key={l.name} className={on ? 'layer-on' : ''}>
                      <td>{l.block}</td>
                      <td>
                        {l.name} <span className="muted">{l.className}</span>
                      </td>
                      <td>{l.outputShape}</td>
                      <td className="num">{l.params.toLocaleString()}</td>
                      <td>
                        {l.params > 0 && (
                          <CheckField
                            label={<span className="visually-hidden">Train {l.name}</span>}
                            checked={on}
                            onChange={(v) => set({ layerOverrides: { ...cfg.layerOverrides, [l.name]: v } })}
                          />
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>}
        </details>
      )}
    </section>
  );
}
