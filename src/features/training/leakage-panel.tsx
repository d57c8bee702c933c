// "Same photo twice?" before training: near-duplicates that the planned split would put in
// different sets (a copy trained on while its twin is scored inflates every figure), each with
// one click to keep the pair in one set or to delete the copy.
import { useMemo } from 'react';
import { useStudio } from '../../stores/studio-store';
import { planSplit } from '../../core/train/plan-run';
import { useBlobUrl } from '../../components/data/use-blob-url';
import { plural } from '../../components/ui/format';
import type { ImageRecord } from '../../persistence/db';

const SET_NAME = { train: 'training', val: 'validation', test: 'test' } as const;

function Thumb(props: { image: ImageRecord; set: string; className: string }) {
  const url = useBlobUrl('thumbnails', props.image.id);
  const name = props.image.name.split('/').pop() ?? props.image.name;
  return (
    <figure className="dup-thumb">
      {url ? <img src={url} alt="" /> : <span className="tile-loading" aria-hidden="true" />}
      <figcaption>
        <span className="dup-name" title={props.image.name}>{name}</span>
        <span className="muted">{props.className} · {props.set}</span>
      </figcaption>
    </figure>
  );
}

export function LeakagePanel() {
  const project = useStudio((s) => s.project);
  const images = useStudio((s) => s.images);
  const classes = useStudio((s) => s.classes);
  const cfg = useStudio((s) => s.trainConfig);
  const together = useStudio((s) => s.keepTogether);
  const result = useStudio((s) => s.nearDuplicates);
  const progress = useStudio((s) => s.leakageProgress);
  const check = useStudio((s) => s.checkNearDuplicates);
  const keep = useStudio((s) => s.keepPairTogether);
  const drop = useStudio((s) => s.dropCopy);
  const pairs = result && result.projectId === project?.id ? result.pairs : null;
  const view = useMemo(() => {
    if (!pairs) return null;
    const byId = new Map(images.map((i) => [i.id, i]));
    const className = new Map(classes.map((c) => [c.id, c.name]));
    const { split } = planSplit(classes, images, cfg, together);
    const setOf = new Map<string, keyof typeof SET_NAME>();
    for (const s of ['train', 'val', 'test'] as const) for (const id of split[s]) setOf.set(id, s);
    const rows = pairs.flatMap((p) => {
      const a = byId.get(p.a);
      const b = byId.get(p.b);
      if (!a || !b) return [];
      const sa = setOf.get(a.id);
      const sb = setOf.get(b.id);
      return [{ p, a, b, sa: sa ? SET_NAME[sa] : 'unused', sb: sb ? SET_NAME[sb] : 'unused', ca: className.get(a.classId) ?? '?', cb: className.get(b.classId) ?? '?', across: sa !== sb || a.classId !== b.classId }];
    });
    return { across: rows.filter((r) => r.across), same: rows.length - rows.filter((r) => r.across).length };
  }, [pairs, images, classes, cfg, together]);

  return (
    <section className="panel leakage-panel" aria-labelledby="leak-title" data-testid="leakage-panel">
      <h2 id="leak-title">Same photo twice?</h2>
      <p className="muted small-text">
        A photo resized, re-saved or slightly cropped counts as the same shot. If one copy is trained on and the other is scored, the scores look better than they are.
      </p>
      <button type="button" onClick={() => void check()} disabled={progress != null || images.length < 2}>
        {progress ? `Checking… ${progress.done} / ${progress.total}` : pairs ? 'Check again' : 'Check for near-duplicates'}
      </button>
      {view && view.across.length === 0 && (
        <p data-testid="leakage-none">
          {view.same > 0 ? `${plural(view.same, 'near-duplicate pair')} found, each already in one set: nothing leaks.` : `No near-duplicates among ${plural(images.length, 'image')}.`}
        </p>
      )}
      {view && view.across.length > 0 && (
        <>
          <p className="warn-text" data-testid="leakage-count">
            {plural(view.across.length, 'pair')} of near-duplicates would be split across sets or classes.
          </p>
          <ul className="dup-list">
            {view.across.map(({ p, a, b, sa, sb, ca, cb }) => (
              <li key={`${p.a}|${p.b}`} className="dup-row" data-testid="leakage-pair">
                <Thumb image={a} set={sa} className={ca} />
                <Thumb image={b} set={sb} className={cb} />
                <div className="dup-actions">
                  <span className="muted small-text">{p.distance === 0 ? 'identical' : `${p.distance} of 64 bits differ`}</span>
                  {a.classId === b.classId && (
                    <button type="button" className="small" onClick={() => keep(p)}>
                      Keep in one set
                    </button>
                  )}
                  <button type="button" className="small danger-text" onClick={() => void drop(b.id)}>
                    Delete {b.name.split('/').pop()}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
