// Validation images to look at: the model's confident mistakes and its least sure correct
// answers (or the images of one confusion-matrix cell), each fixable in place: move it to
// another class or delete it. The dataset changes; the next run trains on it.
import { useId } from 'react';
import { useStudio } from '../../stores/studio-store';
import { useBlobUrl } from '../../components/data/use-blob-url';
import { pct } from './evaluate-model';

export interface GalleryItem {
  id: string;
  label: number;
  predicted: number;
  confidence: number;
}

function ErrorTile({ item, classes, onExplain }: { item: GalleryItem; classes: string[]; onExplain?: (id: string) => void }) {
  const url = useBlobUrl('thumbnails', item.id);
  const image = useStudio((s) => s.images.find((i) => i.id === item.id));
  const projectClasses = useStudio((s) => s.classes);
  const move = useStudio((s) => s.moveImages);
  const remove = useStudio((s) => s.deleteImages);
  const moveId = useId();
  const name = image?.name.split('/').pop() ?? 'deleted image';
  const now = projectClasses.find((c) => c.id === image?.classId)?.name;
  const changed = image && now !== classes[item.label];
  return (
    <li className={`error-tile${item.label !== item.predicted ? ' wrong' : ''}`} data-testid="error-tile" data-image-id={item.id}>
      <button type="button" className="error-thumb" disabled={!image || !onExplain} onClick={() => onExplain?.(item.id)} aria-label={`Grad-CAM for ${name}`} title="Show where the model looked (Grad-CAM)">
        {url ? <img src={url} alt="" /> : <span className="muted">{image ? '…' : 'deleted'}</span>}
      </button>
      <div className="error-meta small-text">
        <div>
          true <strong>{classes[item.label]}</strong>
        </div>
        <div>
          said <strong>{classes[item.predicted]}</strong> {pct(item.confidence)}
        </div>
        {changed && <div className="badge ok">now in {now}</div>}
      </div>
      {image && (
        <div className="error-actions">
          <label htmlFor={moveId} className="visually-hidden">
            Move {name} to class
          </label>
          <select id={moveId} value="" onChange={(e) => e.target.value && void move([image.id], e.target.value)}>
            <option value="">Move to…</option>
            {projectClasses
              .filter((c) => c.id !== image.classId)
              .map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
          </select>
          <button type="button" className="small danger-text" aria-label={`Delete ${name}`} onClick={() => void remove([image.id])}>
            Delete
          </button>
        </div>
      )}
    </li>
  );
}

export function ErrorGallery(props: { title: string; items: GalleryItem[]; classes: string[]; empty: string; testId?: string; onExplain?: (id: string) => void }) {
  return (
    <section className="panel" aria-label={props.title} data-testid={props.testId}>
      <h2>{props.title}</h2>
      {props.items.length === 0 ? (
        <p className="muted">{props.empty}</p>
      ) : (
        <ul className="error-grid">
          {props.items.slice(0, 60).map((item) => (
            <ErrorTile key={item.id} item={item} classes={props.classes} onExplain={props.onExplain} />
          ))}
        </ul>
      )}
    </section>
  );
}
