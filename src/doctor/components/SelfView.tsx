import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The doctor's own camera, small and mirrored (as a mirror shows a face: moving left moves left), muted: the
 * doctor checks the framing and the light the patient sees without looking away from the patient.
 */
export function SelfView({ stream }: { stream: MediaStream | undefined }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.srcObject !== (stream ?? null)) el.srcObject = stream ?? null;
    if (stream) el.play().catch(() => undefined);
  }, [stream]);
  if (!stream || stream.getVideoTracks().length === 0) return null;
  return (
    <figure className="self-view" data-testid="self-view-figure">
      <video ref={ref} autoPlay playsInline muted className="self-video" data-testid="self-view" aria-label={t('selfView.label')} />
      <figcaption className="self-caption">{t('selfView.caption')}</figcaption>
    </figure>
  );
}
