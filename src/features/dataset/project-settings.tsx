// Per-project settings: the size of the training copies made by later imports.
import { useId } from 'react';
import { Dialog } from '../../components/ui/dialog';
import { TRAINING_SIZES } from '../../persistence/projects-repo';
import { useStudio } from '../../stores/studio-store';

export function ProjectSettings(props: { open: boolean; onClose: () => void }) {
  const project = useStudio((s) => s.project);
  const setSize = useStudio((s) => s.setTrainingSize);
  const sizeId = useId();
  if (!project) return null;
  return (
    <Dialog open={props.open} title="Project settings" onClose={props.onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const v = Number(new FormData(e.currentTarget).get('size'));
          await setSize(v);
          props.onClose();
        }}
      >
        <label htmlFor={sizeId}>Training copy size (shortest side)</label>
        <select id={sizeId} name="size" defaultValue={project.trainingSize}>
          {TRAINING_SIZES.map((s) => (
            <option key={s} value={s}>
              {s} px{s === 256 ? ' (default)' : ''}
            </option>
          ))}
        </select>
        <p className="muted small-text">
          Each imported photo is kept as the original, a thumbnail and a training copy of this size. Models take 224 px
          inputs, so 256 px leaves room for random crops. The new size applies to images imported from now on.
        </p>
        <div className="dialog-actions">
          <button type="button" onClick={props.onClose}>
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
