import { z } from 'zod';

/**
 * The pre-call network check (issue 11): measured by the kiosk while the patient is welcomed, before a doctor is
 * asked for; shown to the assistant in words, carried on the consultation request so the doctor sees it in the
 * queue, and read by the call to start at settings the link can carry.
 *
 * Verdicts, from best to worst:
 * - `good`: the full call (video at its usual size).
 * - `reduced`: "video will be reduced" (start at a low video bitrate).
 * - `audio-only`: "sound and readings only" (no patient camera; stethoscope, voice and readings).
 * - `offline`: no path to the hub or no TURN path at all: the call cannot start.
 */
export const NET_VERDICTS = ['good', 'reduced', 'audio-only', 'offline'] as const;
export const NetVerdictSchema = z.enum(NET_VERDICTS);
export type NetVerdict = z.infer<typeof NetVerdictSchema>;

const ms = z.number().finite().min(0).max(120_000);
const pct = z.number().finite().min(0).max(100);
const kbps = z.number().finite().min(0).max(10_000_000);
/** true: reachable; false: tried and failed; null: not tried (e.g. the hub gave no such server). */
const reach = z.boolean().nullable();

export const NetCheckSchema = z
  .object({
    /** When the check finished (epoch ms, the kiosk's clock). */
    at: z.number().int().min(0),
    verdict: NetVerdictSchema,
    /** Round trip and loss to the hub (its WebSocket), ms and percent. */
    hubRttMs: ms.optional(),
    hubLossPct: pct.optional(),
    /** Whether a TURN relay could be allocated over each transport. */
    turn: z.object({ udp: reach, tcp: reach, tls: reach }).strict(),
    /** Round trip and loss on the media path (through TURN), ms and percent. */
    pathRttMs: ms.optional(),
    pathLossPct: pct.optional(),
    /** Throughput the link sustained during the short probe, kbit/s. */
    uplinkKbps: kbps.optional(),
    downlinkKbps: kbps.optional(),
  })
  .strict();
export type NetCheck = z.infer<typeof NetCheckSchema>;

/**
 * The verdict rule. Each measure is judged on its own and the verdict is the worst of them, so that one bad figure is
 * never hidden by good ones. The path figures are those of the probe's loop through TURN (kiosk → TURN → kiosk): it
 * crosses the kiosk's link once each way per direction, as a call crosses the kiosk's and the doctor's links, so its
 * round trip and loss stand for the call's end to end (issue 11's cases are stated end to end).
 *
 * - round trip: < 200 ms good (conversation feels live, video's retransmissions arrive in time); < 450 ms reduced
 *   (speech still works turn by turn; video recovers slowly, so it starts small); beyond, sound and readings only.
 * - loss (one way): < 2 % good (video with NACK/FEC stays clean); < 15 % reduced (Opus FEC + RED keep voice and the
 *   stethoscope, video degrades); beyond, audio only (voice itself breaks up). 5 % and 10 % both read as reduced on
 *   loss alone: with ~200 samples the two cannot be told apart reliably; round trip and rate separate them.
 * - throughput (the loop's rate, measured by packet trains, so a lower bound of both uplink and downlink):
 *   ≥ 500 kbit/s good (camera at its usual size, ~300–400 kbit/s, plus voice, stethoscope and readings); ≥ 120 kbit/s
 *   reduced (voice 32 + stethoscope with RED ~60 + readings leave a little for a small video); below, audio only. The
 *   estimate is noisy (±25 % per check through the test relay: 187–266 kbit/s on a 256 kbit/s link), so its lower
 *   threshold sits well under the first case's link and the 128 kbit/s case is decided by its round trip and loss.
 * - no TURN transport could allocate a relay, no path through it, or the hub did not answer: offline.
 */
export const VERDICT_THRESHOLDS = {
  goodRttMs: 200,
  reducedRttMs: 450,
  goodLossPct: 2,
  reducedLossPct: 15,
  goodKbps: 500,
  reducedKbps: 120,
} as const;

export interface NetMeasures {
  /** The hub answered at least one of the probe's pings. */
  hubReached: boolean;
  turn: NetCheck['turn'];
  /** The loop through TURN connected and carried the probe. */
  pathConnected: boolean;
  pathRttMs?: number;
  pathLossPct?: number;
  /** The loop's delivered rate, kbit/s of payload. */
  pathKbps?: number;
}

const RANK: Record<NetVerdict, number> = { good: 0, reduced: 1, 'audio-only': 2, offline: 3 };
export const worse = (a: NetVerdict, b: NetVerdict): NetVerdict => (RANK[a] >= RANK[b] ? a : b);

/** The verdict of a set of measures (see VERDICT_THRESHOLDS); a missing figure judges nothing. */
export function verdictOf(m: NetMeasures, th = VERDICT_THRESHOLDS): NetVerdict {
  const anyTurn = m.turn.udp === true || m.turn.tcp === true || m.turn.tls === true;
  if (!m.hubReached || !anyTurn || !m.pathConnected) return 'offline';
  let v: NetVerdict = 'good';
  if (m.pathRttMs !== undefined) v = worse(v, m.pathRttMs < th.goodRttMs ? 'good' : m.pathRttMs < th.reducedRttMs ? 'reduced' : 'audio-only');
  if (m.pathLossPct !== undefined) v = worse(v, m.pathLossPct < th.goodLossPct ? 'good' : m.pathLossPct < th.reducedLossPct ? 'reduced' : 'audio-only');
  if (m.pathKbps !== undefined) v = worse(v, m.pathKbps >= th.goodKbps ? 'good' : m.pathKbps >= th.reducedKbps ? 'reduced' : 'audio-only');
  return v;
}

/**
 * A check from the hub's figures alone, for a hub without any TURN server (the demo, a hub on the cabin's own network):
 * no relay to try (`turn` all null, not "unreachable"), so the round trip and loss to the hub judge the link.
 */
export function hubOnlyCheck(hub: { rttMs: number; lossPct: number }, at: number, th = VERDICT_THRESHOLDS): NetCheck {
  const rtt: NetVerdict = hub.rttMs < th.goodRttMs ? 'good' : hub.rttMs < th.reducedRttMs ? 'reduced' : 'audio-only';
  const loss: NetVerdict = hub.lossPct < th.goodLossPct ? 'good' : hub.lossPct < th.reducedLossPct ? 'reduced' : 'audio-only';
  const round = (x: number): number => Math.min(120_000, Math.max(0, Math.round(x * 10) / 10));
  return {
    at: Math.max(0, Math.round(at)),
    verdict: hub.lossPct >= 100 ? 'offline' : worse(rtt, loss),
    hubRttMs: round(hub.rttMs),
    hubLossPct: Math.min(100, round(hub.lossPct)),
    turn: { udp: null, tcp: null, tls: null },
  };
}

/** A check older than this is run again before the next call request. */
export const NETCHECK_MAX_AGE_MS = 5 * 60_000;
