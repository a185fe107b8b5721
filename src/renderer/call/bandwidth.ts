/**
 * Bandwidth adaptation (webrtc.md §3): a pure policy that turns `pc.getStats()` samples into a level, with
 * hysteresis, and the encodings each level gives the senders. What gives way, in order (issue 11): the patient
 * camera first (smaller, slower, then paused), then the otoscope (capped at `low`, its live picture paused at `minimal`),
 * then the voice's quality (Opus bitrate, at `minimal` only), and last the stethoscope's Opus bitrate (at `minimal`
 * only, from 48 to 32 kbit/s: still stereo, AUDIO mode, with RED and FEC, and flat from 25 Hz to 1 kHz). The data
 * channels are never touched. A call starts at the level the pre-call network check allows (`startLevel`)
 * rather than waiting for GCC's ramp from 300 kbit/s.
 */

import type { NetCheck } from '../../shared/netcheck.ts';
import { LINK_LEVELS, type LinkLevel } from '../../shared/telemetry.ts';

export type { LinkLevel };
/** From best to worst (the contract the doctor's console reads them by). */
export const LEVELS = LINK_LEVELS;

/**
 * Estimated outgoing bitrate (bps, the whole call) at or above which a level holds. The audio alone takes about
 * 190 kbit/s on the wire (stethoscope 48 kbit/s stereo Opus doubled by RED, voice 32 kbit/s, and 50 packets/s of
 * headers each), the data channels 20–60: `low` adds a 100 kbit/s camera, `reduced` a half-size one (~250).
 * Measured through the poor-network relay at 256 kbit/s, the camera at 100 kbit/s queued the readings for seconds.
 */
export const LEVEL_MIN_BPS: Record<Exclude<LinkLevel, 'minimal'>, number> = { full: 800_000, reduced: 450_000, low: 300_000 };
/**
 * Loss (0–1, RTCP fractionLost, the worst stream, mean of LOSS_WINDOW samples) or round trip (s) at which a sample
 * counts one level worse than its bitrate. The bitrate estimate already falls with congestion loss (GCC backs off
 * above 10 %); this catches what it does not. Measured through the poor-network relay at 3 % per leg (≈ 6 % end
 * to end), the worst stream's fractionLost averaged 7–10 % with spikes to 17 %: 10 % here kept a healthy 1 Mbps
 * link from ever getting its camera back.
 */
export const BAD_LOSS = 0.2;
export const BAD_RTT_S = 1;
/**
 * Consecutive worse samples before stepping down; one is enough when loss or round trip says congested, or when
 * the sample asks for two levels or more below (a video queue in the bottleneck delays the readings behind it).
 */
export const DOWN_AFTER_SAMPLES = 2;
/** Better samples for this long before stepping up one level. */
export const UP_AFTER_MS = 10_000;
/**
 * Loss is judged on the mean of this many samples: RTCP's fractionLost of one interval is noisy, and a radio link's
 * steady few percent of random loss (which a smaller camera would not cure) must not read as congestion.
 */
export const LOSS_WINDOW = 3;
/** How often the stats are read. */
export const SAMPLE_EVERY_MS = 2000;

/** What one getStats gives the policy; a field is undefined when the report did not have it (or had garbage). */
export interface LinkSample {
  /** candidate-pair availableOutgoingBitrate (bps). */
  availableOutgoingBitrate?: number;
  /** candidate-pair currentRoundTripTime (s). */
  roundTripTime?: number;
  /** remote-inbound-rtp fractionLost (0–1), the worst stream of each kind. */
  audioLoss?: number;
  videoLoss?: number;
}

const num = (v: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? v : undefined);
const worst = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

