import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useCall } from './context.tsx';

/** The doctor's camera (when there is one) and voice. */
export function DoctorVideo() {
  const { t } = useTranslation();
  const { remote, remoteVideo } = useCall();
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
    return () => void (el.srcObject = null);
  }, [remote, remoteVideo]);

  if (!remote) return null;
  return (
    <>
      <audio ref={audio} autoPlay />
      {remoteVideo && (
        <figure className="preview preview-doctor">
          <video ref={video} autoPlay muted playsInline data-testid="doctor-video" />
          <figcaption>{t('call.doctor')}</figcaption>
        </figure>
      )}
    </>
  );
}
