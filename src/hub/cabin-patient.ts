import type { HubStore } from './store.ts';
import type { FromHub, ToHub } from '../shared/hub-protocol.ts';

/**
 * A cabin filing the patient identity of its own consultation (hub-protocol `patient`): the answer for the cabin
 * (`patient-filed` with its ref, or an error that says why), and, when the filed identity changed, the word for the
 * consultation's doctor to read it again. Not a lifecycle step (transition.ts): it changes no consultation's state.
 */
export async function cabinPatient(
  store: Pick<HubStore, 'fileCabinPatient'>,
  cabinId: string,
  m: Extract<ToHub, { type: 'patient' }>,
): Promise<{ answer: FromHub; doctor: { id: string; message: FromHub } | null }> {
  const r = await store.fileCabinPatient(cabinId, m.consultationId, m.identity);
  if ('code' in r) return { answer: { type: 'error', ref: m.ref, code: r.code, message: r.message }, doctor: null };
  const answer: FromHub = { type: 'patient-filed', ref: m.ref, consultationId: m.consultationId, outcome: r.outcome };
  const doctor = r.outcome === 'filed' && r.doctorId !== null ? { id: r.doctorId, message: { type: 'patient-filed', consultationId: m.consultationId, outcome: 'filed' } as const } : null;
  return { answer, doctor };
}