/** The sample of a getStats report (a Map-like of stats objects). Never throws: garbage gives undefined fields. */
export function sampleOf(report: unknown): LinkSample {
  const out: LinkSample = {};
  let stats: unknown[];
  try {
    stats = report && typeof (report as { values?: unknown }).values === 'function' ? [...(report as Map<unknown, unknown>).values()] : [];
  } catch {
    return out;
  }
  const objects = stats.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
  // The selected pair: the transport names it; else the nominated pair that succeeded.
  const selectedId = objects.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string')?.selectedCandidatePairId;
  const pairs = objects.filter((s) => s.type === 'candidate-pair');
  const pair = pairs.find((s) => s.id === selectedId) ?? pairs.find((s) => s.nominated === true && s.state === 'succeeded');
  if (pair) {
    const bps = num(pair.availableOutgoingBitrate);
    const rtt = num(pair.currentRoundTripTime, 600);
    // Chromium reports 0 for a while after a change of pair: no estimate, not a dead link.
    if (bps !== undefined && bps > 0) out.availableOutgoingBitrate = bps;
    if (rtt !== undefined) out.roundTripTime = rtt;
  }
  for (const s of objects) {
    if (s.type !== 'remote-inbound-rtp') continue;
    const lost = num(s.fractionLost, 1);
    if (lost === undefined) continue;
    if (s.kind === 'audio') out.audioLoss = worst(out.audioLoss, lost);
    else if (s.kind === 'video') out.videoLoss = worst(out.videoLoss, lost);
  }
  return out;
}

const index = (l: LinkLevel): number => LEVELS.indexOf(l);

/** The level one sample asks for, or undefined when it tells nothing (lost or missing stats). */
export function targetOf(sample: LinkSample, current: LinkLevel): LinkLevel | undefined {
  const bps = num(sample.availableOutgoingBitrate);
  let i: number | undefined;
  if (bps !== undefined) i = index(levelForBps(bps));
  const loss = worst(num(sample.audioLoss, 1), num(sample.videoLoss, 1));
  const rtt = num(sample.roundTripTime);
  const congested = (loss !== undefined && loss >= BAD_LOSS) || (rtt !== undefined && rtt >= BAD_RTT_S);
  if (i === undefined) {
    if (loss === undefined && rtt === undefined) return undefined;
    // No estimate: a congested link is one step worse than now, a clean one says nothing.
    if (!congested) return undefined;
    i = index(current);
  }
  if (congested) i = Math.min(LEVELS.length - 1, i + 1);
  return LEVELS[i];
}

export interface PolicyState {
  level: LinkLevel;
  /** Consecutive samples asking for a worse level. */
  worse: number;
  /** Since when (ms) every sample asked for a better level; null when the last did not. */
  betterSince: number | null;
  /** The worst loss of each of the last LOSS_WINDOW samples that had one. */
  losses?: number[];
}

export const initialPolicy = (level: LinkLevel = 'full'): PolicyState => ({ level, worse: 0, betterSince: null, losses: [] });

/** The level a bitrate (bps) holds. */
export function levelForBps(bps: number): LinkLevel {
  return bps >= LEVEL_MIN_BPS.full ? 'full' : bps >= LEVEL_MIN_BPS.reduced ? 'reduced' : bps >= LEVEL_MIN_BPS.low ? 'low' : 'minimal';
}

/**
 * The level a call starts at, from the pre-call network check (src/shared/netcheck.ts): `reduced` starts the camera
 * small and slow (`low`), `audio-only` (or `offline`) with the camera paused (`minimal`); the uplink the probe
 * sustained, when given, may say worse. No check (or a garbage one): `full`, and GCC's estimate decides.
 */
export function startLevel(check: NetCheck | undefined): LinkLevel {
  if (!check || typeof check !== 'object') return 'full';
  const byVerdict: Record<string, LinkLevel> = { good: 'full', reduced: 'low', 'audio-only': 'minimal', offline: 'minimal' };
  let level = byVerdict[check.verdict as string] ?? 'full';
  const up = num(check.uplinkKbps);
  if (up !== undefined && up > 0) {
    const byRate = levelForBps(up * 1000);
    if (index(byRate) > index(level)) level = byRate;
  }
  return level;
}

/**
 * The next state after one sample taken at `now` (ms): down (straight to what the samples ask) after
 * DOWN_AFTER_SAMPLES worse samples in a row, up one level after UP_AFTER_MS of better ones; a sample that tells
 * nothing changes nothing. Pure, never throws.
 */
