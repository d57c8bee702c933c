// Augmentation settings (each op with its strength, seeded) and a preview of augmented samples
// drawn by the training worker with the same tf ops training will use.
import { useEffect, useRef } from 'react';
import { AUGMENT_DEFAULTS, type AugmentConfig } from '../../core/augment/augment-config';
import { useStudio } from '../../stores/studio-store';
import { CheckField, NumberField, RangeField } from '../../components/ui/fields';
import type { PreviewImage } from '../../worker/protocol';

type NumKey = Exclude<keyof AugmentConfig, 'flipH' | 'flipV'>;
const OPS: { key: NumKey; label: string; max: number; step: number; fmt: (v: number) => string }[] = [
  { key: 'rotate', label: 'Rotation', max: 45, step: 1, fmt: (v) => `±${v}°` },
  { key: 'zoom', label: 'Random crop / zoom', max: 0.5, step: 0.05, fmt: (v) => `${Math.round(v * 100)}%` },
  { key: 'translate', label: 'Translation', max: 0.3, step: 0.01, fmt: (v) => `±${Math.round(v * 100)}%` },
  { key: 'brightness', label: 'Brightness', max: 0.5, step: 0.05, fmt: (v) => `±${v}` },
  { key: 'contrast', label: 'Contrast', max: 0.5, step: 0.05, fmt: (v) => `±${Math.round(v * 100)}%` },
  { key: 'saturation', label: 'Saturation', max: 0.5, step: 0.05, fmt: (v) => `±${Math.round(v * 100)}%` },
  { key: 'hue', label: 'Hue', max: 0.5, step: 0.01, fmt: (v) => `±${Math.round(v * 360)}°` },
  { key: 'noise', label: 'Gaussian noise', max: 0.2, step: 0.01, fmt: (v) => `σ ≤ ${v}` },
  { key: 'blur', label: 'Blur', max: 3, step: 0.25, fmt: (v) => `σ ≤ ${v}px` },
  { key: 'cutout', label: 'Cutout', max: 0.5, step: 0.05, fmt: (v) => `${Math.round(v * 100)}% side` },
];

function PreviewCanvas({ img }: { img: PreviewImage }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  }, [img]);
  return <canvas ref={ref} width={img.width} height={img.height} className="preview-canvas" role="img" aria-label="Augmented sample" />;
}

export function AugmentPanel() {
  const cfg = useStudio((s) => s.trainConfig);
  const set = useStudio((s) => s.setTrainConfig);
  const preview = useStudio((s) => s.augmentPreview);
  const requestPreview = useStudio((s) => s.previewAugment);
  const a = cfg.augment;
  const patch = (p: Partial<AugmentConfig>) => set({ augment: { ...a, ...p } });
  return (
    <section className="panel" aria-labelledby="aug-title">
      <h2 id="aug-title">Augmentation</h2>
      <CheckField
        label="Augment training images (seeded random transforms)"
        hint="Trains on varied copies of each photo (flipped, turned, brighter…), so it copes with new photos"
        checked={cfg.augmentEnabled}
        onChange={(v) => set({ augmentEnabled: v, augment: v && Object.keys(a).length === 0 ? { ...AUGMENT_DEFAULTS } : a })}
      />
      {cfg.augmentEnabled && (
        <>
          <div className="field-row">
            <CheckField label="Horizontal flip" hint="Mirror left-right; fine unless direction matters" checked={!!a.flipH} onChange={(v) => patch({ flipH: v })} />
            <CheckField label="Vertical flip" hint="Upside down; only for photos with no up (microscopy, aerial)" checked={!!a.flipV} onChange={(v) => patch({ flipV: v })} />
          </div>
          <div className="aug-grid">
            {OPS.map((op) => (
              <RangeField key={op.key} label={op.label} value={a[op.key] ?? 0} min={0} max={op.max} step={op.step} format={(v) => (v ? op.fmt(v) : 'off')} onChange={(v) => patch({ [op.key]: v })} />
            ))}
          </div>
          {cfg.mode === 'frozen' && (
            <NumberField
              label="Augmented views per image"
              value={cfg.augmentViews}
              min={1}
              max={16}
              step={1}
              onChange={(v) => set({ augmentViews: Math.round(v) })}
              hint="With a frozen backbone, features are computed once per view; each epoch draws one view per image."
            />
          )}
          <div className="inline">
            <button type="button" className="small" onClick={requestPreview}>
              Preview augmented samples
            </button>
          </div>
          {preview && (
            <div className="aug-preview" data-testid="augment-preview">
              {preview.map((img, i) => (
                <PreviewCanvas key={i} img={img} />
              ))}
            </div>
          )}
        </>
      )}
    </section>
  );
}
