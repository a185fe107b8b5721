import type { ConsultationState, LeaveReason, QueueItem, Role } from '../../shared/hub-protocol.ts';
import type { Language } from '../../shared/language.ts';
import type { HubDb } from './db.ts';

/** Consultation rows: read, and written only as a compare-and-set of the lifecycle (hub/consultation/transition.ts). */

/** A consultation as stored, with its cabin's and doctor's names. */
export interface Consultation {
  id: string;
  cabinId: string;
  cabinName: string;
  doctorId: string | null;
  doctorName: string | null;
  language: Language;
  state: ConsultationState;
  createdAt: number;
  claimedAt: number | null;
  endedAt: number | null;
  /** When the cabin left an active consultation (the patient went home before the doctor ended it). */
  cabinLeftAt: number | null;
  /** Why the cabin left (what it said; null when it did not say or has not left). */
  cabinLeftReason: LeaveReason | null;
  /** The cabin's visit that asked for it (null from an older cabin). */
  visit: string | null;
}

interface Row {
  id: string;
  cabin_id: string;
  cabin_name: string;
  doctor_id: string | null;
  doctor_name: string | null;
  language: Language;
  state: ConsultationState;
  created_at: number;
  claimed_at: number | null;
  ended_at: number | null;
  cabin_left_at: number | null;
  cabin_left_reason: LeaveReason | null;
  visit: string | null;
}
const SELECT = `SELECT c.id, c.cabin_id, cab.name AS cabin_name, c.doctor_id, d.name AS doctor_name, c.language, c.state,
  c.created_at, c.claimed_at, c.ended_at, c.cabin_left_at, c.cabin_left_reason, c.visit FROM consultations c JOIN cabins cab ON cab.id = c.cabin_id LEFT JOIN doctors d ON d.id = c.doctor_id`;
const fromRow = (r: Row): Consultation => ({
  id: r.id,
  cabinId: r.cabin_id,
  cabinName: r.cabin_name,
  doctorId: r.doctor_id,
  doctorName: r.doctor_name,
  language: r.language,
  state: r.state,
  createdAt: r.created_at,
  claimedAt: r.claimed_at,
  endedAt: r.ended_at,
  cabinLeftAt: r.cabin_left_at,
  cabinLeftReason: r.cabin_left_reason,
  visit: r.visit,
});
/** A cabin's consultation that is still its own: waiting or active, and not left. */
const OPEN_FOR_CABIN = "c.cabin_id = ? AND c.state IN ('waiting', 'active') AND c.cabin_left_at IS NULL";

export function consultation(s: HubDb, id: string): Consultation | null {
  const row = s.db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as Row | undefined;
  return row ? fromRow(row) : null;
}

/**
 * Compare-and-set of a consultation's lifecycle: writes `next` only if the row still holds `prev`'s state, doctor and
 * cabin-left mark; false when another writer changed it first.
 */
export function update(s: HubDb, prev: Consultation, next: Consultation & { notes?: string }): boolean {
  return (
    s.db
      .prepare(
        `UPDATE consultations SET state = ?, doctor_id = ?, claimed_at = ?, ended_at = ?, cabin_left_at = ?, cabin_left_reason = ?, notes = COALESCE(?, notes)
         WHERE id = ? AND state = ? AND doctor_id IS ? AND cabin_left_at IS ?`,
      )
      .run(next.state, next.doctorId, next.claimedAt, next.endedAt, next.cabinLeftAt, next.cabinLeftReason, next.notes ?? null, prev.id, prev.state, prev.doctorId, prev.cabinLeftAt).changes === 1
  );
}

/** Inserts a new waiting consultation unless its cabin has an open one already (then false). */
export function insert(s: HubDb, c: Consultation): boolean {
  return (
    s.db
      .prepare(
        `INSERT INTO consultations (id, cabin_id, language, state, created_at, visit) SELECT ?, ?, ?, 'waiting', ?, ? WHERE NOT EXISTS
         (SELECT 1 FROM consultations c WHERE ${OPEN_FOR_CABIN})`,
      )
      .run(c.id, c.cabinId, c.language, c.createdAt, c.visit, c.cabinId).changes === 1
  );
}

/** Open consultations of a cabin (waiting or active) or active ones of a doctor. */
export function openFor(s: HubDb, role: Role, id: string): Consultation[] {
  const where = role === 'cabin' ? OPEN_FOR_CABIN : "c.doctor_id = ? AND c.state = 'active'";
  return (s.db.prepare(`${SELECT} WHERE ${where} ORDER BY c.created_at`).all(id) as Row[]).map(fromRow);
}

/** Every consultation still open for its cabin (waiting, or active and not left), oldest first. */
export function openOfCabins(s: HubDb): Consultation[] {
  return (s.db.prepare(`${SELECT} WHERE c.state IN ('waiting', 'active') AND c.cabin_left_at IS NULL ORDER BY c.created_at, c.id`).all() as Row[]).map(fromRow);
}

/** The waiting consultations, oldest first. */
export function queue(s: HubDb): QueueItem[] {
  return (s.db.prepare(`${SELECT} WHERE c.state = 'waiting' ORDER BY c.created_at, c.id`).all() as Row[]).map((r) => ({
    consultationId: r.id,
    cabinId: r.cabin_id,
    cabinName: r.cabin_name,
    language: r.language,
    since: r.created_at,
  }));
}
