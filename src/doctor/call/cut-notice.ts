import type { RtcState } from './call-state.ts';

/** How long « the link is back » stays after a cut (ms). */
export const BACK_SHOWN_MS = 10_000;

/** What the doctor is told of a cut of the cabin's link (issue 11). */
export interface CutNotice {
  /** The call has been connected at least once. */
  connected: boolean;
  /** 'lost': it was connected and is not now; 'back': it came back after a cut (shown for BACK_SHOWN_MS). */
  notice: 'lost' | 'back' | undefined;
}

export const NO_CUT: CutNotice = { connected: false, notice: undefined };

/**
 * The next notice for a new connection state: 'lost' once a connected call is reconnecting, failed or connecting
 * again (a new connection after a long cut); 'back' when it is connected again after that. Closed is the call's
 * end, not a cut.
 */
export function nextCutNotice(prev: CutNotice, rtc: RtcState): CutNotice {
  if (rtc === 'connected') return { connected: true, notice: prev.notice === 'lost' ? 'back' : prev.notice };
  if (rtc === 'closed') return { connected: prev.connected, notice: undefined };
  if (!prev.connected) return prev;
  return { connected: true, notice: 'lost' };
}
