import type { PatientIdentity } from '../../shared/patient-identity.ts';
import type { HubDb } from './db.ts';
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

export function fileCabinPatient(s: HubDb, cabinId: string, consultationId: string, identity: PatientIdentity): CabinPatientResult {
  return s.db.transaction((): CabinPatientResult => {
    const c = s.db.prepare('SELECT cabin_id AS cabinId, doctor_id AS doctorId FROM consultations WHERE id = ?').get(consultationId) as
      | { cabinId: string; doctorId: string | null }
      | undefined;
    if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
    if (c.cabinId !== cabinId) return { code: 'forbidden', message: 'This consultation is not yours: a cabin files the patient identity of its own consultations only.' };
    const row = s.db.prepare('SELECT updated_by AS by FROM patients WHERE consultation_id = ?').get(consultationId) as { by: string } | undefined;
    // Filed by a doctor (even a row this version cannot read): the doctor's stands.
    if (row && !row.by.startsWith('cabin:')) {
      const before = filedPatient(s, consultationId);
      const traits = before ? changedTraits(before.identity, identity) : ['identity'];
      if (traits.length === 0) return { outcome: 'unchanged', doctorId: c.doctorId };
      const note = `${CABIN_WHO} filed a different patient identity (${traits.join(', ')}): the doctor's stands`;
      // A resend after a reconnection notes it once.
      const last = s.db.prepare('SELECT detail FROM incidents WHERE consultation_id = ? ORDER BY id DESC LIMIT 1').get(consultationId) as { detail: string } | undefined;
      if (last?.detail !== note) addIncident(s, consultationId, 'cabin', note);
      return { outcome: 'doctor-kept', doctorId: c.doctorId };
    }
    const change = setPatientIdentity(s, consultationId, identity, cabinAuthor(cabinId), CABIN_WHO)!;
    if (change.audit) addIncident(s, consultationId, 'cabin', change.audit);
    return { outcome: change.audit ? 'filed' : 'unchanged', doctorId: c.doctorId };
  }).immediate();
}
