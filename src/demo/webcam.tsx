// Live predictions on the camera (about 5 per second: the next frame is taken 200 ms after the
// previous one started, never while one is still running).
import { useEffect, useRef, useState } from 'react';
import { Bars, Millis } from './bars';
import type { Classifier } from './classifier';
import { drawPhoto } from './image';
import { topK, type Ranked } from './topk';
import { errorText } from '../core/error-text';

const INTERVAL_MS = 200;

function cameraError(e: unknown): string {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'Camera access was blocked. Allow it in the browser’s site settings and try again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found.';
  if (name === 'NotReadableError') return 'The camera is in use by another app.';
  return `The camera could not be started (${errorText(e)}).`;
}

export function Webcam({ classifier, on, onStop, tta = false }: { classifier: Classifier; on: boolean; onStop: (error: string | null) => void; tta?: boolean }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [live, setLive] = useState<{ ranked: Ranked[]; ms: number } | null>(null);

  useEffect(() => {
    if (!on) return;
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer = 0;
    const canvas = document.createElement('canvas');
    const video = videoRef.current;
    void (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        onStop('This browser gives no camera access here (it needs HTTPS or localhost).');
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      } catch (e) {
        if (!stopped) onStop(cameraError(e));
        return;
      }
      if (stopped || !video) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      video.srcObject = stream;
      await video.play().catch(() => {});
      const tick = async () => {
        if (stopped) return;
        const t0 = performance.now();
        try {
          if (await drawPhoto(video, classifier.inputSize, classifier.preprocessing.resize, classifier.trainingSize, canvas)) {
            const { probs, ms } = await classifier.classify(canvas, tta);
            if (!stopped) setLive({ ranked: topK(probs, classifier.labels), ms });
          }
        } catch (e) {
          if (!stopped) onStop(`Prediction failed (${errorText(e)}).`);
          return;
        }
        if (!stopped) timer = window.setTimeout(tick, Math.max(0, INTERVAL_MS - (performance.now() - t0)));
      };
      void tick();
    })();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
      if (video) video.srcObject = null;
      setLive(null);
    };
  }, [on, classifier, onStop, tta]);

  return (
    <section className="demo-card demo-webcam" hidden={!on} aria-label="Webcam" data-testid="demo-live">
      <div className="demo-video-wrap">
        <video ref={videoRef} className="demo-video" muted playsInline aria-label="Camera preview" />
      </div>
      {live ? (
        <>
          <Bars ranked={live.ranked} />
          <p className="demo-muted demo-small">
            Live · <Millis ms={live.ms} /> per prediction
          </p>
        </>
      ) : (
        <p className="demo-muted">Starting the camera…</p>
      )}
    </section>
  );
}
