// The header of the selected class: its name and count, and rename, reorder, merge, delete.
import { useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import type { ClassRecord } from '../../persistence/db';
import { ConfirmDialog, Dialog, NameDialog } from '../../components/ui/dialog';
import { plural } from '../../components/ui/format';

export function ClassHeader(props: { cls: ClassRecord; onAddImages: () => void; onWebcam: () => void }) {
  const { cls } = props;
  const classes = useStudio((s) => s.classes);
  const valCount = useStudio((s) => s.images.filter((i) => i.classId === props.cls.id && i.split === 'val').length);
  const rename = useStudio((s) => s.renameClass);
  const remove = useStudio((s) => s.deleteClass);
  const move = useStudio((s) => s.moveClass);
  const merge = useStudio((s) => s.mergeClasses);
  const [dialog, setDialog] = useState<'rename' | 'delete' | 'merge' | null>(null);
  const [mergeIds, setMergeIds] = useState<string[]>([]);
  const index = classes.findIndex((c) => c.id === cls.id);
  const others = classes.filter((c) => c.id !== cls.id);
  return (
    <div className="class-header">
      <h2 data-testid="active-class-name">
        {cls.name} <span className="muted">· {plural(cls.imageCount, 'image')}{valCount > 0 ? ` · ${valCount} for validation` : ''}</span>
      </h2>
      <div className="toolbar" role="toolbar" aria-label={`Class ${cls.name}`}>
        <button type="button" className="small primary" onClick={props.onAddImages}>
          Add images…
        </button>
        <button type="button" className="small" onClick={props.onWebcam}>
          Webcam
        </button>
        <button type="button" className="small" onClick={() => setDialog('rename')}>
          Rename
        </button>
        <button type="button" className="small" disabled={index <= 0} onClick={() => void move(cls.id, -1)} title="Move this class up the list">
          Move<span className="visually-hidden"> {cls.name}</span> up
        </button>
        <button type="button" className="small" disabled={index >= classes.length - 1} onClick={() => void move(cls.id, 1)} title="Move this class down the list">
          Move<span className="visually-hidden"> {cls.name}</span> down
        </button>
        <button type="button" className="small" disabled={others.length === 0} onClick={() => { setMergeIds([]); setDialog('merge'); }}>
          Merge…
        </button>
        <button type="button" className="small danger-text" onClick={() => setDialog('delete')}>
          Delete class
        </button>
      </div>
      <NameDialog open={dialog === 'rename'} title="Rename class" label="Class name" initial={cls.name} submitLabel="Rename" onClose={() => setDialog(null)} onSubmit={(n) => rename(cls.id, n)} />
      <ConfirmDialog
        open={dialog === 'delete'}
        title="Delete class?"
        danger
        confirmLabel="Delete class"
        message={<p>“{cls.name}” and its {plural(cls.imageCount, 'image')} will be removed from this project.</p>}
        onClose={() => setDialog(null)}
        onConfirm={() => void remove(cls.id)}
      />
      <Dialog open={dialog === 'merge'} title={`Merge into “${cls.name}”`} onClose={() => setDialog(null)}>
        <fieldset className="merge-list">
          <legend>Move all images of these classes into “{cls.name}” and remove them:</legend>
          {others.map((c) => (
            <label key={c.id} className="check-label">
              <input
                type="checkbox"
                checked={mergeIds.includes(c.id)}
                onChange={(e) => setMergeIds(e.target.checked ? [...mergeIds, c.id] : mergeIds.filter((x) => x !== c.id))}
              />
              {c.name} ({c.imageCount})
            </label>
          ))}
        </fieldset>
        <div className="dialog-actions">
          <button type="button" onClick={() => setDialog(null)}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={mergeIds.length === 0} onClick={() => { void merge(cls.id, mergeIds); setDialog(null); }}>
            Merge {mergeIds.length || ''}
          </button>
        </div>
      </Dialog>
    </div>
  );
}
