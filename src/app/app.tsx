// The studio shell: header with storage use, notices, and the route switch that composes
// the features (projects home, project workspace).
import { useEffect } from 'react';
import { useHashRoute } from '../components/use-hash-route';
import { useStudio } from '../stores/studio-store';
import { HomeView } from '../features/projects/home-view';
import { ProjectView } from '../features/dataset/project-view';
import { StorageMeter } from './storage-meter';
import { Notices } from './notices';
import { getDb } from '../persistence/connection';
import { removeOrphans } from '../persistence/projects-repo';
import { ProjectTabs } from './project-tabs';
import { TrainingView } from '../features/training/training-view';
import { RunsView } from '../features/training/runs-view';
import { EvaluateView } from '../features/evaluate/evaluate-view';
import { DeployView } from '../features/deploy/deploy-view';
import './phone.css';

export function App() {
  const route = useHashRoute();
  const refreshStorage = useStudio((s) => s.refreshStorage);
  useEffect(() => {
    void refreshStorage();
    // Finish any delete or duplicate that a closed tab interrupted.
    void getDb()
      .then((db) => removeOrphans(db))
      .catch(() => undefined);
  }, [refreshStorage]);

  return (
    <div className="app">
      <header className="app-header">
        <a className="brand" href="#/">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          Finetune Studio
        </a>
        <StorageMeter />
      </header>
      <Notices />
      <main className="app-main">
        {route.name === 'home' ? (
          <HomeView />
        ) : (
          <ProjectView projectId={route.id} key={route.id} nav={<ProjectTabs projectId={route.id} tab={route.tab} />}>
            {route.tab === 'train' ? <TrainingView /> : route.tab === 'runs' ? <RunsView /> : route.tab === 'evaluate' ? <EvaluateView /> : route.tab === 'use' ? <DeployView /> : null}
          </ProjectView>
        )}
      </main>
    </div>
  );
}
