import { systemClock, type Clock, type TimerHandle } from '../../shared/clock.ts';
import { initialStall, nextStall, STALL_DEFAULTS, type DoctorVideoState, type StallOptions, type StallState, type VideoSample } from './video-stall.ts';

/** The part of RTCPeerConnection the watch reads (a fake in tests). */
export interface WatchedPc {
  readonly connectionState: RTCPeerConnectionState;
  getTransceivers(): Pick<RTCRtpTransceiver, 'currentDirection' | 'receiver'>[];
  getStats(): Promise<RTCStatsReport | Map<string, unknown>>;
}

export const SAMPLE_MS = 1000;

/** The frames decoded of every inbound video stream in a stats report, or undefined when there is none yet. */
export function framesDecodedOf(report: { forEach(fn: (s: unknown) => void): void }): number | undefined {
  let total: number | undefined;
  report.forEach((s) => {
    const r = s as { type?: string; kind?: string; mediaType?: string; framesDecoded?: number };
    if (r.type !== 'inbound-rtp' || (r.kind ?? r.mediaType) !== 'video' || typeof r.framesDecoded !== 'number') return;
    total = (total ?? 0) + r.framesDecoded;
  });
  return total;
}

/** Whether the doctor's description sends a video track that is still live on this connection. */
export function videoExpected(pc: Pick<WatchedPc, 'getTransceivers'>): boolean {
  return pc
    .getTransceivers()
    .some((t) => (t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv') && t.receiver.track.kind === 'video' && t.receiver.track.readyState === 'live');
}

export interface VideoWatchDeps {
  /** The current connection (it may be rebuilt between two samples). */
  pc(): WatchedPc;
  /** Renegotiate to get the doctor's video back (an ICE restart through perfect negotiation). */
  recover(attempt: number): void;
  onState(video: DoctorVideoState, tries: number): void;
  incident(detail: string): void;
  /** After each sample (the caller may look at the connection again). */
  onSample?(): void;
  clock?: Clock;
  options?: StallOptions;
  /**
   * True while the doctor's camera is paused on purpose for this link (the console pauses it at the lowest level,
   * doctor/call/sender-caps.ts): no frames then is no stall, and nothing is said to have failed.
   */
  paused?: () => boolean;
  everyMs?: number;
}

/**
 * Samples the doctor's video every second (inbound-rtp `framesDecoded`) and acts on the stall decision: a
 * recovery per attempt, the state to the screen and to the doctor, a line in the report on each turn.
 */
export class VideoWatch {
  private state: StallState = initialStall();
  private readonly clock: Clock;
  private readonly timer: TimerHandle;
  private busy = false;
  private closed = false;

  constructor(private readonly deps: VideoWatchDeps) {
    this.clock = deps.clock ?? systemClock;
    this.timer = this.clock.setInterval(() => void this.tick(), deps.everyMs ?? SAMPLE_MS);
  }

  get video(): DoctorVideoState {
    return this.state.video;
  }

  /** A new connection: its counters start from zero. */
  reset(): void {
    const was = this.state.video;
    this.state = initialStall();
    if (was !== 'none') this.deps.onState('none', 0);
  }

  close(): void {
    this.closed = true;
    this.clock.clearInterval(this.timer);
  }

  /** One sample (the timer's; tests call it directly). */
  async tick(): Promise<void> {
    if (this.closed || this.busy) return;
    this.busy = true;
    try {
      const pc = this.deps.pc();
      let frames: number | undefined;
      try {
        frames = framesDecodedOf(await pc.getStats());
      } catch {
        return; // stats lost: no verdict
      }
      if (this.closed || pc !== this.deps.pc()) return;
      this.apply({ t: this.clock.now(), expected: videoExpected(pc) && !(this.deps.paused?.() ?? false), connected: pc.connectionState === 'connected', framesDecoded: frames });
      this.deps.onSample?.();
    } finally {
      this.busy = false;
    }
  }

  private apply(sample: VideoSample): void {
    const o = this.deps.options ?? STALL_DEFAULTS;
    const { state, action } = nextStall(this.state, sample, o);
    const was = this.state.video;
    this.state = state;
    if (action?.type === 'recover') {
      const quiet = action.attempt === 1 ? `no frame of the doctor's video for ${Math.round((state.seen ? o.stallMs : o.firstFrameMs) / 1000)} s` : 'still no frame';
      this.deps.incident(`The doctor's video stalled on the cabin (${quiet}): renegotiating, try ${action.attempt} of ${o.maxTries}.`);
      this.deps.recover(action.attempt);
    } else if (action?.type === 'recovered') {
      this.deps.incident(`The doctor's video plays again on the cabin (after ${action.tries} ${action.tries === 1 ? 'try' : 'tries'}).`);
    } else if (action?.type === 'gave-up') {
      this.deps.incident(`The doctor's video could not be restored on the cabin after ${action.tries} tries.`);
    }
    if (state.video !== was || action?.type === 'recover') this.deps.onState(state.video, state.tries);
  }
}
