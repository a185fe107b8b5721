import { useEffect, useRef, useState } from 'react';
import type { CallView } from '../../shared/bridge.ts';

/** How long « the link is back » stays after a cut (ms). */
export const BACK_SHOWN_MS = 8000;

/** A cut of the call's link as the patient is told: lost now, or back a moment ago. */
export type CutNotice = 'lost' | 'back' | undefined;

/** The translation key of the call banner, or undefined when nothing is shown (no hub, no call asked). */
export function bannerKey(view: CallView | null, rtc: string, cut?: CutNotice): string | undefined {
  if (!view) return undefined;
  switch (view.state) {
    case 'off':
    case 'idle':
      return undefined;
    case 'waiting':
      return 'call.waiting';
    case 'connecting':
      return 'call.connecting';
    case 'unavailable':
      return 'call.unavailable';
    case 'ended':
      return 'call.ended';
    case 'active':
      // A link that was up and is not: the patient's readings are kept and will follow (issue 11).
      if (cut === 'lost' && rtc !== 'connected') return 'call.linkLost';
      if (rtc !== 'connected' || !view.peerPresent) return 'call.connecting';
      if (cut === 'back') return 'call.linkBack';
      return view.doctorName ? 'call.withDoctor' : 'call.withSomeDoctor';
  }
}

/**
 * Whether this call's link was lost (it had been connected and is not) or came back less than BACK_SHOWN_MS ago;
 * forgotten when the consultation changes.
 */
export function useCutNotice(rtc: string, consultationId: string | null | undefined): CutNotice {
  const [notice, setNotice] = useState<CutNotice>(undefined);
  const seen = useRef<{ id: string | null | undefined; connected: boolean }>({ id: consultationId, connected: false });
  useEffect(() => {
    if (seen.current.id !== consultationId) {
      seen.current = { id: consultationId, connected: false };
      setNotice(undefined);
    }
    if (rtc === 'connected') {
      const wasLost = seen.current.connected && notice === 'lost';
      seen.current.connected = true;
      if (!wasLost) return;
      setNotice('back');
      const timer = setTimeout(() => setNotice(undefined), BACK_SHOWN_MS);
      return () => clearTimeout(timer);
    }
    // 'none' is no call at all (ended, or not started): nothing is lost.
    if (seen.current.connected && rtc !== 'none' && rtc !== 'closed') setNotice('lost');
    return undefined;
    // `notice` is read, not followed: a change of it alone must not start the timer again.
  }, [rtc, consultationId]);
  return notice;
}
