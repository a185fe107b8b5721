import { useEffect, useRef } from 'react';

/** A local, muted preview of a camera stream. */
export function VideoPreview({ stream, label, className, testId }: { stream: MediaStream; label: string; className?: string; testId?: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = stream;
    return () => {
      video.srcObject = null;
    };
  }, [stream]);
  return (
    <figure className={`preview ${className ?? ''}`}>
      <video ref={ref} autoPlay muted playsInline data-testid={testId} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
