import { useEffect, useRef } from 'react';

/** A remote stream in a <video> or <audio> element (srcObject kept in sync, playback started). */
export function MediaView({ kind, stream, testId, className, label }: { kind: 'video' | 'audio'; stream: MediaStream | undefined; testId: string; className?: string; label: string }) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.srcObject !== (stream ?? null)) el.srcObject = stream ?? null;
    if (stream) el.play().catch(() => undefined);
  }, [stream]);
  if (kind === 'audio') return <audio ref={ref} autoPlay data-testid={testId} data-live={stream ? 'true' : 'false'} aria-label={label} />;
  return <video ref={ref} autoPlay playsInline muted className={className} data-testid={testId} data-live={stream ? 'true' : 'false'} aria-label={label} />;
}
