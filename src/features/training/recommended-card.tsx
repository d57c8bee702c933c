// The top of the Train screen: what will be trained with the current settings, in plain words,
// and the Start button (plus the offer to resume an interrupted run). A chooser that picks the
// settings for the user passes its own sentence and details through `choice` and `children`.
import type { ReactNode } from 'react';
import { useStudio } from '../../stores/studio-store';
import { planSentence } from './plain-words';

export function RecommendedCard(props: { busy: boolean; onStart: () => void; choice?: ReactNode; children?: ReactNode }) {
  const classes = useStudio((s) => s.classes);
  const cfg = useStudio((s) => s.trainConfig);
  const markedVal = useStudio((s) => s.images.filter((i) => i.split === 'val').length);
  const interrupted = useStudio((s) => s.runs.find((r) => r.status === 'interrupted' && r.lastCheckpointEpoch != null));
  const resumeRun = useStudio((s) => s.resumeRun);
  // Once a run has finished, the next step (check, try) is the primary action, not training again.
  const finished = useStudio((s) => s.live?.finished != null);
  const backboneFailed = useStudio((s) => (s.trainError && !s.trainError.runId ? s.trainError.message : null));
  const warmed = useStudio((s) => (s.featuresWarmed && s.featuresWarmed.projectId === s.project?.id ? s.featuresWarmed : null));
  const used = classes.filter((c) => c.imageCount > 0);
  const images = used.reduce((a, c) => a + c.imageCount, 0);
  const ready = used.length >= 2;
  return (
    <section className="panel start-panel recommended-card" aria-labelledby="rec-title" data-testid="recommended-card">
      <h2 id="rec-title">Recommended</h2>
      {interrupted && !props.busy && (
        <div className="resume-offer" data-testid="resume-offer">
          <p>
            <strong>{interrupted.name}</strong> was interrupted after epoch {interrupted.lastCheckpointEpoch! + 1} of {interrupted.totalEpochs}.
          </p>
          <button type="button" className="primary" onClick={() => resumeRun(interrupted.id)}>
            Resume from epoch {interrupted.lastCheckpointEpoch! + 2}
          </button>
        </div>
      )}
      <p data-testid="plan-sentence">
        {!ready
          ? 'Add images to at least 2 classes on the Data step to train.'
          : (props.choice ?? planSentence({ config: cfg, backbone: cfg.backbone, classes: used.length, images, markedVal }))}
      </p>
      {backboneFailed && ready && (
        <p className="error-text small-text" role="alert" data-testid="start-blocker">
          Cannot start yet: {backboneFailed} Pick another model under Advanced, or try again there.
        </p>
      )}
      {warmed && ready && !props.busy && !finished && (
        <p className="muted small-text" data-testid="features-warmed">
          {warmed.error
            ? `Features could not be prepared during the import (${warmed.error}); the run computes them.`
            : `Features of ${Math.min(warmed.done, images)} of the ${images} images are ready (prepared while importing): a run with this model starts from them.`}
        </p>
      )}
      <button type="button" className={finished ? 'big' : 'primary big'} disabled={props.busy || !ready || backboneFailed != null} onClick={props.onStart}>
        {props.busy ? 'Training…' : 'Start training'}
      </button>
      {props.children}
    </section>
  );
}
