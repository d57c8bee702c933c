// The project's sections as numbered steps (links, so each has a URL): 1 Data → 2 Train →
// 3 Check → 4 Use, each ticked once it is done, with the list of runs beside them.
import { projectHref, type ProjectTab } from '../components/use-hash-route';
import { useStudio } from '../stores/studio-store';

const STEPS: { tab: ProjectTab; label: string }[] = [
  { tab: 'dataset', label: 'Data' },
  { tab: 'train', label: 'Train' },
  { tab: 'evaluate', label: 'Check' },
  { tab: 'use', label: 'Use' },
];

export function ProjectTabs(props: { projectId: string; tab: ProjectTab }) {
  const dataReady = useStudio((s) => s.classes.filter((c) => c.imageCount > 0).length >= 2);
  const trained = useStudio((s) => s.runs.some((r) => r.projectId === props.projectId && r.evaluation != null));
  const done: Partial<Record<ProjectTab, boolean>> = { dataset: dataReady, train: trained };
  return (
    <nav className="project-tabs" aria-label="Steps">
      <ol className="steps">
        {STEPS.map((t, i) => (
          <li key={t.tab} className={done[t.tab] ? 'step done' : 'step'}>
            <a href={projectHref(props.projectId, t.tab)} aria-current={props.tab === t.tab ? 'page' : undefined} className="project-tab" title={done[t.tab] ? `${t.label}: done` : undefined}>
              <span className="step-number" aria-hidden="true">
                {done[t.tab] ? '✓' : i + 1}
              </span>
              {t.label}
            </a>
          </li>
        ))}
      </ol>
      <a href={projectHref(props.projectId, 'runs')} aria-current={props.tab === 'runs' ? 'page' : undefined} className="project-tab runs-tab">
        Runs
      </a>
    </nav>
  );
}
