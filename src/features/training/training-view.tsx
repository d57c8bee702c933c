// The Train step: the recommended card (what will be trained, in plain words, and Start) and the
// live run first; every setting under Advanced, each with a line on what it does; backend
// measurements under Diagnostics. On a phone the card comes first, the settings after the run.
import { memo, useEffect } from 'react';
import { useStudio } from '../../stores/studio-store';
import { plural } from '../../components/ui/format';
import { BackbonePanel } from './backbone-panel';
import { FreezePanel } from './freeze-panel';
import { AugmentPanel } from './augment-panel';
import { HyperPanel } from './hyper-panel';
import { BackendPanel } from './backend-panel';
import { LivePanel } from './live-panel';
import { AutoSettings, AutoStatus } from './auto-panel';
import { LeakagePanel } from './leakage-panel';
import { RecommendedCard } from './recommended-card';
import './training-view.css';

// The settings panels read the store themselves; memo keeps them from re-rendering with this view.
const Backbone = memo(BackbonePanel);
const Freeze = memo(FreezePanel);
const Augment = memo(AugmentPanel);
const Hyper = memo(HyperPanel);
const Backend = memo(BackendPanel);
const Live = memo(LivePanel);

export function TrainingView() {
  const project = useStudio((s) => s.project);
  const classes = useStudio((s) => s.classes);
  // Only a boolean here: the live run changes several times a second and must not re-render the settings.
  const busy = useStudio((s) => s.live != null && !s.live.finished && s.workerStatus !== 'error' && s.workerStatus !== 'done');
  const start = useStudio((s) => s.startRun);
  const loadRuns = useStudio((s) => s.loadRuns);
  useEffect(() => {
    void loadRuns();
  }, [loadRuns, project?.id]);
  const auto = useStudio((s) => s.trainConfig.auto);
  const used = classes.filter((c) => c.imageCount > 0);
  const images = used.reduce((a, c) => a + c.imageCount, 0);
  const choice = auto?.enabled
    ? `Auto will study your ${plural(images, 'image')} in ${used.length} classes for up to ${auto.budgetSec} s, then choose how to train: the classifier and its settings, and whether fine-tuning the model is worth its time.`
    : undefined;
  return (
    <div className="training">
      <div className="training-side">
        <RecommendedCard busy={busy} onStart={() => void start()} choice={choice}>
          <AutoSettings />
          <AutoStatus />
        </RecommendedCard>
        <LeakagePanel />
        <Live />
      </div>
      <div className="training-config">
        <details className="panel disclosure" data-testid="advanced">
          <summary>
            <span className="disclosure-title">Advanced</span>
            <span className="muted small-text"> the model, what to train, varied copies, and every training setting</span>
          </summary>
          <div className="disclosure-body">
            <Backbone />
            <Freeze />
            <Augment />
            <Hyper />
          </div>
        </details>
        <details className="panel disclosure" data-testid="diagnostics">
          <summary>
            <span className="disclosure-title">Diagnostics</span>
            <span className="muted small-text"> which processor backend trains, and how fast each one measured</span>
          </summary>
          <div className="disclosure-body">
            <Backend />
          </div>
        </details>
      </div>
    </div>
  );
}
