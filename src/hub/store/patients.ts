import { PatientIdentitySchema, type PatientIdentity } from '../../shared/patient-identity.ts';
import type { HubDb } from './db.ts';

/**
 * Who the patient of a consultation is (issue 13), as its doctor filed it: one row per consultation, a JSON object read
 * back through PatientIdentitySchema. A row this version cannot read is absent, never an error for the consultation.
 */

/** The filed identity and when and by whom it was last changed. */
export interface FiledPatient {
  identity: PatientIdentity;
  /** ms. */
  updatedAt: number;
  /** The doctor's id. */
  updatedBy: string;
}

/** What filing an identity did: `audit` is the report line for the change, null when it changed nothing. */
export interface PatientChange {
  filed: FiledPatient;
  previous: PatientIdentity | null;
  audit: string | null;
}

/** The consultation's filed identity with its date; null when none was filed or its row cannot be read (logged). */
export async function filedPatient(s: HubDb, consultationId: string): Promise<FiledPatient | null> {
  const row = await s.db.selectFrom('patients').select(['identity', 'updated_at as updatedAt', 'updated_by as updatedBy']).where('consultation_id', '=', consultationId).executeTakeFirst();
  if (!row) return null;
  let json: unknown;
  try {
    json = JSON.parse(row.identity);
  } catch {
    json = undefined;
  }
  const r = PatientIdentitySchema.safeParse(json);
  if (!r.success) {
    // Where it fails, never the value: the log holds no patient data.
    const issue = r.error.issues[0];
    s.log.warn({ consultationId, path: issue ? issue.path.join('.') || 'identity' : 'identity' }, 'patient identity left out: its stored row cannot be read');
    return null;
  }
  return { identity: r.data, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
}

/** The consultation's identity, as the report carries it; null when none was filed or it cannot be read. */
export async function patientIdentity(s: HubDb, consultationId: string): Promise<PatientIdentity | null> {
  return (await filedPatient(s, consultationId))?.identity ?? null;
}

/**
 * Files the identity of a consultation (in any state: the doctor may file it after the end); null when there is no
 * such consultation. The same identity again writes nothing. Throws on an identity the schema refuses (callers
 * validate first). Run it in a transaction with the audit line it returns.
 */
export async function setPatientIdentity(s: HubDb, consultationId: string, identity: PatientIdentity, by: string, who = 'the doctor'): Promise<PatientChange | null> {
  const next = PatientIdentitySchema.parse(identity);
  if (!(await s.db.selectFrom('consultations').select('id').where('id', '=', consultationId).executeTakeFirst())) return null;
  const before = await filedPatient(s, consultationId);
  const previous = before?.identity ?? null;
  const json = JSON.stringify(next);
  if (before && previous && JSON.stringify(previous) === json) return { filed: before, previous, audit: null };
  const now = s.time();
  await s.db
    .insertInto('patients')
    .values({ consultation_id: consultationId, identity: json, updated_at: now, updated_by: by })
    .onConflict((oc) => oc.column('consultation_id').doUpdateSet({ identity: json, updated_at: now, updated_by: by }))
    .execute();
  // Already sent to the FHIR server (or refused by it): sent again, so the server's record names the patient as filed now.
  await s.db.updateTable('fhir_push').set({ state: 'pending', next_at: now, updated_at: now }).where('consultation_id', '=', consultationId).where('state', '!=', 'pending').execute();
  return { filed: { identity: next, updatedAt: now, updatedBy: by }, previous, audit: auditLine(previous, next, who) };
}

const TRAITS: Record<keyof PatientIdentity, string> = {
  birthName: 'birth name',
  firstNames: 'first names',
  usedFirstName: 'used first name',
  usedName: 'used name',
  birthDate: 'date of birth',
  sex: 'sex',
  birthplace: 'birthplace',
  ins: 'INS number',
  status: 'status',
};

const insWords = (p: PatientIdentity): string => (p.ins ? `INS ${p.ins.kind.toUpperCase()}` : 'no INS number');

/** The names of the traits that differ between two identities (never their values). */
export function changedTraits(previous: PatientIdentity, next: PatientIdentity): string[] {
  return (Object.keys(TRAITS) as (keyof PatientIdentity)[]).filter((k) => JSON.stringify(previous[k]) !== JSON.stringify(next[k])).map((k) => TRAITS[k]);
}

/** The report's line for a change: which traits changed and the status, never their values (names, numbers). */
export function auditLine(previous: PatientIdentity | null, next: PatientIdentity, who = 'the doctor'): string {
  if (!previous) return `patient identity filed by ${who}: ${next.status}, ${insWords(next)}`;
  const status = previous.status === next.status ? next.status : `${previous.status} → ${next.status}`;
  return `patient identity changed by ${who} (${changedTraits(previous, next).join(', ')}): ${status}, ${insWords(next)}`;
}
