// Auto on the Train tab: the switch and its two settings, what Auto is doing during a run, and
// what it chose and why (in plain words, with the search's table behind a disclosure) after it.
import { useStudio } from '../../stores/studio-store';
import { DEFAULT_AUTO, describeHead, fitOnOf, type AutoPlan, type PlanMember } from '../../core/train/auto-plan';
import type { StudyRowLite } from '../../worker/protocol';
import type { RunStudy } from '../../persistence/db';
import { meanAndSpread } from '../../core/metrics/spread';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function AutoSettings() {
  const cfg = useStudio((s) => s.trainConfig);
  const set = useStudio((s) => s.setTrainConfig);
  const auto = cfg.auto ?? { ...DEFAULT_AUTO, enabled: false };
  const patch = (p: Partial<typeof auto>) => set({ auto: { ...auto, ...p } });
  return (
    <div className="auto-settings" data-testid="auto-settings">
      <label className="check-label">
        <input type="checkbox" checked={auto.enabled} onChange={(e) => patch({ enabled: e.target.checked })} />
        <span>
          <strong>Auto</strong> (recommended): the studio studies your photos and chooses how to train
        </span>
      </label>
      {auto.enabled ? (
        <div className="field-row auto-fields">
          <div className="field">
            <label htmlFor="auto-budget">Time to study settings (seconds)</label>
            <input id="auto-budget" type="number" min={2} max={300} step={1} value={auto.budgetSec} onChange={(e) => patch({ budgetSec: Math.max(2, Math.min(300, Number(e.target.value) || DEFAULT_AUTO.budgetSec)) })} />
            <small className="muted">More time tries more settings; the simplest ones always run.</small>
          </div>
          <label className="check-label">
            <input type="checkbox" checked={auto.allowFinetune} onChange={(e) => patch({ allowFinetune: e.target.checked })} />
            <span>May fine-tune the backbone (slower; used only when it is likely to help)</span>
          </label>
        </div>
      ) : (
        <p className="muted small-note">Manual: the settings on this page are used as they are.</p>
      )}
    </div>
  );
}

/** Auto's progress during a run, and its choice once made. */
export function AutoStatus() {
  const study = useStudio((s) => s.live?.study ?? null);
  const runId = useStudio((s) => s.live?.runId ?? null);
  const stored = useStudio((s) => (runId ? s.runs.find((r) => r.id === runId)?.study : null) ?? null);
  const applyToManual = useStudio((s) => s.adoptRunSettings);
  if (!study && !stored) return null;
  const plan = study?.plan ?? stored?.plan ?? null;
  const rows = stored?.rows ?? study?.rows ?? [];
  // Runs stored before Auto pooled its images have no `fitOn`; a live plan pools when it keeps the backbone frozen.
  const fitOn = stored ? stored.fitOn : plan ? fitOnOf(plan) : undefined;
  return (
    <div className="auto-status" data-testid="auto-status" aria-live="polite">
      {study?.phase === 'search' && !plan && (
        <>
          <p>
            Studying your photos: {study.done} of {study.total || '…'} settings tried
          </p>
          <progress className="wide" max={Math.max(1, study.total)} value={study.done} aria-label="Auto's search progress" />
        </>
      )}
      {plan && <PlanSummary plan={plan} fitOn={fitOn} />}
      {rows.length > 0 && (
        <StudyTable rows={rows} k={plan?.k ?? stored?.k ?? 0} skipped={stored?.skipped ?? 0} truncated={stored?.truncated ?? false} seconds={(stored?.elapsedMs ?? 0) / 1000} fitOn={fitOn} members={plan?.members ?? []} />
      )}
      {stored && stored.rows[0]?.foldLoss && <FoldTable row={stored.rows[0]} sizes={stored.foldSizes ?? []} />}
      {stored && runId && (
        <button type="button" className="small" onClick={() => applyToManual(runId)}>
          Start from Auto's choice in the manual settings
        </button>
      )}
    </div>
  );
}

type FitOn = RunStudy['fitOn'];

function PlanSummary({ plan, fitOn }: { plan: AutoPlan; fitOn: FitOn }) {
  return (
    <p className="auto-plan" data-testid="auto-plan">
      <strong>Auto chose:</strong> {plan.reason}
      {fitOn === 'train+val' && (
        <span data-testid="auto-fit-on">
          {' '}The classifier then trains on every training and validation image; each validation figure comes from the part of the cross-validation
          that did not train on that image.
        </span>
      )}
    </p>
  );
}

