// Actions on the selected images: select all, move to another class, delete.
import { useId, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import type { ImageRecord } from '../../persistence/db';
import { ConfirmDialog } from '../../components/ui/dialog';
import { plural } from '../../components/ui/format';

export function SelectionBar(props: { images: ImageRecord[] }) {
  const selection = useStudio((s) => s.selection);
  const setSelection = useStudio((s) => s.setSelection);
  const classes = useStudio((s) => s.classes);
  const activeId = useStudio((s) => s.activeClassId);
  const move = useStudio((s) => s.moveImages);
  const remove = useStudio((s) => s.deleteImages);
  const markValidation = useStudio((s) => s.markValidation);
  const markTest = useStudio((s) => s.markTest);
  const [confirm, setConfirm] = useState(false);
  const moveId = useId();
  const all = props.images.length > 0 && selection.length === props.images.length;
  const others = classes.filter((c) => c.id !== activeId);
  return (
    <div className="selection-bar" role="toolbar" aria-label="Selected images">
      <label className="check-label">
        <input
          type="checkbox"
          checked={all}
          disabled={props.images.length === 0}
          onChange={() => setSelection(all ? [] : props.images.map((i) => i.id))}
        />
        Select all
      </label>
      {selection.length > 0 && (
        <>
          <span className="selection-count" data-testid="selection-count">
            {plural(selection.length, 'image')} selected
          </span>
          <label htmlFor={moveId} className="visually-hidden">
            Move selected images to class
          </label>
          <select
            id={moveId}
            value=""
            disabled={others.length === 0}
            onChange={(e) => e.target.value && void move(selection, e.target.value)}
          >
            <option value="">Move to…</option>
            {others.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <button type="button" className="small" onClick={() => void markValidation(selection, true)}>
            Use for validation
          </button>
          <button type="button" className="small" onClick={() => void markTest(selection, true)} title="Held out of training and of every choice; scored once at the end">
            Use for test
          </button>
          <button type="button" className="small" onClick={() => void markValidation(selection, false)}>
            Use for training
          </button>
          <button type="button" className="small danger-text" onClick={() => setConfirm(true)}>
            Delete
          </button>
          <button type="button" className="small" onClick={() => setSelection([])}>
            Clear selection
          </button>
        </>
      )}
      <ConfirmDialog
        open={confirm}
        title="Delete images?"
        danger
        confirmLabel={`Delete ${plural(selection.length, 'image')}`}
        message={<p>The selected {plural(selection.length, 'image')} will be removed from this project.</p>}
        onClose={() => setConfirm(false)}
        onConfirm={() => void remove(selection)}
      />
    </div>
  );
}