export function nextPolicy(state: PolicyState, sample: LinkSample, now: number): PolicyState {
  let target: LinkLevel | undefined;
  let congested = false;
  let losses = state.losses ?? [];
  try {
    const s = sample ?? {};
    const loss = worst(num(s.audioLoss, 1), num(s.videoLoss, 1));
    if (loss !== undefined) losses = [...losses, loss].slice(-LOSS_WINDOW);
    const mean = loss === undefined ? undefined : losses.reduce((a, b) => a + b, 0) / losses.length;
    const judged: LinkSample = { ...(s.availableOutgoingBitrate !== undefined ? { availableOutgoingBitrate: s.availableOutgoingBitrate } : {}), ...(s.roundTripTime !== undefined ? { roundTripTime: s.roundTripTime } : {}), ...(mean !== undefined ? { videoLoss: mean } : {}) };
    target = targetOf(judged, state.level);
    const rtt = num(s.roundTripTime);
    congested = (mean !== undefined && mean >= BAD_LOSS) || (rtt !== undefined && rtt >= BAD_RTT_S);
  } catch {
    target = undefined;
  }
  if (target === undefined || !Number.isFinite(now)) return losses === state.losses ? state : { ...state, losses };
  const next = nextLevel(state, target, now, congested);
  return { ...next, losses };
}

function nextLevel(state: PolicyState, target: LinkLevel, now: number, congested: boolean): Omit<PolicyState, 'losses'> {
  const diff = index(target) - index(state.level);
  if (diff > 0) {
    const worse = state.worse + 1;
    if (worse >= DOWN_AFTER_SAMPLES || congested || diff >= 2) {
      // Straight to what the latest sample asks: a link that fell to 100 kbps must not wait three steps.
      return { level: target, worse: 0, betterSince: null };
    }
    return { level: state.level, worse, betterSince: null };
  }
  if (diff < 0) {
    const since = state.betterSince ?? now;
    if (now - since >= UP_AFTER_MS) return { level: LEVELS[index(state.level) - 1]!, worse: 0, betterSince: now };
    return { level: state.level, worse: 0, betterSince: since };
  }
  return { level: state.level, worse: 0, betterSince: null };
}

/** The encoding fields a level sets; `undefined` means the field is removed (no limit). */
export interface EncodingPatch {
  active?: boolean;
  scaleResolutionDownBy?: number;
  maxFramerate?: number | undefined;
  maxBitrate?: number | undefined;
}

/** The kinds the applier changes. */
export type AdaptedKind = 'camera' | 'otoscope' | 'voice' | 'stethoscope';
export const ADAPTED_KINDS: readonly AdaptedKind[] = ['camera', 'otoscope', 'voice', 'stethoscope'];

/** The patient camera's encoding at each level (webrtc.md §3 ladder). */
export const CAMERA: Record<LinkLevel, EncodingPatch> = {
  full: { active: true, scaleResolutionDownBy: 1, maxFramerate: undefined, maxBitrate: undefined },
  reduced: { active: true, scaleResolutionDownBy: 2, maxFramerate: 15, maxBitrate: undefined },
  low: { active: true, scaleResolutionDownBy: 2, maxFramerate: 8, maxBitrate: 100_000 },
  minimal: { active: false, scaleResolutionDownBy: 2, maxFramerate: 8, maxBitrate: 100_000 },
};

/**
 * The otoscope keeps its resolution (its own scale is left as set); it gives way after the camera: capped at `low`,
 * its live picture paused at `minimal`. The doctor's snapshots still come at full resolution, on `events`. Measured
 * through the poor-network relay (issue 11), its live picture at 2 frames/s capped at 40 kbit/s still sent 30–120
 * kbit/s (each frame of an ear canal is nearly a key frame): on a 256 kbit/s link that and the audio filled the
 * bottleneck's queue and delayed the readings behind it by seconds.
 */