const meanSd = (xs: number[]) => {
  const { mean, spread } = meanAndSpread(xs);
  return { mu: mean, sd: spread };
};

/** Cross-validation of the chosen setting, fold by fold: what each held-out part scored, and mean ± spread. */
function FoldTable({ row, sizes }: { row: StudyRowLite; sizes: number[] }) {
  const acc = meanSd(row.foldAccuracy);
  const f1 = meanSd(row.foldMacroF1 ?? []);
  const loss = meanSd(row.foldLoss ?? []);
  return (
    <details className="auto-table" data-testid="fold-table">
      <summary>
        Cross-validation of the chosen setting: accuracy {pct(acc.mu)} ± {pct(acc.sd)}, macro F1 {f1.mu.toFixed(2)} ± {f1.sd.toFixed(2)} over {row.foldAccuracy.length} folds
      </summary>
      <div className="scroll-box" tabIndex={0} role="region" aria-label="Cross-validation, fold by fold">
        <table className="probe-table">
          <thead>
            <tr>
              <th scope="col">Fold</th>
              <th scope="col" className="num">Images</th>
              <th scope="col" className="num">Accuracy</th>
              <th scope="col" className="num">Macro F1</th>
              <th scope="col" className="num">Loss</th>
            </tr>
          </thead>
          <tbody>
            {row.foldAccuracy.map((a, f) => (
              <tr key={f}>
                <td>{f + 1}</td>
                <td className="num">{sizes[f] ?? '–'}</td>
                <td className="num">{pct(a)}</td>
                <td className="num">{row.foldMacroF1?.[f]?.toFixed(2) ?? '–'}</td>
                <td className="num">{row.foldLoss?.[f]?.toFixed(3) ?? '–'}</td>
              </tr>
            ))}
            <tr className="layer-on">
              <td>Mean ± spread</td>
              <td className="num">{sizes.reduce((a, b) => a + b, 0) || '–'}</td>
              <td className="num">
                {pct(acc.mu)} ± {pct(acc.sd)}
              </td>
              <td className="num">
                {f1.mu.toFixed(2)} ± {f1.sd.toFixed(2)}
              </td>
              <td className="num">
                {loss.mu.toFixed(3)} ± {loss.sd.toFixed(3)}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <p className="muted small-note">
        Each fold is scored by a classifier trained on the other folds, with the number of passes chosen for this setting. A wide spread means the
        figure depends on which photos are held out: more photos per class narrow it.
      </p>
    </details>
  );
}

function StudyTable(props: { rows: StudyRowLite[]; k: number; skipped: number; truncated: boolean; seconds: number; fitOn: FitOn; members: PlanMember[] }) {
  const { rows, k, skipped, truncated, seconds, fitOn, members } = props;
  const averaged = members.length > 1;
  const isMember = (r: StudyRowLite) => members.some((m) => m.steps === r.steps && JSON.stringify(m.candidate) === JSON.stringify(r.candidate));
  return (
    <details className="auto-table">
      <summary>
        What Auto tried: {rows.length} settings, {k}-fold cross-validation{seconds ? ` in ${seconds.toFixed(1)} s` : ''}
        {skipped ? ` (${skipped} left out by the time limit)` : truncated ? ' (the time limit cut the last ones short)' : ''}
      </summary>
      <div className="scroll-box" tabIndex={0} role="region" aria-label="Settings Auto tried">
        <table className="probe-table">
          <thead>
            <tr>
              <th scope="col">Classifier</th>
              <th scope="col" className="num">Accuracy on held-out folds</th>
              <th scope="col" className="num">Passes</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} className={i === 0 || (averaged && isMember(r)) ? 'layer-on' : undefined}>
                <td>
                  {describeHead(r.candidate)}
                  {averaged && isMember(r) && <span className="muted"> (averaged)</span>}
                </td>
                <td className="num">
                  {pct(r.accuracy)} ± {pct(r.spread)}
                </td>
                <td className="num">{r.steps}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small-note">
        {fitOn
          ? `Each setting trains on ${k - 1} of ${k} parts of the training and validation images and is scored on the part it did not see; ± is the spread across parts. ${
              fitOn === 'train+val'
                ? 'The chosen setting then trains on all of them.'
                : 'Fine-tuning then trains on the training images and keeps its last epoch; the validation images are scored after each epoch and choose nothing.'
            }`
          : `Each setting trains on ${k - 1} of ${k} parts of the training images and is scored on the part it did not see; ± is the spread across parts. The validation images are not used for these choices.`}
      </p>
    </details>
  );
}
