// Grad-CAM over one validation image: where the model looked for the predicted (or a chosen)
// class, as a heatmap over the photo with a toggle and an opacity slider.
import { useEffect, useRef, useState } from 'react';
import { Dialog } from '../../components/ui/dialog';
import { useBlobUrl } from '../../components/data/use-blob-url';
import { useStudio } from '../../stores/studio-store';

interface Cam {
  heatmap: Float32Array;
  width: number;
  height: number;
  classIndex: number;
  probabilities: number[];
}

/** Jet-like colour map for t in [0, 1]. */
function colour(t: number): [number, number, number] {
  const r = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 3)));
  const g = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 2)));
  const b = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 1)));
  return [r * 255, g * 255, b * 255];
}

export function GradCamDialog(props: { runId: string; imageId: string | null; classes: string[]; onClose: () => void }) {
  const url = useBlobUrl('training', props.imageId);
  const [cam, setCam] = useState<Cam | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [target, setTarget] = useState<number | null>(null);
  const [show, setShow] = useState(true);
  const [opacity, setOpacity] = useState(0.5);
  const canvas = useRef<HTMLCanvasElement>(null);
  const gradCam = useStudio((s) => s.gradCam);

  useEffect(() => {
    if (!props.imageId) return;
    let live = true;
    setCam(null);
    setError(null);
    gradCam(props.runId, props.imageId, target)
      .then((r) => live && setCam(r))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [gradCam, props.runId, props.imageId, target]);

  useEffect(() => {
    const c = canvas.current;
    if (!c || !cam) return;
    // Paint the small map, then let the canvas scale it smoothly over the photo.
    const small = new OffscreenCanvas(cam.width, cam.height);
    const sctx = small.getContext('2d')!;
    const img = sctx.createImageData(cam.width, cam.height);
    cam.heatmap.forEach((v, i) => {
      const [r, g, b] = colour(v);
      img.data.set([r, g, b, 255], i * 4);
    });
    sctx.putImageData(img, 0, 0);
    const ctx = c.getContext('2d')!;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(small, 0, 0, c.width, c.height);
  }, [cam]);

  return (
    <Dialog open={props.imageId != null} title="Grad-CAM: where the model looked" onClose={props.onClose} wide>
      <div className="gradcam">
        <div className="gradcam-stage">
          {url && <img src={url} alt="Validation image" />}
          <canvas ref={canvas} width={224} height={224} data-testid="gradcam-canvas" style={{ opacity: show ? opacity : 0 }} aria-hidden="true" />
        </div>
        <div className="gradcam-controls">
          {error && (
            <p className="error-text" role="alert">
              {error}
            </p>
          )}
          {!cam && !error && <p className="muted">Computing…</p>}
          {cam && (
            <p data-testid="gradcam-summary">
              Showing <strong>{props.classes[cam.classIndex]}</strong> ({(cam.probabilities[cam.classIndex] * 100).toFixed(1)}%).
            </p>
          )}
          <label className="field">
            Class
            <select value={target ?? ''} onChange={(e) => setTarget(e.target.value === '' ? null : Number(e.target.value))}>
              <option value="">Predicted class</option>
              {props.classes.map((c, i) => (
                <option key={c} value={i}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label className="check-label">
            <input type="checkbox" checked={show} onChange={(e) => setShow(e.target.checked)} /> Show heatmap
          </label>
          <label className="field">
            Opacity {Math.round(opacity * 100)}%
            <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(e.target.valueAsNumber)} />
          </label>
        </div>
      </div>
    </Dialog>
  );
}
