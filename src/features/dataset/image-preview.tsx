// A larger view of one image with its name and sizes; arrow keys step through the class.
import { useEffect } from 'react';
import { Dialog } from '../../components/ui/dialog';
import type { ImageRecord } from '../../persistence/db';
import { formatBytes } from '../../components/ui/format';
import { useBlobUrl } from '../../components/data/use-blob-url';

export function ImagePreview(props: { images: ImageRecord[]; index: number | null; onIndex: (i: number | null) => void }) {
  const img = props.index != null ? props.images[props.index] : undefined;
  const url = useBlobUrl('training', img?.id ?? null);
  const { index, images, onIndex } = props;
  useEffect(() => {
    if (index == null) return;
    const on = (e: KeyboardEvent) => {
      if (e.key === 'ArrowRight' && index < images.length - 1) onIndex(index + 1);
      if (e.key === 'ArrowLeft' && index > 0) onIndex(index - 1);
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [index, images.length, onIndex]);
  return (
    <Dialog open={img != null} title={img ? (img.name.split('/').pop() ?? img.name) : ''} onClose={() => onIndex(null)} wide>
      {img && (
        <div className="preview">
          <div className="preview-image">{url ? <img src={url} alt={img.name} data-testid="preview-image" /> : <span className="muted">Loading…</span>}</div>
          <dl className="preview-meta">
            <dt>File</dt>
            <dd>{img.name}</dd>
            <dt>Original</dt>
            <dd>
              {img.originalWidth} × {img.originalHeight} px, {formatBytes(img.originalBytes)}
            </dd>
            <dt>Training copy</dt>
            <dd data-testid="preview-training-size">
              {img.width} × {img.height} px
            </dd>
          </dl>
          <div className="dialog-actions">
            <button type="button" disabled={index === 0} onClick={() => onIndex(index! - 1)}>
              ← Previous
            </button>
            <span className="muted">
              {index! + 1} / {images.length}
            </span>
            <button type="button" disabled={index === images.length - 1} onClick={() => onIndex(index! + 1)}>
              Next →
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
