// Webcam capture into a class: one shot per click, or hold the button to record a burst.
// Frames go through the same import path as files (decode worker, duplicate check, one
// transaction per image).
import { useCallback, useEffect, useRef, useState } from 'react';
import { useStudio } from '../../stores/studio-store';
import { Dialog } from '../../components/ui/dialog';
import { useCamera } from '../../components/media/use-camera';
import type { CollectedFile } from '../../import/collect-files';

const BURST_INTERVAL_MS = 200;

export function WebcamCapture(props: { open: boolean; onClose: () => void }) {
  const classes = useStudio((s) => s.classes);
  const activeId = useStudio((s) => s.activeClassId);
  const startImport = useStudio((s) => s.startImport);
  const importing = useStudio((s) => s.importProgress != null);
  const { videoRef, stream, error } = useCamera(props.open);
  const [captured, setCaptured] = useState(0);
  const [recording, setRecording] = useState(false);
  const queue = useRef<CollectedFile[]>([]);
  const timer = useRef<number | null>(null);
  const counter = useRef(0);
  const cls = classes.find((c) => c.id === activeId);

  const flush = useCallback(() => {
    if (!cls || queue.current.length === 0 || useStudio.getState().importProgress) return;
    const files = queue.current.splice(0);
    void startImport({ kind: 'class', classId: cls.id }, { files, dirs: [] });
  }, [cls, startImport]);

  useEffect(() => {
    if (!importing && !recording) flush();
  }, [importing, recording, flush]);

  const grab = useCallback(() => {
    const v = videoRef.current;
    if (!v || v.videoWidth === 0) return;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    canvas.toBlob(
      (blob) => {
        if (!blob) return;
        const n = ++counter.current;
        const name = `webcam-${new Date().toISOString().replace(/[:.]/g, '-')}-${n}.jpg`;
        queue.current.push({ path: name, file: new File([blob], name, { type: 'image/jpeg' }), source: 'webcam' });
        setCaptured((c) => c + 1);
        if (!timer.current) flush();
      },
      'image/jpeg',
      0.92,
    );
  }, [flush, videoRef]);

  const startBurst = () => {
    if (timer.current) return;
    setRecording(true);
    grab();
    timer.current = window.setInterval(grab, BURST_INTERVAL_MS);
  };
  const stopBurst = () => {
    if (timer.current) window.clearInterval(timer.current);
    timer.current = null;
    setRecording(false);
  };
  useEffect(() => stopBurst, []);

  return (
    <Dialog open={props.open} title={cls ? `Webcam → ${cls.name}` : 'Webcam'} onClose={props.onClose} wide>
      {!cls ? (
        <p>Add a class first; captured photos go into the class selected on the left.</p>
      ) : error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : (
        <div className="webcam">
          <video ref={videoRef} muted playsInline className="webcam-video" aria-label="Camera preview" />
          <div className="webcam-actions">
            <button type="button" className="primary" disabled={!stream} onClick={grab}>
              Capture photo
            </button>
            <button
              type="button"
              disabled={!stream}
              className={recording ? 'recording' : ''}
              aria-pressed={recording}
              onPointerDown={startBurst}
              onPointerUp={stopBurst}
              onPointerLeave={stopBurst}
              onKeyDown={(e) => {
                if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) {
                  e.preventDefault();
                  startBurst();
                }
              }}
              onKeyUp={(e) => (e.key === ' ' || e.key === 'Enter') && stopBurst()}
            >
              {recording ? 'Recording… release to stop' : 'Hold to record'}
            </button>
            <span className="muted" data-testid="webcam-count">
              {captured} captured this session
            </span>
          </div>
          <p className="muted small-text">Photos are saved into “{cls.name}” as you take them. Nothing leaves this device.</p>
        </div>
      )}
    </Dialog>
  );
}
