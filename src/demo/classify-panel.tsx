// Everything once the model is ready: pick or drop images (classified one at a time), the webcam
// toggle, and a result card per image (newest first).
import { useCallback, useEffect, useRef, useState } from 'react';
import { Bars, Millis } from './bars';
import type { Classifier } from './classifier';
import { decodeImageFile, drawPhoto } from './image';
import { TTA_DESCRIPTION } from '../core/train/tta-views';
import { topK, type Ranked } from '../core/metrics/topk';
import { Webcam } from './webcam';
import { errorText } from '../core/error-text';

const MAX_RESULTS = 60;

interface ResultItem {
  id: number;
  fileName: string;
  thumb?: string;
  ranked?: Ranked[];
  ms?: number;
  error?: string;
}

export function ClassifyPanel({ classifier }: { classifier: Classifier }) {
  const [results, setResults] = useState<ResultItem[]>([]);
  const [pending, setPending] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [camOn, setCamOn] = useState(false);
  const [camError, setCamError] = useState<string | null>(null);
  // Test-time augmentation: on when the model was exported or shared with it on; the visitor can change it.
  const [tta, setTta] = useState(classifier.tta);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const nextId = useRef(1);
  const alive = useRef(true);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const classifyFile = useCallback(
    async (file: File): Promise<ResultItem> => {
      const id = nextId.current++;
      const fileName = file.name || 'image';
      try {
        const bitmap = await decodeImageFile(file);
        const canvas = document.createElement('canvas');
        try {
          await drawPhoto(bitmap, classifier.inputSize, classifier.preprocessing.resize, classifier.trainingSize, canvas);
        } finally {
          bitmap.close();
        }
        const { probs, ms } = await classifier.classify(canvas, tta);
        return { id, fileName, thumb: canvas.toDataURL('image/jpeg', 0.85), ranked: topK(probs, classifier.labels), ms };
      } catch (e) {
        return { id, fileName, error: errorText(e) };
      }
    },
    [classifier, tta],
  );

  const addFiles = useCallback(
    (files: File[]) => {
      if (files.length === 0) return;
      setPending((n) => n + files.length);
      for (const file of files) {
        queue.current = queue.current.then(async () => {
          if (!alive.current) return;
          const item = await classifyFile(file);
          if (!alive.current) return;
          setResults((r) => [item, ...r].slice(0, MAX_RESULTS));
          setPending((n) => n - 1);
        });
      }
    },
    [classifyFile],
  );

  // Drop anywhere on the page.
  useEffect(() => {
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      addFiles(Array.from(e.dataTransfer?.files ?? []));
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [addFiles]);

  const stopCam = useCallback((error: string | null) => {
    setCamOn(false);
    setCamError(error);
  }, []);

  return (
    <>
      <section className={dragging ? 'demo-card demo-drop demo-drop-over' : 'demo-card demo-drop'} aria-label="Try the model">
        <div className="demo-actions">
          <button type="button" className="demo-btn demo-btn-primary" onClick={() => inputRef.current?.click()}>
            Choose images
          </button>
          <button
            type="button"
            className={camOn ? 'demo-btn demo-btn-on' : 'demo-btn'}
            aria-pressed={camOn}
            onClick={() => {
              setCamError(null);
              setCamOn((v) => !v);
            }}
          >
            {camOn ? 'Stop webcam' : 'Use webcam'}
          </button>
        </div>
        <input
          ref={inputRef}
          className="demo-visually-hidden"
          type="file"
          accept="image/*"
          multiple
          tabIndex={-1}
          aria-label="Choose images"
          data-testid="demo-file-input"
          onChange={(e) => {
            addFiles(Array.from(e.currentTarget.files ?? []));
            e.currentTarget.value = '';
          }}
        />
        <p className="demo-muted demo-drop-hint">…or drop images anywhere on this page. They stay on your device.</p>
        <label className="demo-small demo-tta" title={`Each photo is scored as ${TTA_DESCRIPTION}.`}>
          <input type="checkbox" checked={tta} onChange={(e) => setTta(e.target.checked)} data-testid="demo-tta" /> Test-time augmentation (average over 7 views; slower)
        </label>
        {pending > 0 && (
          <p className="demo-small" role="status">
            Classifying {pending} image{pending === 1 ? '' : 's'}…
          </p>
        )}
        {camError && (
          <p className="demo-cam-error" role="status">
            {camError}
          </p>
        )}
      </section>

      <Webcam classifier={classifier} on={camOn} onStop={stopCam} tta={tta} />

      {results.length > 0 && (
        <section aria-label="Results" className="demo-results">
          {results.map((r) =>
            r.error !== undefined ? (
              <article key={r.id} className="demo-card demo-result demo-result-failed" data-testid="demo-result-error">
                <h2 className="demo-result-name">{r.fileName}</h2>
                <p className="demo-cam-error">Could not classify this file: {r.error}</p>
              </article>
            ) : (
              <article key={r.id} className="demo-card demo-result" data-testid="demo-result">
                <img className="demo-thumb" src={r.thumb} alt={`What the model saw: ${r.fileName}`} width={96} height={96} />
                <div className="demo-result-body">
                  <h2 className="demo-result-name" title={r.fileName}>
                    {r.fileName}
                  </h2>
                  <Bars ranked={r.ranked ?? []} />
                  <p className="demo-muted demo-small">
                    <Millis ms={r.ms ?? 0} /> for this prediction
                  </p>
                </div>
              </article>
            ),
          )}
        </section>
      )}
    </>
  );
}
