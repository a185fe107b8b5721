import { useEffect, useRef } from 'react';

/**
 * A remote stream in a <video> or <audio> element (srcObject kept in sync, playback started). `stale`: the picture
 * may be the last one received (the cabin not live): marked as such over the video, never shown as live.
 */
export function MediaView({ kind, stream, testId, className, label, stale }: { kind: 'video' | 'audio'; stream: MediaStream | undefined; testId: string; className?: string; label: string; stale?: string | undefined }) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.srcObject !== (stream ?? null)) el.srcObject = stream ?? null;
    if (stream) el.play().catch(() => undefined);
  }, [stream]);
  if (kind === 'audio') return <audio ref={ref} autoPlay data-testid={testId} data-live={stream ? 'true' : 'false'} aria-label={label} />;
  const frozen = stream !== undefined && stale !== undefined;
  return (
    <>
      <video ref={ref} autoPlay playsInline muted className={`${className ?? ''}${frozen ? ' video-stale' : ''}`} data-testid={testId} data-live={stream && !frozen ? 'true' : 'false'} aria-label={label} />
      {frozen && (
        <p className="video-stale-note banner banner-warn" role="status" data-testid={`${testId}-stale`}>
          {stale}
        </p>
      )}
    </>
  );
}
