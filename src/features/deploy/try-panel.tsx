// Try it: classify picked or dropped photos, or the webcam live (a frame every 200 ms), with the
// top classes and the time per prediction. Predictions go through the store's predict action.
import { useEffect, useRef, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import type { RunRecord } from '../../persistence/db';
import { ProbabilityBars } from '../../components/data/probability-bars';
import { useCamera } from '../../components/media/use-camera';
import { topK } from '../../core/metrics/topk';
import { squarePixels } from './square-pixels';
import { DEFAULT_TRAINING_SIZE } from '../../core/data/crop-resize';
import { TTA_DESCRIPTION } from '../../core/train/tta-views';
import { errorText } from '../../core/error-text';

interface Result {
  /** Scored with test-time augmentation. */
  tta?: boolean;
  name: string;
  preview: string;
  probabilities: number[];
  ms: number;
}

const LIVE_INTERVAL_MS = 200;

export function TryPanel({ run, busy, setBusy, results, setResults, tta, setTta }: {
  run: RunRecord;
  tta: boolean;
  setTta: (on: boolean) => void;
  busy: string | null;
  setBusy: (b: string | null) => void;
  results: Result[];
  setResults: (update: (prev: Result[]) => Result[]) => void;
}) {
  const notify = useStudio((s) => s.notify);
  const predict = useStudio((s) => s.predict);
  const [cameraOn, setCameraOn] = useState(false);
  const { videoRef, stream, error } = useCamera(cameraOn);
  const [live, setLive] = useState<Result | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const labels = run.classes.map((c) => c.name);
  const size = run.config.backbone.inputSize;
  // Try it feeds the model what training fed it for the same photo (src/core/data/crop-resize.ts).
  const trainingSize = useStudio((s) => s.project?.trainingSize ?? DEFAULT_TRAINING_SIZE);
  const resize = run.config.backbone.preprocessing.resize ?? 'center-crop';

  const classify = async (files: File[]) => {
    setBusy(`Classifying ${files.length} image${files.length === 1 ? '' : 's'}…`);
    try {
      const out: Result[] = [];
      for (const f of files) {
        const px = await squarePixels(f, size, trainingSize, resize);
        const r = await predict(run.id, [{ width: px.width, height: px.height, data: px.data }], tta);
        out.push({ name: f.name, preview: px.preview, probabilities: r.probabilities[0], ms: r.ms, tta });
      }
      setResults((prev) => [...out, ...prev].slice(0, 40));
    } catch (e) {
      notify('error', `Could not classify: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  };

  useEffect(() => {
    if (!error) return;
    notify('error', error);
    setCameraOn(false);
  }, [error, notify]);

  useEffect(() => {
    if (!stream) return;
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const v = videoRef.current;
        if (v && v.videoWidth > 0) {
          const px = await squarePixels(v, size, trainingSize, resize);
          const r = await predict(run.id, [{ width: px.width, height: px.height, data: px.data }], tta).catch(() => null);
          if (r && !stop) setLive({ name: 'webcam', preview: px.preview, probabilities: r.probabilities[0], ms: r.ms, tta });
        }
        await new Promise((res) => setTimeout(res, LIVE_INTERVAL_MS));
      }
    };
    void loop();
    return () => {
      stop = true;
      setLive(null);
    };
  }, [stream, videoRef, predict, run.id, size, trainingSize, resize, tta]);

  return (
    <section
      className="panel try-it"
      aria-labelledby="try-title"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        void classify(Array.from(e.dataTransfer.files).filter((f) => f.type.startsWith('image/')));
      }}
    >
      <h2 id="try-title">Try it</h2>
      <div className="toolbar">
        <button type="button" onClick={() => fileInput.current?.click()} disabled={busy != null}>
          Choose images…
        </button>
        <button type="button" aria-pressed={cameraOn} onClick={() => setCameraOn(!cameraOn)}>
          {cameraOn ? 'Stop webcam' : 'Webcam'}
        </button>
        <span className="muted small-text">or drop images here. Nothing leaves this device.</span>
        <label className="tta-toggle" title={`Each photo is scored as ${TTA_DESCRIPTION}. Exports and links made here carry this choice.`}>
          <input type="checkbox" checked={tta} onChange={(e) => setTta(e.target.checked)} /> Test-time augmentation
        </label>
        <input ref={fileInput} type="file" hidden multiple accept="image/*" data-testid="try-input" aria-label="Images to classify" onChange={(e) => { void classify(Array.from(e.target.files ?? [])); e.target.value = ''; }} />
      </div>
      {busy && <p className="muted" role="status">{busy}</p>}
      {cameraOn && (
        <div className="try-result live" data-testid="try-live">
          <video ref={videoRef} muted playsInline className="try-video" aria-label="Camera preview" />
          {live && (
            <div>
              <ProbabilityBars ranked={topK(live.probabilities, labels)} />
              <p className="muted small-text" data-testid="try-live-ms">{live.ms.toFixed(0)} ms per prediction{live.tta ? ' · with test-time augmentation' : ''}</p>
            </div>
          )}
        </div>
      )}
      <ul className="try-results">
        {results.map((r, i) => (
          <li key={`${r.name}-${i}`} className="try-result" data-testid="try-result" data-name={r.name}>
            <img src={r.preview} alt={r.name} />
            <div>
              <strong>{r.name}</strong>
              <ProbabilityBars ranked={topK(r.probabilities, labels)} />
              <p className="muted small-text" data-testid="try-ms">
                {r.ms.toFixed(1)} ms per prediction{r.tta ? ' · with test-time augmentation' : ''}
              </p>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export type { Result as TryResult };
