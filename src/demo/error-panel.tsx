// The one error page: a model that cannot be opened, with the reason as plain text.
import { clip, type DemoSource } from './hash';

export function ErrorPanel({ reason, source }: { reason: string; source: DemoSource | null }) {
  const hint =
    source?.kind === 'link'
      ? 'Share links are long: check that the whole link was copied, including everything after “#link=”.'
      : source?.kind === 'model'
        ? 'Check the address, that model.json, metadata.json and the weight files sit in the same folder, and that their server allows cross-origin requests.'
        : 'A demo address ends in #model=<address of model.json> or #link=<share link>.';
  return (
    <section className="demo-card demo-error" role="alert" aria-labelledby="demo-error-heading" data-testid="demo-error">
      <h1 id="demo-error-heading">This model could not be opened</h1>
      <p className="demo-error-reason">{clip(reason, 600)}</p>
      <p className="demo-muted">{hint}</p>
      <p>
        <a href="./">Open Finetune Studio</a> to train and share your own image classifier.
      </p>
    </section>
  );
}
