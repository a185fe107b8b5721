import { REPORT_PART_READINGS, type ToHub } from '../../shared/hub-protocol.ts';
import type { ReceivedObservation } from '../call/observations.ts';

type Reading = Extract<ToHub, { type: 'end' }>['readings'][number];

export function toReading(o: ReceivedObservation): Reading {
  return { id: o.id, code: o.code, value: o.value, unit: o.unit, t: o.t, deviceId: o.deviceId, ...(o.measurementId ? { measurementId: o.measurementId } : {}) };
}

/**
 * The end of a consultation as hub messages: every reading received, in `report` parts the hub keeps (each id
 * once, so sending them again after a reconnection is harmless), then `end` with the notes. Nothing is thinned.
 * Every message fits the hub's frame limit.
 */
export function endMessages(consultationId: string, notes: string, observations: readonly ReceivedObservation[], ref?: string): ToHub[] {
  const readings = observations.map(toReading);
  const out: ToHub[] = [];
  for (let i = 0; i < readings.length; i += REPORT_PART_READINGS) out.push({ type: 'report', consultationId, readings: readings.slice(i, i + REPORT_PART_READINGS) });
  out.push({ type: 'end', ...(ref ? { ref } : {}), consultationId, notes, readings: [] });
  return out;
}
