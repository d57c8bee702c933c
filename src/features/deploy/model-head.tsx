// The Use tab's head: which trained run to use, what it is, and the ways to take it away (TF.js
// zip, demo site) or bring a model back (import). Exports go through the store's export action.
import { useRef, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import { DEFAULT_TRAINING_SIZE } from '../../core/data/crop-resize';
import type { RunRecord } from '../../persistence/db';
import { formatBytes } from '../../components/ui/format';
import { RunHeadline } from '../../components/data/run-headline';
import { errorText } from '../../core/error-text';
import { demoSiteZip } from './demo-site';
import { ExportGuide } from './export-guide';

/** Import a model zip as a run; shown in the head and on the empty Use tab. */
export function ImportModelButton({ busy, setBusy, onImported }: { busy: string | null; setBusy: (b: string | null) => void; onImported: (runId: string) => void }) {
  const project = useStudio((s) => s.project);
  const notify = useStudio((s) => s.notify);
  const importModel = useStudio((s) => s.importModel);
  const zipInput = useRef<HTMLInputElement>(null);
  const importZip = async (file: File) => {
    if (!project) return;
    setBusy(`Importing ${file.name}…`);
    try {
      const r = await importModel(project.id, file.name, await file.arrayBuffer());
      await useStudio.getState().loadRuns();
      await useStudio.getState().refreshDataset();
      onImported(r.runId);
      notify('info', `Imported as “${r.name}”.`);
    } catch (e) {
      notify('error', `Model not imported: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      <button type="button" onClick={() => zipInput.current?.click()} disabled={busy != null}>
        Import a model (.zip)…
      </button>
      <input ref={zipInput} type="file" hidden accept=".zip,application/zip" data-testid="model-import-input" aria-label="Model zip to import" onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ''; if (f) void importZip(f); }} />
    </>
  );
}

export function ModelHead({ run, ready, onPick, busy, setBusy, tta }: { run: RunRecord; ready: RunRecord[]; onPick: (runId: string) => void; busy: string | null; setBusy: (b: string | null) => void; tta: boolean }) {
  const project = useStudio((s) => s.project);
  const notify = useStudio((s) => s.notify);
  const exportRun = useStudio((s) => s.exportRun);
  const [exported, setExported] = useState<{ file: string; bytes: number; kind: 'tfjs' | 'site' } | null>(null);
  const labels = run.classes.map((c) => c.name);

  const exportZip = async (kind: 'tfjs' | 'site') => {
    setBusy(kind === 'site' ? 'Building the demo site…' : 'Building the export…');
    try {
      const r = await exportRun(run.id, tta);
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

  return (
    <section className="panel deploy-head">
      <label>
        Model{' '}
        <select value={run.id} onChange={(e) => onPick(e.target.value)} aria-label="Run to use">
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
      <ImportModelButton busy={busy} setBusy={setBusy} onImported={onPick} />
      <button type="button" className="primary" onClick={() => void exportZip('tfjs')} disabled={busy != null}>
        Export TF.js model (.zip)
      </button>
      <button type="button" onClick={() => void exportZip('site')} disabled={busy != null}>
        Export demo site (.zip)
      </button>
      {exported && <ExportGuide {...exported} size={formatBytes(exported.bytes)} inputSize={run.config.backbone.inputSize} trainingSize={project?.trainingSize ?? DEFAULT_TRAINING_SIZE} />}
    </section>
  );
}
