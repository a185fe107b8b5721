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

/** What the readings-first rule looks at on the `events` link (events.ts EventsLink.waiting). */
export interface BacklogView {
  /** The peer connection is connected and its `events` channel has read the outbox (not catching up). */
  ready: boolean;
  /** Observations kept and not yet sent on this channel. */
  held: number;
  /** The channel's bufferedAmount (bytes handed to it and not yet sent). */
  bufferedAmount: number;
  /** Observations sent and not yet acknowledged. */
  unacked: Iterable<string>;
}

/** The longest the camera and otoscope stay paused for the readings (acks that never come must not keep them off). */
export const READINGS_FIRST_MAX_MS = 30_000;

/**
 * "Readings first" (issue 11): after a cut, and at the start of a call on a link whose start level is not full, the
 * patient camera and the otoscope stay paused until the readings waiting then are sent and acknowledged: the
 * readings already waiting when the link is ready (the outbox read by the channel) all acknowledged, none held, the
 * channel's buffer empty. Then the level the link monitor gives comes back. Pure: the caller polls it.
 */
export class ReadingsFirst {
  private since: number | undefined;
  /** The readings that must be acknowledged first (taken when the link is first ready during the hold). */
  private waitFor: Set<string> | undefined;

  constructor(private readonly maxMs = READINGS_FIRST_MAX_MS) {}

  get holding(): boolean {
    return this.since !== undefined;
  }

  /** Starts (or restarts) the hold at `now` (ms). */
  hold(now: number): void {
    this.since = now;
    this.waitFor = undefined;
  }

  /** True when the hold ends now (the media may come back); false while it lasts or when there is none. */
  check(v: BacklogView, now: number): boolean {
    if (this.since === undefined) return false;
    if (now - this.since >= this.maxMs) return this.release();
    if (!v.ready) return false;
    const unacked = new Set(v.unacked);
    if (this.waitFor === undefined) this.waitFor = unacked;
    else for (const id of this.waitFor) if (!unacked.has(id)) this.waitFor.delete(id);
    if (v.held > 0 || v.bufferedAmount > 0 || this.waitFor.size > 0) return false;
    return this.release();
  }

  private release(): true {
    this.since = undefined;
    this.waitFor = undefined;
    return true;
  }
}
