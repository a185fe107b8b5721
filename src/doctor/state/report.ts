import { REPORT_PART_READINGS, type ToHub } from '../../shared/hub-protocol.ts';
import type { ReceivedObservation } from '../call/observations.ts';

type Reading = Extract<ToHub, { type: 'end' }>['readings'][number];

/** Bytes of readings per part, well under the hub's frame limit whatever the ids' lengths. */
const PART_BYTES = 48 * 1024;
/** Parts go out at most ten a second: the hub allows bursts of 60 messages, then 20 a second. */
export const REPORT_PART_GAP_MS = 100;

export function toReading(o: ReceivedObservation): Reading {
  return { id: o.id, code: o.code, value: o.value, unit: o.unit, t: o.t, deviceId: o.deviceId, ...(o.measurementId ? { measurementId: o.measurementId } : {}) };
}

/**
 * The end of a consultation as hub messages: every reading received, in `report` parts the hub keeps (each id
 * once, so sending them again after a reconnection is harmless), then `end` with the notes. Nothing is thinned.
 * Every message fits the hub's frame limit.
 */
export function endMessages(consultationId: string, notes: string, observations: readonly ReceivedObservation[], ref?: string): ToHub[] {
  const out: ToHub[] = [];
  let part: Reading[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (part.length > 0) out.push({ type: 'report', consultationId, readings: part });
    part = [];
    bytes = 0;
  };
  for (const o of observations) {
    const r = toReading(o);
    const size = new TextEncoder().encode(JSON.stringify(r)).length + 1;
    if (part.length >= REPORT_PART_READINGS || bytes + size > PART_BYTES) flush();
    part.push(r);
    bytes += size;
  }
  flush();
  out.push({ type: 'end', ...(ref ? { ref } : {}), consultationId, notes, readings: [] });
  return out;
}
