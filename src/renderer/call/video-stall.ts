import type { DoctorVideoState } from '../../shared/telemetry.ts';

export type { DoctorVideoState };

/**
 * One look at the doctor's video on the cabin, taken every second from the peer connection.
 * `expected`: the doctor's description sends a video track on a connected connection, and its track has not ended.
 * `framesDecoded`: the inbound-rtp video counter (undefined before any packet arrived: no frame either).
 */
export interface VideoSample {
  t: number;
  expected: boolean;
  /** The connection is up (while it is not, the ICE restart policy is at work: no verdict on the video). */
  connected: boolean;
  framesDecoded: number | undefined;
}

export interface StallOptions {
  /** No new frame for this long while the video is expected: stalled. */
  stallMs: number;
  /** The first frame may take this long after the video became expected (negotiation, first key frame). */
  firstFrameMs: number;
  /** After a recovery attempt, how long to wait for frames before the next one. */
  retryMs: number;
  /** Recovery attempts before giving up (the state then says `failed`, and frames coming back still recover it). */
  maxTries: number;
}

export const STALL_DEFAULTS: StallOptions = { stallMs: 4000, firstFrameMs: 8000, retryMs: 8000, maxTries: 3 };

export interface StallState {
  /** What the patient and the doctor are told. */
  video: DoctorVideoState;
  /** The counter at the previous sample. */
  frames: number | undefined;
  /** When the counter last moved (or when the video became expected / the connection came back). */
  since: number | undefined;
  /** Whether a frame was ever decoded since the video became expected (the first one may be slow). */
  seen: boolean;
  tries: number;
  lastTryAt: number | undefined;
}

export const initialStall = (): StallState => ({ video: 'none', frames: undefined, since: undefined, seen: false, tries: 0, lastTryAt: undefined });

/** What the caller does after a sample: `recover` = renegotiate now (attempt number `attempt`). */
export type StallAction = { type: 'recover'; attempt: number } | { type: 'recovered'; tries: number } | { type: 'gave-up'; tries: number };

/**
 * The decision on the doctor's video, as one pure transition: frames flowing keep it `ok`; no frame for `stallMs`
 * (or no first frame for `firstFrameMs`) while it is expected makes it `stalled` and asks for a recovery, again
 * every `retryMs` up to `maxTries`, then `failed`; a frame at any time makes it `ok` again. No video expected (none
 * sent, track ended) is `none`; a connection that is down pauses the clocks (its own restart policy acts).
 */
export function nextStall(s: StallState, sample: VideoSample, o: StallOptions = STALL_DEFAULTS): { state: StallState; action?: StallAction } {
  const { t } = sample;
  if (!sample.expected) return { state: s.video === 'none' && s.frames === undefined ? s : initialStall() };
  const frames = sample.framesDecoded;
  // A counter that went back belongs to a new receiver: take it as the new base.
  const moved = frames !== undefined && (s.frames === undefined ? frames > 0 : frames > s.frames);
  const base: StallState = { ...s, frames: frames ?? s.frames };
  if (moved) {
    const state: StallState = { ...base, video: 'ok', since: t, seen: true, tries: 0, lastTryAt: undefined };
    if (s.video === 'stalled' || s.video === 'failed') return { state, action: { type: 'recovered', tries: s.tries } };
    return { state };
  }
  if (!sample.connected) return { state: { ...base, since: t, lastTryAt: s.lastTryAt === undefined ? undefined : t } };
  if (s.since === undefined || s.video === 'none') return { state: { ...base, video: 'waiting', since: s.since ?? t } };
  if (s.video === 'ok' || s.video === 'waiting') {
    const limit = s.seen ? o.stallMs : o.firstFrameMs;
    if (t - s.since < limit) return { state: base };
    return { state: { ...base, video: 'stalled', tries: 1, lastTryAt: t }, action: { type: 'recover', attempt: 1 } };
  }
  if (s.video === 'stalled' && t - (s.lastTryAt ?? t) >= o.retryMs) {
    if (s.tries < o.maxTries) return { state: { ...base, tries: s.tries + 1, lastTryAt: t }, action: { type: 'recover', attempt: s.tries + 1 } };
    return { state: { ...base, video: 'failed' }, action: { type: 'gave-up', tries: s.tries } };
  }
  return { state: base };
}
