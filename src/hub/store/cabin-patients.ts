import type { PatientIdentity } from '../../shared/patient-identity.ts';
import { inTx, type HubDb } from './db.ts';
import { changedTraits, filedPatient, setPatientIdentity } from './patients.ts';
import { addIncident } from './reports.ts';

/**
 * The patient identity a cabin's assistant filed at the kiosk (hub-protocol `patient`), for the cabin's own
 * consultation. The doctor's word wins: once the consultation's doctor filed or changed the identity, the cabin's
 * (maybe a late resend of what the doctor just corrected) never replaces it; the report notes which traits differ, so
 * the doctor can check them with the patient. Until then the cabin's latest filing stands.
 */

/** How a cabin is named as the author of a filed identity (account ids never hold a colon). */
export const cabinAuthor = (cabinId: string): string => `cabin:${cabinId}`;
const CABIN_WHO = "the cabin's assistant";

export type CabinPatientResult =
  | { outcome: 'filed' | 'unchanged' | 'doctor-kept'; doctorId: string | null }
  | { code: 'not-found' | 'forbidden'; message: string };

export function fileCabinPatient(s: HubDb, cabinId: string, consultationId: string, identity: PatientIdentity): Promise<CabinPatientResult> {
  return inTx(s, async (t): Promise<CabinPatientResult> => {
    const row0 = await t.db.selectFrom('consultations').select(['cabin_id', 'doctor_id']).where('id', '=', consultationId).executeTakeFirst();
    const c = row0 ? { cabinId: row0.cabin_id, doctorId: row0.doctor_id } : undefined;
    if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
    if (c.cabinId !== cabinId) return { code: 'forbidden', message: 'This consultation is not yours: a cabin files the patient identity of its own consultations only.' };
    const row = await t.db.selectFrom('patients').select('updated_by as by').where('consultation_id', '=', consultationId).executeTakeFirst();
    // Filed by a doctor (even a row this version cannot read): the doctor's stands.
    if (row && !row.by.startsWith('cabin:')) {
      const before = await filedPatient(t, consultationId);
      const traits = before ? changedTraits(before.identity, identity) : ['identity'];
      if (traits.length === 0) return { outcome: 'unchanged', doctorId: c.doctorId };
      const note = `${CABIN_WHO} filed a different patient identity (${traits.join(', ')}): the doctor's stands`;
      // A resend after a reconnection notes it once.
      const last = await t.db.selectFrom('incidents').select('detail').where('consultation_id', '=', consultationId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (last?.detail !== note) await addIncident(t, consultationId, 'cabin', note);
      return { outcome: 'doctor-kept', doctorId: c.doctorId };
    }
    const change = (await setPatientIdentity(t, consultationId, identity, cabinAuthor(cabinId), CABIN_WHO))!;
    if (change.audit) await addIncident(t, consultationId, 'cabin', change.audit);
    return { outcome: change.audit ? 'filed' : 'unchanged', doctorId: c.doctorId };
  });
}
