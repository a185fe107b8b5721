import { CabinEventSchema, decodeFrame, MAX_EVENT_BYTES, type CabinEvent, type WaveformFrame } from './telemetry.ts';

/**
 * An observation on the lossy `telemetry` channel (issue 11): each reading also goes there, besides the reliable
 * `events` channel, so that one lost packet does not cost it an SCTP retransmission on a poor link. The doctor's
 * side keeps the first copy of each id, whichever channel brought it; the ack still comes from the report.
 *
 *   byte 0      0x80 (the top bit set: not a waveform frame, whose byte 0 is a stream id 0–127)
 *   then        the observation's `events` message, JSON in UTF-8 (at most MAX_EVENT_BYTES)
 *
 * A console that does not know this frame type drops it (decodeFrame refuses a byte 0 above 127).
 */
export const OBSERVATION_FRAME = 0x80;

export type ObservationEvent = Extract<CabinEvent, { type: 'observation' }>;

export type TelemetryMessage = { kind: 'wave'; frame: WaveformFrame } | { kind: 'observation'; observation: ObservationEvent };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The frame of one observation; undefined when it breaks the contract or is too large. Never throws. */
export function encodeObservationFrame(o: ObservationEvent): Uint8Array | undefined {
  const checked = CabinEventSchema.safeParse(o);
  if (!checked.success || checked.data.type !== 'observation') return undefined;
  const json = encoder.encode(JSON.stringify(checked.data));
  if (json.length > MAX_EVENT_BYTES) return undefined;
  const out = new Uint8Array(json.length + 1);
  out[0] = OBSERVATION_FRAME;
  out.set(json, 1);
  return out;
}

/** One `telemetry` message: a waveform frame or an observation; undefined for anything else. Never throws. */
export function decodeTelemetryMessage(data: ArrayBuffer | Uint8Array): TelemetryMessage | undefined {
  try {
    const b = data instanceof Uint8Array ? data : new Uint8Array(data);
    if (b.length === 0) return undefined;
    if (b[0]! < OBSERVATION_FRAME) {
      const frame = decodeFrame(b);
      return frame ? { kind: 'wave', frame } : undefined;
    }
    if (b[0] !== OBSERVATION_FRAME || b.length < 3 || b.length > MAX_EVENT_BYTES + 1) return undefined;
    const parsed = CabinEventSchema.safeParse(JSON.parse(decoder.decode(b.subarray(1))));
    return parsed.success && parsed.data.type === 'observation' ? { kind: 'observation', observation: parsed.data } : undefined;
  } catch {
    return undefined;
  }
}
