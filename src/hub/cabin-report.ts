import { MAX_REPORT_READINGS, type HubStore } from './store.ts';
import type { FromHub, ToHub } from '../shared/hub-protocol.ts';

/**
 * A cabin delivering its own outbox to its consultation's report (hub-protocol `report`, cabin side): stored each id
 * once whatever the consultation's state once a doctor took it, so resends and doctor + cabin copies are harmless.
 * The answer to send back: `reported` (only with a ref) once stored, or an error that says why it was not.
 * Not a lifecycle step (transition.ts): it changes no consultation, and a cabin that left may still deliver.
 */
export async function cabinReport(store: Pick<HubStore, 'addCabinReadings'>, cabinId: string, m: Extract<ToHub, { type: 'report' }>): Promise<FromHub | null> {
  const r = await store.addCabinReadings(cabinId, m.consultationId, m.readings);
  if ('code' in r) return { type: 'error', ref: m.ref, code: r.code, message: r.message };
  // Not `reported`: the cabin's outbox keeps what was not stored, until its retention.
  if (r.refused > 0) return { type: 'error', ref: m.ref, code: 'report-full', message: `The report already holds ${MAX_REPORT_READINGS} readings: ${r.refused} of this part were not stored.` };
  return m.ref === undefined ? null : { type: 'reported', ref: m.ref, consultationId: m.consultationId, count: r.added };
}
