import type { NetCheck } from '../../shared/netcheck.ts';
import { LINK_LEVELS, type LinkLevel } from '../../shared/telemetry.ts';

/**
 * The doctor's camera, capped to what the cabin's link carries (issue 11). On a poor link the doctor's uplink leg
 * also carries the SCTP acknowledgements of the cabin's readings: an uncapped camera fills the bottleneck's queue
 * there and delays every reading. The level comes from the cabin (its `link` message: what its own uplink holds,
 * the best guess of its downlink on these symmetric links) and, before that message, from the pre-call check the
 * queue item carried; the worse of the two is used. At the lowest level the camera is paused.
 */
export interface DoctorCameraEncoding {
  active: boolean;
  scaleResolutionDownBy: number;
  /** undefined: no limit (the field is removed). */
  maxBitrate: number | undefined;
  maxFramerate: number | undefined;
}

export const DOCTOR_CAMERA: Record<LinkLevel, DoctorCameraEncoding> = {
  full: { active: true, scaleResolutionDownBy: 1, maxBitrate: undefined, maxFramerate: undefined },
  reduced: { active: true, scaleResolutionDownBy: 2, maxBitrate: 250_000, maxFramerate: 15 },
  low: { active: true, scaleResolutionDownBy: 4, maxBitrate: 60_000, maxFramerate: 8 },
  minimal: { active: false, scaleResolutionDownBy: 4, maxBitrate: 30_000, maxFramerate: 5 },
};

const rank = (l: LinkLevel): number => LINK_LEVELS.indexOf(l);

/** The level the pre-call check allows (as the cabin starts its own camera: verdict, then the measured rate). */
export function levelOfCheck(check: NetCheck | undefined): LinkLevel {
  if (!check || typeof check !== 'object') return 'full';
  const byVerdict: Record<string, LinkLevel> = { good: 'full', reduced: 'low', 'audio-only': 'minimal', offline: 'minimal' };
  let level = byVerdict[check.verdict as string] ?? 'full';
  for (const kbps of [check.downlinkKbps, check.uplinkKbps]) {
    if (typeof kbps !== 'number' || !Number.isFinite(kbps) || kbps <= 0) continue;
    const byRate: LinkLevel = kbps >= 800 ? 'full' : kbps >= 450 ? 'reduced' : kbps >= 300 ? 'low' : 'minimal';
    if (rank(byRate) > rank(level)) level = byRate;
  }
  return level;
}

/**
 * The level the doctor's camera is sent at: the cabin's reported level once it said one (`cabinSaid`), else the
 * pre-call check's; garbage counts as nothing said.
 */
export function doctorLevel(cabinLink: LinkLevel | undefined, cabinSaid: boolean, check: NetCheck | undefined): LinkLevel {
  const said = cabinSaid && cabinLink !== undefined && rank(cabinLink) >= 0 ? cabinLink : undefined;
  return said ?? levelOfCheck(check);
}

/** addTransceiver's sendEncodings for the doctor's camera at `level` (undefined fields left out). */
export function initialCameraEncoding(level: LinkLevel): RTCRtpEncodingParameters {
  const out: Record<string, unknown> = { priority: 'low', networkPriority: 'low' };
  for (const [k, v] of Object.entries(DOCTOR_CAMERA[level])) if (v !== undefined) out[k] = v;
  return out as RTCRtpEncodingParameters;
}

/** `params` with encodings[0] set for `level` (a copy; other encodings kept; no encoding: unchanged). */
export function capParameters<P extends { encodings: RTCRtpEncodingParameters[] }>(params: P, level: LinkLevel): P {
  const first = params.encodings?.[0];
  if (!first) return params;
  const next: Record<string, unknown> = { ...first };
  for (const [k, v] of Object.entries(DOCTOR_CAMERA[level])) {
    if (v === undefined) delete next[k];
    else next[k] = v;
  }
  return { ...params, encodings: [next as RTCRtpEncodingParameters, ...params.encodings.slice(1)] };
}

/** The part of RTCRtpSender used here. */
export interface CapSender {
  getParameters(): RTCRtpSendParameters;
  setParameters(p: RTCRtpSendParameters): Promise<void>;
}

/** Sets `level` on the doctor's camera sender; the error text, or undefined when set (or nothing to set yet). */
export async function capCamera(sender: CapSender, level: LinkLevel): Promise<string | undefined> {
  try {
    const params = sender.getParameters();
    if (!params.encodings?.[0]) return undefined;
    await sender.setParameters(capParameters(params, level));
    return undefined;
  } catch (err) {
    return String(err);
  }
}

/**
 * The doctor's camera cap during one call: its level (from the pre-call check until the cabin says its own), the
 * encoding a new camera sender starts with, and the change applied to the live senders when the cabin's level moves.
 */
export class DoctorCameraCap {
  private cabinSaid = false;
  private current: LinkLevel;

  constructor(
    private readonly check: NetCheck | undefined,
    private readonly deps: { incident(detail: string): void; log(message: string): void },
  ) {
    this.current = doctorLevel(undefined, false, check);
  }

  get level(): LinkLevel {
    return this.current;
  }

  /** sendEncodings for a new camera sender: its first frames already fit the cabin's link. */
  initialEncoding(): RTCRtpEncodingParameters {
    return initialCameraEncoding(this.current);
  }

  /** The cabin said its link level: the cap follows it on `senders` (the doctor's camera senders), once per change. */
  onCabinLink(cabinLink: LinkLevel | undefined, senders: readonly CapSender[]): void {
    this.cabinSaid = true;
    const level = doctorLevel(cabinLink, this.cabinSaid, this.check);
    if (level === this.current) return;
    const from = this.current;
    this.current = level;
    for (const sender of senders) {
      void capCamera(sender, level).then((err) => {
        if (err) this.deps.log(`The doctor's camera could not be set to ${level}: ${err}`);
      });
    }
    this.deps.incident(`Doctor camera ${from} → ${level} (the cabin's link).`);
  }
}
