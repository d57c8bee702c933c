// The Use tab: try a trained run on new photos (or the webcam) with live top-k probabilities and
// the time per prediction, and take it away as a Teachable-Machine-format TF.js zip.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import { trainingClient } from '../../stores/training-slice';
import { formatBytes } from '../../components/ui/format';
import { squarePixels } from './square-pixels';
import { DEFAULT_TRAINING_SIZE } from '../../core/data/crop-resize';
import { TTA_DESCRIPTION } from '../../core/train/tta-views';
import { SharePanel } from './share-panel';
import { demoSiteZip } from './demo-site';
import { ExportGuide } from './export-guide';
import { RunHeadline } from '../../components/data/run-headline';
import './deploy.css';
import { errorText } from '../../core/error-text';

interface Result {
  /** Scored with test-time augmentation. */
  tta?: boolean;
  name: string;
  preview: string;
  probabilities: number[];
  ms: number;
}

function Bars({ probs, labels }: { probs: number[]; labels: string[] }) {
  const top = probs.map((p, i) => ({ p, label: labels[i] })).sort((a, b) => b.p - a.p).slice(0, Math.min(5, labels.length));
  return (
    <ul className="prob-bars">
      {top.map((t) => (
        <li key={t.label} data-testid="prob-bar" data-label={t.label} data-prob={String(t.p)}>
          <span className="prob-label">{t.label}</span>
          <span className="prob-track">
            <span className="prob-fill" style={{ width: `${(t.p * 100).toFixed(1)}%` }} />
          </span>
          <span className="prob-value">{(t.p * 100).toFixed(1)}%</span>
        </li>
      ))}
    </ul>
  );
}

