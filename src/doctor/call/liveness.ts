import type { RtcState } from './call-state.ts';

/**
 * Whether what the cabin sent last (its picture, its devices' states) is still live: 'live' only when the hub says
 * the cabin is present and the call's media link is up. Otherwise the last picture and device states are stale:
 * 'stopped' (the media link is down, or the hub says the cabin is gone), 'unknown' (the console lost the hub).
 */
export type CabinLiveness = 'live' | 'stopped' | 'unknown';

export function cabinLiveness(peer: boolean | undefined, rtc: RtcState): CabinLiveness {
  if (rtc !== 'connected' || peer === false) return 'stopped';
  return peer === undefined ? 'unknown' : 'live';
}
