// Live predictions on the camera (about 5 per second: the next frame is taken 200 ms after the
// previous one started, never while one is still running).
import { useEffect, useState } from 'react';
import { useCamera } from '../components/media/use-camera';
import { Bars, Millis } from './bars';
import type { Classifier } from './classifier';
import { drawPhoto } from './image';
import { topK, type Ranked } from '../core/metrics/topk';
import { errorText } from '../core/error-text';

const INTERVAL_MS = 200;
const CAMERA = { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } };

export function Webcam({ classifier, on, onStop, tta = false }: { classifier: Classifier; on: boolean; onStop: (error: string | null) => void; tta?: boolean }) {
  const { videoRef, stream, error } = useCamera(on, CAMERA);
  const [live, setLive] = useState<{ ranked: Ranked[]; ms: number } | null>(null);

  useEffect(() => {
    if (error) onStop(error);
  }, [error, onStop]);

  useEffect(() => {
    const video = videoRef.current;
    if (!stream || !video) return;
    let stopped = false;
    let timer = 0;
    const canvas = document.createElement('canvas');
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
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      setLive(null);
    };
  }, [stream, videoRef, classifier, onStop, tta]);

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
