import type { ConsultationReport, ReportReading, Role } from '../../shared/hub-protocol.ts';
import { StoredReportReadingSchema } from '../../shared/hub-protocol.ts';
import { metaJson, parseRows, withMeta } from '../../shared/observation.ts';
import { consultation } from './consultations.ts';
import { consultationDevices, consultationPleth } from './devices.ts';
import type { HubDb } from './db.ts';
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
export function addReadings(s: HubDb, id: string, readings: readonly Reading[]): { added: number; refused: number } | null {
  return s.db.transaction(() => {
    if (!s.db.prepare("SELECT 1 FROM consultations WHERE id = ? AND state = 'active'").get(id)) return null;
    return insertReadings(s, id, readings, null);
  }).immediate();
}

/** Why a cabin's part was not taken, with what to tell it. */
export type CabinRefusal = { code: 'not-found' | 'forbidden' | 'not-claimed'; message: string };

/**
 * Stores readings a cabin delivers itself for the report of ITS consultation (its outbox after the visit), in any
 * state once a doctor took it: readings the doctor never saw still reach the report, marked `from_cabin_at`. Each id
 * once: one the doctor already sent stays as it was. Refused for another cabin's consultation or one no doctor took.
 */
export function addCabinReadings(s: HubDb, cabinId: string, id: string, readings: readonly Reading[]): { added: number; refused: number } | CabinRefusal {
  return s.db.transaction((): { added: number; refused: number } | CabinRefusal => {
    const c = s.db.prepare('SELECT cabin_id AS cabinId, claimed_at AS claimedAt FROM consultations WHERE id = ?').get(id) as
      | { cabinId: string; claimedAt: number | null }
      | undefined;
    if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
    if (c.cabinId !== cabinId) return { code: 'forbidden', message: 'This consultation is not yours: a cabin may only report readings of its own consultations.' };
    if (c.claimedAt === null) return { code: 'not-claimed', message: 'No doctor took this consultation: it has no report for these readings.' };
    return insertReadings(s, id, readings, s.time());
  }).immediate();
}

function insertReadings(s: HubDb, id: string, readings: readonly Reading[], fromCabinAt: number | null): { added: number; refused: number } {
  let room = MAX_REPORT_READINGS - (s.db.prepare('SELECT COUNT(*) AS n FROM report_readings WHERE consultation_id = ?').get(id) as { n: number }).n;
  const insert = s.db.prepare(
    'INSERT OR IGNORE INTO report_readings (consultation_id, id, code, value, absent, unit, t, device_id, measurement_id, from_cabin_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const exists = s.db.prepare('SELECT 1 FROM report_readings WHERE consultation_id = ? AND id = ?');
  let added = 0;
  let refused = 0;
  for (const r of readings) {
    if (room <= 0) {
      if (!exists.get(id, r.id)) refused++;
      continue;
    }
    // The number, or the reason the device gave none (its special value): exactly one of them (the protocol checked it).
    const n = insert.run(id, r.id, r.code, r.value ?? null, r.absent ?? null, r.unit, r.t, r.deviceId ?? null, r.measurementId ?? null, fromCabinAt, metaJson(r)).changes;
    added += n;
    room -= n;
  }
  return { added, refused };
}

/** Records a technical incident; a consultation keeps at most MAX_INCIDENTS (a flood cannot grow the report). */
export function addIncident(s: HubDb, id: string, side: Role | 'hub', detail: string): void {
  const n = (s.db.prepare('SELECT COUNT(*) AS n FROM incidents WHERE consultation_id = ?').get(id) as { n: number }).n;
  if (n >= MAX_INCIDENTS) return;
  s.db.prepare('INSERT INTO incidents (consultation_id, t, side, detail) VALUES (?, ?, ?, ?)').run(id, s.time(), side, detail.slice(0, 500));
}

/** The consultation's report, as the doctor's console and the export read it; null if there is no such consultation. */
export function report(s: HubDb, id: string): ConsultationReport | null {
  const c = consultation(s, id);
  if (!c) return null;
  const extra = s.db.prepare('SELECT notes FROM consultations WHERE id = ?').get(id) as { notes: string };
  const rows = s.db
    .prepare(
      'SELECT id, code, value, absent, unit, t, device_id AS deviceId, measurement_id AS measurementId, from_cabin_at AS fromCabinAt, meta FROM report_readings WHERE consultation_id = ? ORDER BY t, id',
    )
    .all(id)
    .map((r) => withMeta(r as Record<string, unknown>));
  // Read leniently: a reading stored by another version is shown as stored; only a corrupt row is left out, and logged.
  const { rows: readings, unreadable } = parseRows(StoredReportReadingSchema, rows);
  if (unreadable > 0) s.log.warn({ consultationId: id, unreadable }, 'report readings left out: their stored row cannot be read');
  const incidents = s.db.prepare('SELECT t, side, detail FROM incidents WHERE consultation_id = ? ORDER BY id').all(id) as ConsultationReport['incidents'];
  const devices = consultationDevices(s, id);
  const pleth = consultationPleth(s, id);
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
    patient: patientIdentity(s, id),
  };
}
