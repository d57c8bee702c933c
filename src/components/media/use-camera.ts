// The one way the studio and the demo page open the camera: asked for while `on`, shown in the
// returned video element, stopped when turned off or unmounted, and a refusal or a missing
// camera turned into a sentence a person can act on.
import { useEffect, useRef, useState } from 'react';
import { errorText } from '../../core/error-text';

/** A camera failure in plain words. */
export function cameraErrorText(e: unknown): string {
  const name = e instanceof DOMException || e instanceof Error ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'Camera access was blocked. Allow it in the browser’s site settings and try again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found.';
  if (name === 'NotReadableError') return 'The camera is in use by another app.';
  return `The camera could not be started (${errorText(e)}).`;
}

export const NO_CAMERA_API = 'This browser gives no camera access here (it needs HTTPS or localhost).';

export interface Camera {
  /** Put on the <video> that shows the camera (rendered while `on`). */
  videoRef: React.RefObject<HTMLVideoElement | null>;
  /** The live stream once the camera started and the video plays it. */
  stream: MediaStream | null;
  error: string | null;
}

export function useCamera(on: boolean, video: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 } }): Camera {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [error, setError] = useState<string | null>(null);
  const constraints = JSON.stringify(video);

  useEffect(() => {
    if (!on) return;
    let stopped = false;
    let media: MediaStream | null = null;
    setError(null);
    void (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setError(NO_CAMERA_API);
        return;
      }
      try {
        media = await navigator.mediaDevices.getUserMedia({ video: JSON.parse(constraints) as MediaTrackConstraints, audio: false });
      } catch (e) {
        if (!stopped) setError(cameraErrorText(e));
        return;
      }
      if (stopped) {
        media.getTracks().forEach((t) => t.stop());
        return;
      }
      const el = videoRef.current;
      if (el) {
        el.srcObject = media;
        await el.play().catch(() => undefined);
      }
      if (!stopped) setStream(media);
    })();
    return () => {
      stopped = true;
      media?.getTracks().forEach((t) => t.stop());
      if (videoRef.current) videoRef.current.srcObject = null;
      setStream(null);
    };
  }, [on, constraints]);

  return { videoRef, stream, error };
}
