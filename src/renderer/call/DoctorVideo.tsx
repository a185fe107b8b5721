import { useEffect, useRef, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { VideoPreview } from '../components/VideoPreview.tsx';
import { useCall } from './context.tsx';

/**
 * The doctor, as the main thing on the screen while one is there: the camera large (or, without one, a card that
 * says the doctor hears the patient), the voice, what is being done when the picture froze, and the patient's own
 * small self-view in a corner.
 */
export function DoctorVideo({ selfView }: { selfView?: MediaStream | undefined }) {
  const { t } = useTranslation();
  const { remote, remoteVideo, doctorVideo, view } = useCall();
  const video = useRef<HTMLVideoElement>(null);
  const audio = useRef<HTMLAudioElement>(null);

  useEffect(() => {
    const el = audio.current;
    if (!el || !remote) return;
    el.srcObject = remote;
    void el.play().catch(() => {});
    return () => void (el.srcObject = null);
  }, [remote]);
  useEffect(() => {
    const el = video.current;
    if (!el || !remote || !remoteVideo) return;
    el.srcObject = remote;
    void el.play().catch(() => {});
    return () => void (el.srcObject = null);
  }, [remote, remoteVideo]);
  usePresentedFrames(video, remote, remoteVideo && doctorVideo === 'ok');

  if (!remote) return null;
  const name = view?.doctorName ?? '';
  const trouble = remoteVideo && (doctorVideo === 'stalled' || doctorVideo === 'failed');
  return (
    <div className="call-stage" data-testid="call-stage">
      <audio ref={audio} autoPlay />
      {remoteVideo ? (
        <figure className="doctor-figure">
          <video ref={video} className="doctor-video" autoPlay muted playsInline data-testid="doctor-video" data-state={doctorVideo} />
          <figcaption className="doctor-caption">{name || t('call.doctor')}</figcaption>
        </figure>
      ) : (
        <div className="doctor-audio-only" role="status" data-testid="doctor-audio-only">
          <svg className="doctor-audio-icon" viewBox="0 0 64 64" aria-hidden="true">
            <circle cx="32" cy="22" r="12" fill="currentColor" />
            <path d="M10 58c0-12 10-20 22-20s22 8 22 20z" fill="currentColor" />
          </svg>
          <p className="doctor-audio-title">{name ? t('kioskCall.hearsYouNamed', { name }) : t('kioskCall.hearsYou')}</p>
          <p>{t('kioskCall.audioOnly')}</p>
        </div>
      )}
      {trouble && (
        <p className={`call-notice call-notice-${doctorVideo}`} role="status" aria-live="polite" data-testid="doctor-video-notice" data-state={doctorVideo}>
          {t(doctorVideo === 'stalled' ? 'kioskCall.stalled' : 'kioskCall.failed')}
        </p>
      )}
      {selfView && <VideoPreview stream={selfView} label={t('kioskCall.you')} className="self-view" testId="camera-preview" />}
    </div>
  );
}

/** How long a video whose frames are decoded may show none before the element is attached again. */
export const PRESENT_GRACE_MS = 3000;

/**
 * The connection decodes the doctor's frames, but the element must show them too: when it has shown none for a few
 * seconds (no size, time standing still), it is attached to the stream again and played.
 */
function usePresentedFrames(ref: RefObject<HTMLVideoElement | null>, stream: MediaStream | null, decoding: boolean): void {
  useEffect(() => {
    const el = ref.current;
    if (!el || !stream || !decoding) return;
    let last = el.currentTime;
    let still = 0;
    const timer = setInterval(() => {
      const moving = el.videoWidth > 0 && el.currentTime !== last;
      last = el.currentTime;
      still = moving ? 0 : still + 1000;
      if (still < PRESENT_GRACE_MS) return;
      still = 0;
      el.srcObject = null;
      el.srcObject = stream;
      void el.play().catch(() => {});
    }, 1000);
    return () => clearInterval(timer);
  }, [ref, stream, decoding]);
}
