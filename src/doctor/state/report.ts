import { HUB_MAX_FRAME_BYTES, REPORT_PART_BYTES, REPORT_PART_READINGS, type ToHub } from '../../shared/hub-protocol.ts';
import type { Observation } from '../call/observations.ts';

export type Reading = Extract<ToHub, { type: 'end' }>['readings'][number];

/** Bytes of readings per part (the limit every report part keeps). */
export const PART_BYTES = REPORT_PART_BYTES;
/** Parts go out at most ten a second: the hub allows bursts of 60 messages, then 20 a second. */
export const REPORT_PART_GAP_MS = 100;

export function toReading(o: Observation): Reading {
  const { type: _type, ...reading } = o;
  return reading;
}

/**
 * The end of a consultation as hub messages: the readings not reported yet (observations or readings), in
 * `report` parts the hub keeps (each id once, so sending them again after a reconnection is harmless), then `end`
 * with the notes, which carries the last part itself when both fit one frame. Nothing is thinned; every message
 * fits the hub's frame limit.
 */
export function endMessages(consultationId: string, notes: string, observations: readonly (Observation | Reading)[], ref?: string): ToHub[] {
  const parts: { readings: Reading[]; bytes: number }[] = [];
  let part: Reading[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (part.length > 0) parts.push({ readings: part, bytes });
    part = [];
    bytes = 0;
  };
  for (const o of observations) {
    const r = 'type' in o ? toReading(o) : o;
    const size = new TextEncoder().encode(JSON.stringify(r)).length + 1;
    if (part.length >= REPORT_PART_READINGS || bytes + size > PART_BYTES) flush();
    part.push(r);
    bytes += size;
  }
  flush();
  const last = parts.at(-1);
  const notesBytes = new TextEncoder().encode(JSON.stringify(notes)).length;
  const inEnd = last && last.bytes + notesBytes + 1024 <= HUB_MAX_FRAME_BYTES ? parts.pop()!.readings : [];
  const out: ToHub[] = parts.map((p) => ({ type: 'report', consultationId, readings: p.readings }));
  out.push({ type: 'end', ...(ref ? { ref } : {}), consultationId, notes, readings: inEnd });
  return out;
}