export const OTOSCOPE: Record<LinkLevel, EncodingPatch> = {
  full: { active: true, maxFramerate: undefined, maxBitrate: undefined },
  reduced: { active: true, maxFramerate: undefined, maxBitrate: undefined },
  low: { active: true, maxFramerate: undefined, maxBitrate: 250_000 },
  minimal: { active: false, maxFramerate: 2, maxBitrate: 40_000 },
};

/** The patient's voice: its Opus bitrate gives way last, at the lowest level (16 kbit/s stays intelligible). */
export const VOICE: Record<LinkLevel, EncodingPatch> = {
  full: { maxBitrate: undefined },
  reduced: { maxBitrate: undefined },
  low: { maxBitrate: undefined },
  minimal: { maxBitrate: 16_000 },
};

/**
 * The stethoscope gives way last, and only its bitrate (issue 11, "128 kbit/s, 600 ms, 10 % loss"): its 48 kbit/s
 * stereo Opus doubled by RED takes about 120 kbit/s on the wire with the headers, the whole of such a link. At
 * `minimal` its encoder is capped at 32 kbit/s (about 80 kbit/s on the wire with RED and 60 ms frames). webrtc.md
 * measured stereo Opus at 24 kbit/s flat within ±0.8 dB from 25 Hz to 1 kHz with a few tones, but with the bench's
 * twelve tones at once 24 kbit/s put 400 Hz at −3.6 and −3.7 dB in two runs of issue 11's first case (out of ±3 dB);
 * 32 kbit/s kept all twelve within ±2.4 dB, and the second case still met every target (readings now ride in the
 * voice, not behind SCTP). The SDP's stereo, RED, FEC and no-DTX settings stay as negotiated.
 */
export const STETHOSCOPE: Record<LinkLevel, EncodingPatch> = {
  full: { maxBitrate: undefined },
  reduced: { maxBitrate: undefined },
  low: { maxBitrate: undefined },
  minimal: { maxBitrate: 32_000 },
};

/**
 * Opus frame length of every audio stream (both ways) in the negotiations made at each level (ms; undefined: the
 * browser's 20 ms). At `minimal` 60 ms frames: on a 128 kbit/s link the headers of 50 packets a second per audio
 * stream took as much as the sound (measured: 55 → 17 packets/s, about 34 kbit/s saved for the voice and the
 * stethoscope together). It takes effect at the next negotiation (a call that starts at that level, the new
 * connection after a long cut), not in the middle of one.
 */
export const AUDIO_PTIME_MS: Record<LinkLevel, number | undefined> = { full: undefined, reduced: undefined, low: undefined, minimal: 60 };

const PATCHES: Record<AdaptedKind, Record<LinkLevel, EncodingPatch>> = { camera: CAMERA, otoscope: OTOSCOPE, voice: VOICE, stethoscope: STETHOSCOPE };

/**
 * "Readings first" (issue 11, cut.ts ReadingsFirst): while the readings kept during a cut (or the outbox at a poor
 * call's start) are on their way, the patient camera and the otoscope are paused; the voice and the stethoscope
 * keep the level's settings.
 */
export const HELD: Partial<Record<AdaptedKind, EncodingPatch>> = { camera: { active: false }, otoscope: { active: false } };

/** The patch of `kind` at `level`, with the hold's on top when held. */
export function patchOf(kind: AdaptedKind, level: LinkLevel, held = false): EncodingPatch {
  return held && HELD[kind] ? { ...PATCHES[kind][level], ...HELD[kind] } : PATCHES[kind][level];
}

/**
 * What a new sender of `kind` starts with at `level` (addTransceiver's sendEncodings), so that the first packets
 * already fit the link: the patient camera also at the lowest send priority (bitrate share and DSCP), the voice
 * at high. The otoscope's own scale is added by the caller.
 */
export function initialEncoding(kind: AdaptedKind, level: LinkLevel, held = false): RTCRtpEncodingParameters {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patchOf(kind, level, held))) if (v !== undefined) out[k] = v;
  if (kind === 'camera') Object.assign(out, { priority: 'very-low', networkPriority: 'very-low' });
  if (kind === 'voice' || kind === 'stethoscope') Object.assign(out, { priority: 'high', networkPriority: 'high' });
  return out as RTCRtpEncodingParameters;
}

