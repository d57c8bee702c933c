// The Train tab: backbone, what to train, augmentation, settings and backend on the left; the
// start button and the live run on the right.
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
import './training-view.css';

// The settings panels read the store themselves; memo keeps them from re-rendering with this view.
const Backbone = memo(BackbonePanel);
const Freeze = memo(FreezePanel);
const Augment = memo(AugmentPanel);
const Hyper = memo(HyperPanel);
const Backend = memo(BackendPanel);
const Live = memo(LivePanel);

export function TrainingView() {
  const classes = useStudio((s) => s.classes);
  const project = useStudio((s) => s.project);
  // Only a boolean here: the live run changes several times a second and must not re-render the settings.
  const busy = useStudio((s) => s.live != null && !s.live.finished && s.workerStatus !== 'error' && s.workerStatus !== 'done');
  const start = useStudio((s) => s.startRun);
  const loadRuns = useStudio((s) => s.loadRuns);
  const interrupted = useStudio((s) => s.runs.find((r) => r.status === 'interrupted' && r.lastCheckpointEpoch != null));
  const resumeRun = useStudio((s) => s.resumeRun);
  useEffect(() => {
    void loadRuns();
  }, [loadRuns, project?.id]);
  const auto = useStudio((s) => s.trainConfig.auto?.enabled ?? false);
  const used = classes.filter((c) => c.imageCount > 0);
  const images = used.reduce((a, c) => a + c.imageCount, 0);
  return (
    <div className="training">
      <div className="training-config">
        {auto && <p className="muted auto-note">Auto chooses what to train, the classifier and its settings from your photos. The backbone, augmentation and seed below are still yours; turn Auto off to set everything yourself.</p>}
        <Backbone />
        <Freeze />
        <Augment />
        <Hyper />
        <Backend />
      </div>
      <div className="training-side">
        <section className="panel start-panel" aria-label="Start training">
          {interrupted && !busy && (
            <div className="resume-offer" data-testid="resume-offer">
              <p>
                <strong>{interrupted.name}</strong> was interrupted after epoch {interrupted.lastCheckpointEpoch! + 1} of {interrupted.totalEpochs}.
              </p>
              <button type="button" className="primary" onClick={() => resumeRun(interrupted.id)}>
                Resume from epoch {interrupted.lastCheckpointEpoch! + 2}
              </button>
            </div>
          )}
          <AutoSettings />
          <p className="muted">
            {used.length < 2 ? 'Add images to at least 2 classes on the Dataset tab to train.' : `${plural(images, 'image')} in ${used.length} classes.`}
          </p>
          <button type="button" className="primary big" disabled={busy || used.length < 2} onClick={() => void start()}>
            {busy ? 'Training…' : auto ? 'Train' : 'Start training'}
          </button>
          <AutoStatus />
        </section>
        <LeakagePanel />
        <Live />
      </div>
    </div>
  );
}
