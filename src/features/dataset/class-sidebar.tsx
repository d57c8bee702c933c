// The list of classes with their counts. Each class is a drop target for images.
import { useStudio } from '../../stores/studio-store';
import type { ClassRecord } from '../../persistence/db';
import type { Collected } from '../../import/collect-files';
import { useDrop } from './use-drop';

function ClassItem(props: { cls: ClassRecord; active: boolean; warn: boolean; onDropFiles: (c: Collected) => void }) {
  const setActive = useStudio((s) => s.setActiveClass);
  const { over, handlers } = useDrop(props.onDropFiles);
  const { cls } = props;
  return (
    <li className={`class-item${props.active ? ' active' : ''}${over ? ' drop-over' : ''}`} {...handlers} data-testid="class-item">
      <button
        type="button"
        className="class-select"
        aria-current={props.active ? 'true' : undefined}
        onClick={() => setActive(cls.id)}
        title={over ? `Drop to add to ${cls.name}` : undefined}
      >
        <span className="class-name">{cls.name}</span>
        <span className="class-count" aria-label={`${cls.imageCount} images`}>
          {props.warn && (
            <span className="warn-dot" title="This class needs attention" aria-hidden="true">
              !
            </span>
          )}
          {cls.imageCount.toLocaleString()}
        </span>
      </button>
    </li>
  );
}

export function ClassSidebar(props: { warnIds: Set<string>; onAddClass: () => void }) {
  const classes = useStudio((s) => s.classes);
  const activeId = useStudio((s) => s.activeClassId);
  const startImport = useStudio((s) => s.startImport);
  return (
    <nav className="class-sidebar" aria-label="Classes">
      <div className="sidebar-head">
        <h2>Classes</h2>
        <button type="button" className="small" onClick={props.onAddClass}>
          + Add class
        </button>
      </div>
      {classes.length === 0 ? (
        <p className="muted small-text">No classes yet. Add one, or drop a folder with one subfolder per class.</p>
      ) : (
        <ul className="class-list">
          {classes.map((c) => (
            <ClassItem
              key={c.id}
              cls={c}
              active={c.id === activeId}
              warn={props.warnIds.has(c.id)}
              onDropFiles={(input) => void startImport({ kind: 'class', classId: c.id }, input)}
            />
          ))}
        </ul>
      )}
      <p className="muted small-text drop-hint">Tip: drop images straight onto a class.</p>
    </nav>
  );
}