/** `encodings[0]` of `params` changed for `kind` at `level` (a copy; the other encodings kept). */
export function patchParameters<P extends { encodings: RTCRtpEncodingParameters[]; degradationPreference?: RTCDegradationPreference }>(params: P, kind: AdaptedKind, level: LinkLevel, held = false): P {
  const first = params.encodings[0];
  if (!first) return params;
  const patch = patchOf(kind, level, held);
  const next: RTCRtpEncodingParameters = { ...first };
  for (const [k, v] of Object.entries(patch) as [keyof EncodingPatch, unknown][]) {
    if (v === undefined) delete next[k];
    else (next as Record<string, unknown>)[k] = v;
  }
  const out = { ...params, encodings: [next, ...params.encodings.slice(1)] };
  if (kind === 'otoscope') out.degradationPreference = 'maintain-resolution';
  return out;
}

/** The part of RTCRtpSender the applier uses. */
export interface SenderLike {
  getParameters(): RTCRtpSendParameters;
  setParameters(p: RTCRtpSendParameters): Promise<void>;
}

/** Sets the level (and the hold: `held`) on the senders given (getParameters → encodings[0] → setParameters); returns the errors. */
export async function applyLevel(senders: Partial<Record<AdaptedKind, SenderLike>>, level: LinkLevel, held = false): Promise<string[]> {
  const errors: string[] = [];
  for (const kind of ADAPTED_KINDS) {
    const sender = senders[kind];
    if (!sender) continue;
    try {
      const params = sender.getParameters();
      if (!params.encodings?.[0]) continue; // not negotiated yet: applied again later
      await sender.setParameters(patchParameters(params, kind, level, held));
    } catch (err) {
      errors.push(`${kind}: ${String(err)}`);
    }
  }
  return errors;
}

/**
 * At most one incident line per `gapMs`: a change within the gap is held, and only the latest one is sent
 * when the gap is over, unless it came back to what was last sent (a flapping link cannot flood the report).
 */
export class IncidentThrottle {
  private lastAt = -Infinity;
  private lastKey: string | undefined;
  private held: { key: string; detail: string } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (detail: string) => void,
    private readonly gapMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `key`: the state the line tells (e.g. the level); `detail`: the line. */
  report(key: string, detail: string): void {
    const wait = this.lastAt + this.gapMs - this.now();
    if (wait <= 0 && !this.timer) {
      this.emit(key, detail);
      return;
    }
    this.held = { key, detail };
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const h = this.held;
      this.held = undefined;
      if (h && h.key !== this.lastKey) this.emit(h.key, h.detail);
    }, Math.max(0, wait));
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = undefined;
  }

  private emit(key: string, detail: string): void {
    this.lastAt = this.now();
    this.lastKey = key;
    this.send(detail);
  }
}

/** The incident line for a level change (English: the report's technical section). */
export function levelIncident(from: LinkLevel, to: LinkLevel, sample: LinkSample): string {
  const kbps = sample.availableOutgoingBitrate !== undefined ? `${Math.round(sample.availableOutgoingBitrate / 1000)} kbps` : 'no estimate';
  const loss = worst(sample.audioLoss, sample.videoLoss);
  const extra = [kbps, loss !== undefined ? `loss ${Math.round(loss * 100)} %` : '', sample.roundTripTime !== undefined ? `rtt ${Math.round(sample.roundTripTime * 1000)} ms` : ''].filter(Boolean).join(', ');
  return to === 'minimal'
    ? `Link quality ${from} → ${to} (${extra}); telemetry unchanged, patient camera and otoscope paused (snapshots still sent), voice at 16 kbit/s, stethoscope at 32 kbit/s (stereo, RED).`
    : `Link quality ${from} → ${to} (${extra}); stethoscope and telemetry unchanged.`;
}
