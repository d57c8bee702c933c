// The home view: every project with its classes, images, size and last change; create,
// open, rename, duplicate and delete.
import { useEffect, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import type { ProjectSummary } from '../../stores/projects-slice';
import { ConfirmDialog, NameDialog } from '../../components/ui/dialog';
import { formatBytes, formatWhen, plural } from '../../components/ui/format';

type Pending = { kind: 'create' } | { kind: 'rename' | 'delete'; project: ProjectSummary } | null;

export function HomeView() {
  const projects = useStudio((s) => s.projects);
  const loaded = useStudio((s) => s.projectsLoaded);
  const load = useStudio((s) => s.loadProjects);
  const create = useStudio((s) => s.createProject);
  const rename = useStudio((s) => s.renameProject);
  const duplicate = useStudio((s) => s.duplicateProject);
  const remove = useStudio((s) => s.deleteProject);
  const busy = useStudio((s) => s.busyProjectId);
  const [pending, setPending] = useState<Pending>(null);

  useEffect(() => {
    document.title = 'Projects · Finetune Studio';
    void load();
  }, [load]);

  return (
    <section className="home" aria-labelledby="home-title">
      <div className="page-head">
        <div>
          <h1 id="home-title">Projects</h1>
          <p className="muted">Train an image classifier on your own photos. Everything stays in this browser.</p>
        </div>
        <button type="button" className="primary" onClick={() => setPending({ kind: 'create' })}>
          New project
        </button>
      </div>

      {!loaded ? (
        <p className="muted" role="status">
          Loading projects…
        </p>
      ) : projects.length === 0 ? (
        <div className="empty-state">
          <h2>No projects yet</h2>
          <p>
            A project holds the classes you want to tell apart and the photos of each. Create one, then drop a folder
            with one subfolder per class, a .zip, or take photos with your webcam.
          </p>
          <button type="button" className="primary" onClick={() => setPending({ kind: 'create' })}>
            Create your first project
          </button>
        </div>
      ) : (
        <table className="project-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Classes
              </th>
              <th scope="col" className="num">
                Images
              </th>
              <th scope="col" className="num">
                Size on disk
              </th>
              <th scope="col">Last changed</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr key={p.id} data-testid="project-row" aria-busy={busy === p.id}>
                <th scope="row">
                  <a href={`#/p/${encodeURIComponent(p.id)}`} className="project-link">
                    {p.name}
                  </a>
                </th>
                <td className="num" data-label="Classes">{p.classCount}</td>
                <td className="num" data-label="Images">{p.imageCount.toLocaleString()}</td>
                <td className="num" data-label="Size on disk">{formatBytes(p.bytes)}</td>
                <td data-label="Last changed">
                  <time dateTime={new Date(p.updatedAt).toISOString()}>{formatWhen(p.updatedAt)}</time>
                </td>
                <td className="row-actions">
                  <button type="button" className="small" aria-label={`Rename ${p.name}`} onClick={() => setPending({ kind: 'rename', project: p })}>
                    Rename
                  </button>
                  <button type="button" className="small" aria-label={`Duplicate ${p.name}`} disabled={busy != null} onClick={() => void duplicate(p.id)}>
                    {busy === p.id ? 'Working…' : 'Duplicate'}
                  </button>
                  <button type="button" className="small danger-text" aria-label={`Delete ${p.name}`} disabled={busy != null} onClick={() => setPending({ kind: 'delete', project: p })}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <NameDialog
        open={pending?.kind === 'create'}
        title="New project"
        label="Project name"
        submitLabel="Create project"
        onClose={() => setPending(null)}
        onSubmit={async (name) => {
          const id = await create(name);
          if (id) location.hash = `#/p/${encodeURIComponent(id)}`;
        }}
      />
      <NameDialog
        open={pending?.kind === 'rename'}
        title="Rename project"
        label="Project name"
        initial={pending?.kind === 'rename' ? pending.project.name : ''}
        submitLabel="Rename"
        onClose={() => setPending(null)}
        onSubmit={(name) => (pending?.kind === 'rename' ? rename(pending.project.id, name) : undefined)}
      />
      <ConfirmDialog
        open={pending?.kind === 'delete'}
        title="Delete project?"
        danger
        confirmLabel="Delete project"
        message={
          pending?.kind === 'delete' ? (
            <p>
              “{pending.project.name}” and its {plural(pending.project.imageCount, 'image')} (
              {formatBytes(pending.project.bytes)}) will be removed from this browser. This cannot be undone.
            </p>
          ) : null
        }
        onClose={() => setPending(null)}
        onConfirm={() => pending?.kind === 'delete' && void remove(pending.project.id)}
      />
    </section>
  );
}
