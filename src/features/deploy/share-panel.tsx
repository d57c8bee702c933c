// Sharing a trained model: a serverless link that carries the head in the URL (frozen catalog
// backbones only; its length is shown), or an upload to the studio's share service that gives a
// short /m/<id> link and a delete token shown once. QR codes for links short enough to scan.
import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { useStudio } from '../../stores/studio-store';
import type { RunRecord } from '../../persistence/db';
import { BACKBONES } from '../../core/backbones/catalog';
import { errorText } from '../../core/error-text';

/** Links longer than this break in chat apps and mail clients (and cannot be a QR code). */
const CHAT_LIMIT = 2000;

/** Why a serverless link cannot carry this run, or null when it can (the worker checks the same). */
export function linkBlocker(run: Pick<RunRecord, 'config'>): string | null {
  if (!BACKBONES.some((b) => b.id === run.config.backbone.id)) return 'Not available: this model uses your own backbone, which the link cannot point to. Use the short link.';
  if (run.config.mode !== 'frozen') return 'Not available: this run fine-tuned the backbone, and a link only carries the last layers. Use the short link.';
  return null;
}

/** QR codes hold at most ~2,900 characters; keep them comfortably scannable. */
const QR_LIMIT = 1500;

function Qr({ text }: { text: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    if (text.length <= QR_LIMIT) void QRCode.toDataURL(text, { margin: 1, width: 180 }).then((u) => live && setSrc(u));
    return () => {
      live = false;
    };
  }, [text]);
  if (text.length > QR_LIMIT) return <p className="muted small-text">Too long for a QR code ({text.length.toLocaleString()} characters).</p>;
  return src ? <img src={src} alt="QR code of the link" className="qr" data-testid="share-qr" /> : null;
}

export function SharePanel({ run, tta = false }: { run: RunRecord; tta?: boolean }) {
  const notify = useStudio((s) => s.notify);
  const shareLink = useStudio((s) => s.shareLink);
  const exportRun = useStudio((s) => s.exportRun);
  const [link, setLink] = useState<string | null>(null);
  const [linkError, setLinkError] = useState<string | null>(null);
  const [hosted, setHosted] = useState<{ url: string; deleteToken: string; id: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setLink(null);
    setLinkError(null);
    setHosted(null);
  }, [run.id]);
  const demoBase = new URL('demo.html', location.href).href;
  const blocker = linkBlocker(run);

  const makeLink = async () => {
    setBusy(true);
    try {
      setLink(`${demoBase}#link=${await shareLink(run.id, tta)}`);
    } catch (e) {
      setLinkError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const upload = async () => {
    setBusy(true);
    try {
      const r = await exportRun(run.id, tta);
      const res = await fetch(new URL('api/models', location.href), { method: 'POST', headers: { 'Content-Type': 'application/zip' }, body: r.zip });
      const body = (await res.json().catch(() => ({}))) as { id?: string; url?: string; deleteToken?: string; error?: string };
      if (!res.ok || !body.url || !body.deleteToken || !body.id) throw new Error(body.error ?? `the share service answered HTTP ${res.status} (is the studio running with npm start?)`);
      setHosted({ url: new URL(body.url, location.href).href, deleteToken: body.deleteToken, id: body.id });
    } catch (e) {
      notify('error', `Upload failed: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!hosted) return;
    const res = await fetch(new URL(`api/models/${hosted.id}`, location.href), { method: 'DELETE', headers: { Authorization: `Bearer ${hosted.deleteToken}` } });
    if (res.ok) {
      notify('info', 'The shared copy was deleted.');
      setHosted(null);
    } else notify('error', `Delete failed: HTTP ${res.status}`);
  };

  return (
    <section className="panel share" aria-labelledby="share-title">
      <h2 id="share-title">Share</h2>
      <div className="share-grid">
        <div>
          <h3>Short link <span className="badge ok">recommended</span></h3>
          <p className="muted small-text">Uploads the exported model to this studio's server and gives a short link anyone can open, in a chat, a mail or as a QR code.</p>
          <button type="button" className="primary" onClick={() => void upload()} disabled={busy}>
            Upload and get a link
          </button>
          {hosted && (
            <div className="share-result">
              <input readOnly value={hosted.url} aria-label="Short link" data-testid="hosted-link" onFocus={(e) => e.target.select()} />
              <p className="small-text">
                Delete token (shown once, keep it to remove the share): <code data-testid="delete-token">{hosted.deleteToken}</code>
              </p>
              <div className="toolbar">
                <a className="button small" href={hosted.url} target="_blank" rel="noreferrer">Open demo</a>
                <button type="button" className="small danger-text" onClick={() => void remove()}>Delete shared copy</button>
              </div>
              <Qr text={hosted.url} />
            </div>
          )}
        </div>
        <div>
          <h3>Long link with the model inside</h3>
          <p className="muted small-text">Nothing is uploaded: the last layers' weights (8-bit) travel in the link itself, and the backbone downloads from its public address. The link is long.</p>
          <button type="button" onClick={() => void makeLink()} disabled={busy || blocker != null} aria-describedby={blocker ? 'link-blocker' : undefined}>
            Make link
          </button>
          {blocker && <p className="muted small-text" id="link-blocker" data-testid="link-blocker">{blocker}</p>}
          {linkError && <p className="error-text small-text" role="alert">{linkError}</p>}
          {link && (
            <div className="share-result">
              <input readOnly value={link} aria-label="Serverless link" data-testid="share-link" onFocus={(e) => e.target.select()} />
              <p className="muted small-text" data-testid="share-link-length">{link.length.toLocaleString()} characters</p>
              {link.length > CHAT_LIMIT && (
                <p className="warn-text small-text" data-testid="share-link-warning">
                  This link is {link.length.toLocaleString()} characters long: chat apps and mail often cut links over {CHAT_LIMIT.toLocaleString()}, and it is too long for a QR code. The short link is safer.
                </p>
              )}
              <div className="toolbar">
                <button type="button" className="small" onClick={() => void navigator.clipboard?.writeText(link)}>Copy</button>
                <a className="button small" href={link} target="_blank" rel="noreferrer">Open demo</a>
              </div>
              <Qr text={link} />
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