export function DeployView() {
  const runs = useStudio((s) => s.runs);
  const loadRuns = useStudio((s) => s.loadRuns);
  const project = useStudio((s) => s.project);
  const notify = useStudio((s) => s.notify);
  const ready = useMemo(() => runs.filter((r) => r.lastCheckpointEpoch != null), [runs]);
  const [runId, setRunId] = useState<string | null>(null);
  const [results, setResults] = useState<Result[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [camera, setCamera] = useState<MediaStream | null>(null);
  const [live, setLive] = useState<Result | null>(null);
  const [tta, setTta] = useState(false);
  const [exported, setExported] = useState<{ file: string; bytes: number; kind: 'tfjs' | 'site' } | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const zipInput = useRef<HTMLInputElement>(null);

  const importZip = async (file: File) => {
    if (!project) return;
    setBusy(`Importing ${file.name}…`);
    try {
      const zip = await file.arrayBuffer();
      const r = await trainingClient.request<'model-imported'>({ type: 'import-model', projectId: project.id, name: file.name, zip }, [zip]);
      await loadRuns();
      await useStudio.getState().refreshDataset();
      setRunId(r.runId);
      setResults([]);
      notify('info', `Imported as “${r.name}”.`);
    } catch (e) {
      notify('error', `Model not imported: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  };
  const importButton = (
    <>
      <button type="button" onClick={() => zipInput.current?.click()} disabled={busy != null}>
        Import a model (.zip)…
      </button>
      <input ref={zipInput} type="file" hidden accept=".zip,application/zip" data-testid="model-import-input" aria-label="Model zip to import" onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ''; if (f) void importZip(f); }} />
    </>
  );
  useEffect(() => {
    void loadRuns();
  }, [loadRuns, project?.id]);
  const run = ready.find((r) => r.id === runId) ?? ready[0] ?? null;
  const labels = run?.classes.map((c) => c.name) ?? [];
  const size = run?.config.backbone.inputSize ?? 224;
  // Try it feeds the model what training fed it for the same photo (src/core/data/crop-resize.ts).
  const trainingSize = project?.trainingSize ?? DEFAULT_TRAINING_SIZE;
  const resize = run?.config.backbone.preprocessing.resize ?? 'center-crop';

  const classify = async (files: File[]) => {
    if (!run) return;
    setBusy(`Classifying ${files.length} image${files.length === 1 ? '' : 's'}…`);
    try {
      const out: Result[] = [];
      for (const f of files) {
        const px = await squarePixels(f, size, trainingSize, resize);
        const r = await trainingClient.request<'prediction'>({ type: 'predict', runId: run.id, images: [{ width: px.width, height: px.height, data: px.data }], tta });
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
    if (!camera || !run) return;
    if (video.current) {
      video.current.srcObject = camera;
      void video.current.play().catch(() => undefined);
    }
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const v = video.current;
        if (v && v.videoWidth > 0) {
          const px = await squarePixels(v, size, trainingSize, resize);
          const r = await trainingClient.request<'prediction'>({ type: 'predict', runId: run.id, images: [{ width: px.width, height: px.height, data: px.data }], tta }).catch(() => null);
          if (r && !stop) setLive({ name: 'webcam', preview: px.preview, probabilities: r.probabilities[0], ms: r.ms, tta });
        }
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    void loop();
    return () => {
      stop = true;
    };
  }, [camera, run, size, trainingSize, resize, tta]);
  useEffect(() => () => camera?.getTracks().forEach((t) => t.stop()), [camera]);

  const exportZip = async (kind: 'tfjs' | 'site') => {
    if (!run) return;
    setBusy(kind === 'site' ? 'Building the demo site…' : 'Building the export…');
    try {
      const r = await trainingClient.request<'exported'>({ type: 'export', runId: run.id, tta });
      const blob = new Blob([kind === 'site' ? ((await demoSiteZip(r.files)) as Uint8Array<ArrayBuffer>) : r.zip], { type: 'application/zip' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${(project?.name ?? 'model').replace(/[^\w.-]+/g, '-')}-${run.name.replace(/\s+/g, '-')}-${kind === 'site' ? 'demo-site' : 'tfjs'}.zip`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      notify('info', `Exported ${a.download} (${formatBytes(blob.size)}).`);
      setExported({ file: a.download, bytes: blob.size, kind });
    } catch (e) {
      notify('error', `Export failed: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  };

  if (!run) {
    return (
      <div className="empty-state" data-testid="deploy-empty">
        <h2>No trained model yet</h2>
        <p>Train a run on the Train tab; once it has saved weights you can try it here and export it. Or bring back a model exported earlier.</p>
        {importButton}
      </div>
    );
  }
  return (
    <div className="deploy">
      <section className="panel deploy-head">
        <label>
          Model{' '}
          <select value={run.id} onChange={(e) => { setRunId(e.target.value); setResults([]); }} aria-label="Run to use">
            {ready.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <span className="deploy-headline">
          <RunHeadline run={run} compact />
        </span>
        <span className="muted small-text">
          {labels.length} classes: {labels.join(', ')}
        </span>
        {importButton}
        <button type="button" className="primary" onClick={() => void exportZip('tfjs')} disabled={busy != null}>
          Export TF.js model (.zip)
        </button>
        <button type="button" onClick={() => void exportZip('site')} disabled={busy != null}>
          Export demo site (.zip)
        </button>
        {exported && <ExportGuide {...exported} size={formatBytes(exported.bytes)} inputSize={size} trainingSize={trainingSize} />}
      </section>
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
          <button
            type="button"
            aria-pressed={camera != null}
            onClick={async () => {
              if (camera) {
                setCamera(null);
                setLive(null);
                return;
              }
              try {
                setCamera(await navigator.mediaDevices.getUserMedia({ video: true, audio: false }));
              } catch (e) {
                notify('error', `No camera: ${errorText(e)}`);
              }
            }}
          >
            {camera ? 'Stop webcam' : 'Webcam'}
          </button>
          <span className="muted small-text">or drop images here. Nothing leaves this device.</span>
          <label className="tta-toggle" title={`Each photo is scored as ${TTA_DESCRIPTION}. Exports and links made below carry this choice.`}>
            <input type="checkbox" checked={tta} onChange={(e) => setTta(e.target.checked)} /> Test-time augmentation
          </label>
          <input ref={fileInput} type="file" hidden multiple accept="image/*" data-testid="try-input" aria-label="Images to classify" onChange={(e) => { void classify(Array.from(e.target.files ?? [])); e.target.value = ''; }} />
        </div>
        {busy && <p className="muted" role="status">{busy}</p>}
        {camera && (
          <div className="try-result live" data-testid="try-live">
            <video ref={video} muted playsInline className="try-video" aria-label="Camera preview" />
            {live && (
              <div>
                <Bars probs={live.probabilities} labels={labels} />
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
                <Bars probs={r.probabilities} labels={labels} />
                <p className="muted small-text" data-testid="try-ms">
                  {r.ms.toFixed(1)} ms per prediction{r.tta ? ' · with test-time augmentation' : ''}
                </p>
              </div>
            </li>
          ))}
        </ul>
      </section>
      <SharePanel run={run} tta={tta} />
    </div>
  );
}
