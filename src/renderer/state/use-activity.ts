import { useEffect, useRef } from 'react';
import type { Phase } from '../../shared/bridge.ts';

/** Touches are reported at most this often: enough to keep the idle timer from firing. */
export const ACTIVITY_EVERY_MS = 5000;

/** Tells main the patient is there whenever the screen is touched during a visit (throttled). */
export function useActivity(phase: Phase | undefined, report: () => void, everyMs = ACTIVITY_EVERY_MS): void {
  const last = useRef(0);
  const reportRef = useRef(report);
  reportRef.current = report;
  const active = phase === 'consent' || phase === 'exam' || phase === 'end';
  useEffect(() => {
    if (!active) return;
    const onTouch = (): void => {
      const now = Date.now();
      if (now - last.current < everyMs) return;
      last.current = now;
      reportRef.current();
    };
    document.addEventListener('pointerdown', onTouch, { capture: true, passive: true });
    return () => document.removeEventListener('pointerdown', onTouch, { capture: true });
  }, [active, everyMs]);
}
