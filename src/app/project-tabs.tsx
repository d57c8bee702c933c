// The project's sections as tabs (links, so each has a URL): Dataset, Train, Runs.
import { projectHref, type ProjectTab } from './use-hash-route';

const TABS: { tab: ProjectTab; label: string }[] = [
  { tab: 'dataset', label: 'Dataset' },
  { tab: 'train', label: 'Train' },
  { tab: 'runs', label: 'Runs' },
  { tab: 'evaluate', label: 'Evaluate' },
  { tab: 'use', label: 'Try & export' },
];

export function ProjectTabs(props: { projectId: string; tab: ProjectTab }) {
  return (
    <nav className="project-tabs" aria-label="Project sections">
      {TABS.map((t) => (
        <a key={t.tab} href={projectHref(props.projectId, t.tab)} aria-current={props.tab === t.tab ? 'page' : undefined} className="project-tab">
          {t.label}
        </a>
      ))}
    </nav>
  );
}
