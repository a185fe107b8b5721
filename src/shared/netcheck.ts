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
