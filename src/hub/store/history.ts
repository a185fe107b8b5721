import type { PastConsultation } from '../../shared/past-consultations.ts';
import { PatientIdentitySchema } from '../../shared/patient-identity.ts';
import type { HubDb } from './db.ts';

/** The consultation that ended last (the operator's `export --last`), or null when none has ended. */
export function lastEnded(s: HubDb): string | null {
  const row = s.db.prepare("SELECT id FROM consultations WHERE state = 'ended' ORDER BY ended_at DESC, rowid DESC LIMIT 1").get() as { id?: unknown } | undefined;
  return typeof row?.id === 'string' ? row.id : null;
}

/**
 * A doctor's ended consultations, newest first (at most `limit`): the console's list. A stored identity this version
 * cannot read shows as not identified (the consultation itself is listed).
 */
export function doctorConsultations(s: HubDb, doctorId: string, limit: number): PastConsultation[] {
  const rows = s.db
    .prepare(
      `SELECT c.id, c.cabin_id, cab.name AS cabin_name, c.created_at, c.claimed_at, c.ended_at, p.identity, f.state AS push
       FROM consultations c JOIN cabins cab ON cab.id = c.cabin_id
       LEFT JOIN patients p ON p.consultation_id = c.id LEFT JOIN fhir_push f ON f.consultation_id = c.id
       WHERE c.doctor_id = ? AND c.state = 'ended' ORDER BY c.ended_at DESC, c.rowid DESC LIMIT ?`,
    )
    .all(doctorId, limit) as Record<string, unknown>[];
  return rows.map((r) => {
    let patient: PastConsultation['patient'] = null;
    try {
      const parsed = PatientIdentitySchema.safeParse(typeof r.identity === 'string' ? JSON.parse(r.identity) : undefined);
      if (parsed.success) patient = { birthName: parsed.data.birthName, firstNames: parsed.data.firstNames, status: parsed.data.status };
    } catch {
      patient = null;
    }
    const push = r.push === 'pending' || r.push === 'done' || r.push === 'failed' ? r.push : null;
    return {
      consultationId: String(r.id),
      cabin: { id: String(r.cabin_id), name: String(r.cabin_name) },
      createdAt: Number(r.created_at),
      claimedAt: typeof r.claimed_at === 'number' ? r.claimed_at : null,
      endedAt: typeof r.ended_at === 'number' ? r.ended_at : null,
      patient,
      fhirPush: push,
    };
  });
}
