/**
 * A cut of the call's link, as the cabin lives it (issue 11): the peer connection was connected, then is not
 * (`disconnected`, `failed`, or a new connection still `connecting`), then is connected again.
 *
 * After a long cut the data channels' SCTP association has backed its retransmission timer off (it doubles at every
 * expiry: measured, a 30 s cut left the readings sent around its start waiting 15 to 50 s after the link was back,
 * although ICE and the media were back within 3 s). So a connection that comes back after LONG_CUT_MS or more is
 * replaced by a new one (fresh SCTP timers): its `events` channel then sends the outbox, oldest first.
 */
export const LONG_CUT_MS = 8000;

export type CutChange = 'lost' | 'back' | 'back-after-long-cut';

export class CutTracker {
  private connectedOnce = false;
  private downSince: number | undefined;

  constructor(private readonly longCutMs = LONG_CUT_MS) {}

  /** The link is down now (it had been connected, and is not). */
  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** The current connection's state at `now` (ms): what changed for the cut, if anything. */
  onState(state: RTCPeerConnectionState | 'none', now: number): CutChange | undefined {
    if (state === 'connected') {
      const since = this.downSince;
      this.connectedOnce = true;
      this.downSince = undefined;
      if (since === undefined) return undefined;
      return now - since >= this.longCutMs ? 'back-after-long-cut' : 'back';
    }
    if (state === 'closed' || state === 'none' || !this.connectedOnce || this.downSince !== undefined) return undefined;
    this.downSince = now;
    return 'lost';
  }
}
