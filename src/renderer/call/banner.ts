import type { CallView } from '../../shared/bridge.ts';

/** The translation key of the call banner, or undefined when nothing is shown (no hub, no call asked). */
export function bannerKey(view: CallView | null, rtc: string): string | undefined {
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
      if (rtc !== 'connected' || !view.peerPresent) return 'call.connecting';
      return view.doctorName ? 'call.withDoctor' : 'call.withSomeDoctor';
  }
}
