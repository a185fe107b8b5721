import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { MediaLabels } from './match.ts';
import { openMedia, type MediaStatus } from './open.ts';

interface MediaState {
  camera?: MediaStream;
  otoscope?: MediaStream;
  stethoscope?: MediaStream;
  voice?: MediaStream;
  status: MediaStatus;
  /** Opens the devices once to report on them (assistant panel), then closes them unless the exam holds them. */
  check(): void;
}

const MediaContext = createContext<MediaState | null>(null);
const mediaDevices = (): MediaDevices | undefined => (typeof navigator === 'undefined' ? undefined : navigator.mediaDevices);

/**
 * Holds the camera, otoscope and stethoscope while `active` (the examination) and closes them after: no
 * picture of the patient outlives the exam. What was found is kept for the assistant.
 */
export function MediaProvider({ active, labels, children }: { active: boolean; labels: MediaLabels | undefined; children: ReactNode }) {
  const [streams, setStreams] = useState<Pick<MediaState, 'camera' | 'otoscope' | 'stethoscope' | 'voice'>>({});
  const [status, setStatus] = useState<MediaStatus>({ state: 'idle', configured: {} });
  const labelKey = JSON.stringify(labels ?? null);

  useEffect(() => {
    if (!active || !labels) return;
    let cancelled = false;
    let stop = (): void => {};
    setStatus({ state: 'checking', configured: labels });
    void openMedia(mediaDevices(), labels).then((m) => {
      if (cancelled) return m.stop();
      stop = m.stop;
      setStreams({ camera: m.camera, otoscope: m.otoscope, stethoscope: m.stethoscope, voice: m.voice });
      setStatus(m.status);
    });
    return () => {
      cancelled = true;
      stop();
      setStreams({});
    };
    // labelKey stands for labels: a new object with the same labels must not reopen the devices.
  }, [active, labelKey]);

  const check = useCallback(() => {
    if (!labels || active) return;
    setStatus({ state: 'checking', configured: labels });
    void openMedia(mediaDevices(), labels).then((m) => {
      m.stop();
      setStatus(m.status);
    });
  }, [active, labels]);

  const value = useMemo(() => ({ ...streams, status, check }), [streams, status, check]);
  return <MediaContext.Provider value={value}>{children}</MediaContext.Provider>;
}

export function useMedia(): MediaState {
  const media = useContext(MediaContext);
  if (!media) throw new Error('useMedia needs a MediaProvider above it.');
  return media;
}
