// The project workspace: classes on the left, the selected class's images on the right,
// import by drop or picker, webcam capture, dataset warnings, progress and the import report.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useStudio } from '../../stores/studio-store';
import { formatBytes, plural } from '../../components/ui/format';
import { NameDialog } from '../../components/ui/dialog';
import { ImportProgressBar } from './import-panel';
import { DatasetWorkspace } from './dataset-workspace';
import { WebcamCapture } from './webcam-capture';
import { collectFromFileList } from '../../import/collect-files';
import { useDrop } from './use-drop';
import { ProjectSettings } from './project-settings';

/** The project page. `nav` is the section tabs; `children`, when given, replaces the dataset workspace. */
export function ProjectView({ projectId, nav, children }: { projectId: string; nav?: ReactNode; children?: ReactNode }) {
  const open = useStudio((s) => s.openProject);
  const project = useStudio((s) => s.project);
  const missing = useStudio((s) => s.projectMissing);
  const classes = useStudio((s) => s.classes);
  const activeId = useStudio((s) => s.activeClassId);
  const startImport = useStudio((s) => s.startImport);
  const addClass = useStudio((s) => s.addClass);
  const renameProject = useStudio((s) => s.renameProject);
  const [asValidation, setAsValidation] = useState(false);
  const [asTest, setAsTest] = useState(false);
  const [dialog, setDialog] = useState<'add-class' | 'rename' | 'webcam' | 'settings' | null>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const zipInput = useRef<HTMLInputElement>(null);
  const filesInput = useRef<HTMLInputElement>(null);
  const drop = useDrop((input) => void startImport({ kind: 'project' }, input, { asValidation, asTest }));

  useEffect(() => {
    void open(projectId);
  }, [open, projectId]);
  useEffect(() => {
    if (project) document.title = `${project.name} · Finetune Studio`;
  }, [project]);

  const activeClass = classes.find((c) => c.id === activeId) ?? null;
  const importing = useStudio((s) => s.importProgress != null);
  const ready = classes.filter((c) => c.imageCount > 0).length >= 2;

  if (missing) {
    return (
      <div className="empty-state">
        <h1>Project not found</h1>
        <p>It may have been deleted in another tab. Your other projects are on the home page.</p>
        <a href="#/" className="button primary">
          Back to projects
        </a>
      </div>
    );
  }
  if (!project) {
    return (
      <p className="muted" role="status">
        Opening project…
      </p>
    );
  }

  const pick = (input: HTMLInputElement | null) => input?.click();
  const onPicked = (target: 'project' | 'class') => (e: React.ChangeEvent<HTMLInputElement>) => {
    const files = e.target.files;
    if (files && files.length) {
      const collected = collectFromFileList(files);
      void startImport(target === 'class' && activeId ? { kind: 'class', classId: activeId } : { kind: 'project' }, collected, { asValidation, asTest });
    }
    e.target.value = '';
  };

  return (
    <section className={`project${drop.over ? ' drop-over' : ''}`} aria-labelledby="project-title" {...(children ? {} : drop.handlers)}>
      <div className="page-head">
        <div>
          <a href="#/" className="back-link">
            ← Projects
          </a>
          <h1 id="project-title">
            {project.name}{' '}
            <button type="button" className="small" onClick={() => setDialog('rename')} aria-label="Rename project">
              Rename
            </button>
            <button type="button" className="small" onClick={() => setDialog('settings')}>
              Settings
            </button>
          </h1>
          <p className="muted" data-testid="project-stats">
            {plural(classes.length, 'class', 'classes')} · {plural(project.imageCount, 'image')} · {formatBytes(project.bytes)}
          </p>
        </div>
        <div className="toolbar" role="toolbar" aria-label="Import" hidden={children != null}>
          {classes.length > 0 && (
            <>
              <button type="button" onClick={() => pick(folderInput.current)}>
                Import folder…
              </button>
              <button type="button" onClick={() => pick(zipInput.current)}>
                Import zip…
              </button>
              <button type="button" onClick={() => setDialog('webcam')} disabled={!activeClass} title={activeClass ? 'Capture photos into the selected class' : 'Pick a class first: photos go into it'}>
                Webcam
              </button>
            </>
          )}
          <label className="check-label small-text" title="Imported images go to the validation set, never to training">
            <input type="checkbox" checked={asValidation} onChange={(e) => (setAsValidation(e.target.checked), e.target.checked && setAsTest(false))} />
            Import as validation images
          </label>
          <label className="check-label small-text" title="Imported images go to the test set: never trained on, never used to choose anything">
            <input type="checkbox" checked={asTest} onChange={(e) => (setAsTest(e.target.checked), e.target.checked && setAsValidation(false))} />
            Import as test images
          </label>
          <input ref={folderInput} type="file" hidden multiple data-testid="folder-input" aria-label="Import folder" {...{ webkitdirectory: '' }} onChange={onPicked('project')} />
          <input ref={zipInput} type="file" hidden multiple accept=".zip,application/zip" data-testid="zip-input" aria-label="Import zip" onChange={onPicked('project')} />
          <input ref={filesInput} type="file" hidden multiple accept="image/*,.heic,.tif,.tiff" data-testid="files-input" aria-label="Add images to class" onChange={onPicked('class')} />
        </div>
      </div>

      {nav}
      {children == null && ready && !importing && (
        <div className="next-step panel" data-testid="next-step">
          <span>
            {plural(classes.filter((c) => c.imageCount > 0).length, 'class', 'classes')} with images: ready to train.
          </span>
          <a className="button primary" href={`#/p/${encodeURIComponent(project.id)}/train`}>
            Train a model →
          </a>
        </div>
      )}
      <ImportProgressBar />
      {children ?? (
      <DatasetWorkspace
        onAddClass={() => setDialog('add-class')}
        onPickFolder={() => pick(folderInput.current)}
        onPickZip={() => pick(zipInput.current)}
        onPickFiles={() => pick(filesInput.current)}
        onWebcam={() => setDialog('webcam')}
      />
      )}
      {drop.over && (
        <div className="drop-overlay" aria-hidden="true">
          Drop to import: each subfolder becomes a class
        </div>
      )}

      <NameDialog
        open={dialog === 'add-class'}
        title="Add class"
        label="Class name"
        submitLabel="Add class"
        onClose={() => setDialog(null)}
        onSubmit={(name) => addClass(name)}
      />
      <NameDialog
        open={dialog === 'rename'}
        title="Rename project"
        label="Project name"
        initial={project.name}
        submitLabel="Rename"
        onClose={() => setDialog(null)}
        onSubmit={(name) => renameProject(project.id, name)}
      />
      <ProjectSettings open={dialog === 'settings'} onClose={() => setDialog(null)} />
      <WebcamCapture open={dialog === 'webcam'} onClose={() => setDialog(null)} />
    </section>
  );
}
