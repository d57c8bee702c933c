// The dataset workspace of a project: the last import's report, dataset warnings, the classes on
// the left and the selected class's images on the right (or how to add the first images).
import { useMemo } from 'react';
import { useStudio } from '../../stores/studio-store';
import { datasetWarnings } from '../../core/data/stats';
import { ClassSidebar } from './class-sidebar';
import { ClassHeader } from './class-header';
import { ImageGrid } from './image-grid';
import { ImportReportPanel } from './import-panel';

export function DatasetWorkspace({ onAddClass, onPickFolder, onPickZip, onPickFiles, onWebcam }: {
  onAddClass: () => void;
  onPickFolder: () => void;
  onPickZip: () => void;
  onPickFiles: () => void;
  onWebcam: () => void;
}) {
  const classes = useStudio((s) => s.classes);
  const allImages = useStudio((s) => s.images);
  const activeId = useStudio((s) => s.activeClassId);
  const images = useMemo(() => allImages.filter((i) => i.classId === activeId), [allImages, activeId]);
  const warnings = useMemo(() => datasetWarnings(classes.map((c) => ({ id: c.id, name: c.name, count: c.imageCount }))), [classes]);
  const warnIds = useMemo(() => new Set(warnings.flatMap((w) => (w.code === 'imbalance' ? [] : w.classIds))), [warnings]);
  const activeClass = classes.find((c) => c.id === activeId) ?? null;

  return (
    <>
    <ImportReportPanel />

    {warnings.length > 0 && classes.length > 0 && (
      <ul className="warnings" aria-label="Dataset warnings" data-testid="warnings">
        {warnings.map((w, i) => (
          <li key={i} className={`warning-${w.level}`} data-code={w.code}>
            {w.message}
          </li>
        ))}
      </ul>
    )}

    <div className={classes.length === 0 ? 'workspace empty' : 'workspace'}>
      <ClassSidebar warnIds={warnIds} onAddClass={onAddClass} />
      <div className="class-pane">
        {classes.length === 0 ? (
          <div className="empty-state drop-target" data-testid="empty-project">
            <h2>Add your images</h2>
            <p>
              Drop a folder here with <strong>one subfolder per class</strong> (for example <code>plants/healthy</code>,{' '}
              <code>plants/diseased</code>), or a .zip with the same layout. JPEG, PNG, WebP, GIF and BMP are supported.
            </p>
            <div className="empty-actions">
              <button type="button" className="primary" onClick={onPickFolder}>
                Choose a folder…
              </button>
              <button type="button" onClick={onPickZip}>
                Choose a zip…
              </button>
              <button type="button" onClick={onAddClass}>
                Add a class by hand
              </button>
            </div>
          </div>
        ) : activeClass ? (
          <>
            <ClassHeader cls={activeClass} onAddImages={onPickFiles} onWebcam={onWebcam} />
            {images.length === 0 ? (
              <div className="empty-state drop-target small-empty">
                <p>
                  “{activeClass.name}” has no images yet. Drop images onto it, use{' '}
                  <button type="button" className="link-button" onClick={onPickFiles}>
                    Add images
                  </button>
                  , or capture them with the webcam.
                </p>
              </div>
            ) : (
              <ImageGrid images={images} />
            )}
          </>
        ) : null}
      </div>
    </div>
    </>
  );
}
