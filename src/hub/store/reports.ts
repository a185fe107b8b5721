import type { ConsultationReport, ReportReading, Role } from '../../shared/hub-protocol.ts';
import { StoredReportReadingSchema } from '../../shared/hub-protocol.ts';
import { metaJson, parseRows, withMeta } from '../../shared/observation.ts';
import { consultation } from './consultations.ts';
import { consultationDevices, consultationPleth } from './devices.ts';
import { count, inTx, type HubDb } from './db.ts';
import { patientIdentity } from './patients.ts';

/** What a consultation leaves for the record: the doctor's notes, the readings, the technical incidents and the patient's identity. */

export type Reading = ReportReading;

/** A 12-hour consultation at two readings a second: beyond that, the report keeps the first ones. */
export const MAX_REPORT_READINGS = 100_000;
export const MAX_INCIDENTS = 500;

/**
 * Stores report readings of an active consultation, each id once (a part sent again adds nothing); at most
 * MAX_REPORT_READINGS per consultation. How many were new (`added`) and how many were not stored because the
 * report is full (`refused`), or null if the consultation is not active.
 */
export function addReadings(s: HubDb, id: string, readings: readonly Reading[]): Promise<{ added: number; refused: number } | null> {
  return inTx(s, async (t) => {
    if (!(await t.db.selectFrom('consultations').select('id').where('id', '=', id).where('state', '=', 'active').executeTakeFirst())) return null;
    return insertReadings(t, id, readings, null);
  });
}

/** Why a cabin's part was not taken, with what to tell it. */
export type CabinRefusal = { code: 'not-found' | 'forbidden' | 'not-claimed'; message: string };

/**
 * Stores readings a cabin delivers itself for the report of ITS consultation (its outbox after the visit), in any
 * state once a doctor took it: readings the doctor never saw still reach the report, marked `from_cabin_at`. Each id
 * once: one the doctor already sent stays as it was. Refused for another cabin's consultation or one no doctor took.
 */
export function addCabinReadings(s: HubDb, cabinId: string, id: string, readings: readonly Reading[]): Promise<{ added: number; refused: number } | CabinRefusal> {
  return inTx(s, async (t): Promise<{ added: number; refused: number } | CabinRefusal> => {
    const c = await t.db.selectFrom('consultations').select(['cabin_id', 'claimed_at']).where('id', '=', id).executeTakeFirst();
    if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
    if (c.cabin_id !== cabinId) return { code: 'forbidden', message: 'This consultation is not yours: a cabin may only report readings of its own consultations.' };
    if (c.claimed_at === null) return { code: 'not-claimed', message: 'No doctor took this consultation: it has no report for these readings.' };
    return insertReadings(t, id, readings, t.time());
  });
}

/** Rows per INSERT: 11 parameters each, well under SQLite's 32 766 and PostgreSQL's 65 535 per statement. */
const INSERT_CHUNK = 500;

async function insertReadings(s: HubDb, id: string, readings: readonly Reading[], fromCabinAt: number | null): Promise<{ added: number; refused: number }> {
  const room = MAX_REPORT_READINGS - count(await s.db.selectFrom('report_readings').select((eb) => eb.fn.countAll().as('n')).where('consultation_id', '=', id).executeTakeFirst());
  // The number, or the reason the device gave none (its special value): exactly one of them (the protocol checked it).
  const row = (r: Reading) => ({
    consultation_id: id,
    id: r.id,
    code: r.code,
    value: r.value ?? null,
    absent: r.absent ?? null,
    unit: r.unit,
    t: r.t,
    device_id: r.deviceId ?? null,
    measurement_id: r.measurementId ?? null,
    from_cabin_at: fromCabinAt,
    meta: metaJson(r),
  });
  if (readings.length <= room) {
    // The usual case, one statement per chunk: an id already stored (a part sent again) is skipped by its key. A part
    // may name an id twice: the first stays, as the row-by-row insert did.
    let added = 0;
    const seen = new Set<string>();
    const firsts = readings.filter((r) => !seen.has(r.id) && Boolean(seen.add(r.id)));
    for (let i = 0; i < firsts.length; i += INSERT_CHUNK) {
      const r = await s.db.insertInto('report_readings').values(firsts.slice(i, i + INSERT_CHUNK).map(row)).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      added += Number(r.numInsertedOrUpdatedRows ?? 0);
    }
    return { added, refused: 0 };
  }
  // The report is full or fills now: one by one, the first ones kept, and what is left counted if it is not stored.
  let left = room;
  let added = 0;
  let refused = 0;
  for (const r of readings) {
    if (left <= 0) {
      if (!(await s.db.selectFrom('report_readings').select('id').where('consultation_id', '=', id).where('id', '=', r.id).executeTakeFirst())) refused++;
      continue;
    }
    const n = Number((await s.db.insertInto('report_readings').values(row(r)).onConflict((oc) => oc.doNothing()).executeTakeFirst()).numInsertedOrUpdatedRows ?? 0);
    added += n;
    left -= n;
  }
  return { added, refused };
}

/** Records a technical incident; a consultation keeps at most MAX_INCIDENTS (a flood cannot grow the report). */
export async function addIncident(s: HubDb, id: string, side: Role | 'hub', detail: string): Promise<void> {
  const n = count(await s.db.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).where('consultation_id', '=', id).executeTakeFirst());
  if (n >= MAX_INCIDENTS) return;
  await s.db.insertInto('incidents').values({ consultation_id: id, t: s.time(), side, detail: detail.slice(0, 500) }).execute();
}

/** The consultation's report, as the doctor's console and the export read it; null if there is no such consultation. */
export async function report(s: HubDb, id: string): Promise<ConsultationReport | null> {
  const c = await consultation(s, id);
  if (!c) return null;
  const extra = await s.db.selectFrom('consultations').select('notes').where('id', '=', id).executeTakeFirstOrThrow();
  const stored = await s.db
    .selectFrom('report_readings')
    .select(['id', 'code', 'value', 'absent', 'unit', 't', 'device_id as deviceId', 'measurement_id as measurementId', 'from_cabin_at as fromCabinAt', 'meta'])
    .where('consultation_id', '=', id)
    .orderBy('t')
    .orderBy('id')
    .execute();
  const rows = stored.map((r) => withMeta(r as Record<string, unknown>));
  // Read leniently: a reading stored by another version is shown as stored; only a corrupt row is left out, and logged.
  const { rows: readings, unreadable } = parseRows(StoredReportReadingSchema, rows);
  if (unreadable > 0) s.log.warn({ consultationId: id, unreadable }, 'report readings left out: their stored row cannot be read');
  const incidents = (await s.db.selectFrom('incidents').select(['t', 'side', 'detail']).where('consultation_id', '=', id).orderBy('id').execute()) as ConsultationReport['incidents'];
  const devices = await consultationDevices(s, id);
  const pleth = await consultationPleth(s, id);
  return {
    consultationId: c.id,
    cabin: { id: c.cabinId, name: c.cabinName },
    doctor: c.doctorId !== null ? { id: c.doctorId, name: c.doctorName ?? c.doctorId } : null,
    createdAt: c.createdAt,
    claimedAt: c.claimedAt,
    endedAt: c.endedAt,
    state: c.state,
    notes: extra.notes,
    readings,
    incidents,
    // What the cabin said of its devices (issue 13): absent when it said nothing, as in reports from before.
    ...(devices.length > 0 ? { devices } : {}),
    ...(pleth.length > 0 ? { pleth } : {}),
    // Null: not identified (none filed, or its row cannot be read); the export says so.
    patient: await patientIdentity(s, id),
  };
}
