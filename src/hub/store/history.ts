import type { PastConsultation } from '../../shared/past-consultations.ts';
import { PatientIdentitySchema } from '../../shared/patient-identity.ts';
import type { HubDb } from './db.ts';

/** The consultation that ended last (the operator's `export --last`), or null when none has ended. */
export async function lastEnded(s: HubDb): Promise<string | null> {
  const row = await s.db.selectFrom('consultations').select('id').where('state', '=', 'ended').orderBy('ended_at', 'desc').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row?.id ?? null;
}

/**
 * A doctor's ended consultations, newest first (at most `limit`): the console's list. A stored identity this version
 * cannot read shows as not identified (the consultation itself is listed).
 */
export async function doctorConsultations(s: HubDb, doctorId: string, limit: number): Promise<PastConsultation[]> {
  const rows = (await s.db
    .selectFrom('consultations as c')
    .innerJoin('cabins as cab', 'cab.id', 'c.cabin_id')
    .leftJoin('patients as p', 'p.consultation_id', 'c.id')
    .leftJoin('fhir_push as f', 'f.consultation_id', 'c.id')
    .select(['c.id', 'c.cabin_id', 'cab.name as cabin_name', 'c.created_at', 'c.claimed_at', 'c.ended_at', 'p.identity', 'f.state as push'])
    .where('c.doctor_id', '=', doctorId)
    .where('c.state', '=', 'ended')
    .orderBy('c.ended_at', 'desc')
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit)
    .execute()) as Record<string, unknown>[];
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
