// Per-project settings: the size of the training copies. A new size applies to later imports,
// and can remake the copies of the images already in the project (from their originals).
import { useId, useState } from 'react';
import { Dialog } from '../../components/ui/dialog';
import { plural } from '../../components/ui/format';
import { TRAINING_SIZES } from '../../persistence/projects-repo';
import { useStudio } from '../../stores/studio-store';
import { needsRemake } from '../../import/remake-training';

export function ProjectSettings(props: { open: boolean; onClose: () => void }) {
  const project = useStudio((s) => s.project);
  const images = useStudio((s) => s.images);
  const setSize = useStudio((s) => s.setTrainingSize);
  const remake = useStudio((s) => s.remakeTraining);
  const busy = useStudio((s) => s.importProgress != null);
  const sizeId = useId();
  const [size, setChosen] = useState<number | null>(null);
  const [remakeOn, setRemakeOn] = useState(true);
  if (!project) return null;
  const chosen = size ?? project.trainingSize;
  const affected = images.filter((i) => needsRemake(i, chosen)).length;
  const close = () => {
    setChosen(null);
    setRemakeOn(true);
    props.onClose();
  };
  return (
    <Dialog open={props.open} title="Project settings" onClose={close}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          await setSize(chosen);
          const go = remakeOn && affected > 0 && !busy;
          close();
          if (go) await remake();
        }}
      >
        <label htmlFor={sizeId}>Training copy size (shortest side)</label>
        <select id={sizeId} name="size" value={chosen} onChange={(e) => setChosen(Number(e.target.value))}>
          {TRAINING_SIZES.map((s) => (
            <option key={s} value={s}>
              {s} px{s === 256 ? ' (default)' : ''}
            </option>
          ))}
        </select>
        <p className="muted small-text">
          Each imported photo is kept as the original, a thumbnail and a training copy of this size. Models take 224 px
          inputs, so 256 px leaves room for random crops.
        </p>
        {affected > 0 && (
          <label className="check-label">
            <input type="checkbox" checked={remakeOn} disabled={busy} onChange={(e) => setRemakeOn(e.target.checked)} />
            <span>
              Remake the training copies of the {plural(affected, 'image')} already here at {chosen} px (from the originals)
              {busy ? ' (not while an import runs)' : ''}
            </span>
          </label>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
