import { WireReadingSchema, type WireReading } from '../../shared/observation.ts';
import type { Db } from './open.ts';
import { OutboxKindSchema, parse, type OutboxKind } from './schema.ts';

export interface OutboxEntry {
  id: number;
  kind: OutboxKind;
  /** The id of what is delivered (an observation's id, a media id, a session id for a report). */
  refId: string;
  sessionId: string | null;
  payload: unknown;
  createdAt: number;
  attempts: number;
  lastAttemptAt: number | null;
}

export interface EnqueueInput {
  kind: OutboxKind;
  refId: string;
  sessionId?: string | null;
  payload: unknown;
}

/** Queues something for delivery; idempotent on (kind, refId). Returns the entry's id. */
export function enqueue(db: Db, e: EnqueueInput): number {
  const kind = parse(OutboxKindSchema, e.kind, 'an outbox kind');
  db.stmt(
    `INSERT INTO outbox (kind, ref_id, session_id, payload, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (kind, ref_id) DO NOTHING`,
  ).run(kind, e.refId, e.sessionId ?? null, JSON.stringify(e.payload ?? null), db.now());
  return (db.stmt(`SELECT id FROM outbox WHERE kind = ? AND ref_id = ?`).get(kind, e.refId) as { id: number }).id;
}

/**
 * Queues what a visit's device is, or (once queued, until delivered) replaces it with what is known now: a device tells
 * more of itself as it goes (Device Information read after its first reading). `create` false: only a refresh.
 */
export function noteDevice(db: Db, sessionId: string, deviceId: string, payload: unknown, create: boolean): boolean {
  const refId = `${sessionId}|${deviceId}`;
  const json = JSON.stringify(payload ?? null);
  const changed = db
    .stmt(`UPDATE outbox SET payload = ? WHERE kind = 'device' AND ref_id = ? AND delivered_at IS NULL AND payload <> ?`)
    .run(json, refId, json).changes;
  if (changed > 0 || !create) return changed > 0;
  return (
    db
      .stmt(`INSERT INTO outbox (kind, ref_id, session_id, payload, created_at) VALUES ('device', ?, ?, ?, ?) ON CONFLICT (kind, ref_id) DO NOTHING`)
      .run(refId, sessionId, json, db.now()).changes > 0
  );
}

/** A visit's devices still to describe to this consultation's report (see `pendingPage` for the consultation). */
export function pendingDevices(db: Db, sessionId: string, consultationId: string): { refId: string; payload: unknown }[] {
  const rows = db
    .stmt(
      `SELECT o.ref_id AS refId, o.payload FROM outbox o JOIN sessions s ON s.id = o.session_id
       WHERE o.delivered_at IS NULL AND o.session_id = ? AND o.kind = 'device'
         AND COALESCE(o.consultation_id, s.consultation_id) = ? ORDER BY o.id`,
    )
    .all(sessionId, consultationId) as { refId: string; payload: string }[];
  return rows.map((r) => ({ refId: r.refId, payload: JSON.parse(r.payload) as unknown }));
}

/**
 * A visit's pictures still to send to this consultation's report, oldest first: like readings and devices, a picture
 * goes to the consultation whose call was the first to end after it was taken (`markSentInCall`), else to the visit's
 * latest. So one taken during call 1 goes to 1, one taken during call 2, or while the patient waited for it, to 2.
 */
export function pendingMedia(db: Db, sessionId: string, consultationId: string): { refId: string }[] {
  return db
    .stmt(
      `SELECT o.ref_id AS refId FROM outbox o JOIN sessions s ON s.id = o.session_id
       WHERE o.delivered_at IS NULL AND o.session_id = ? AND o.kind = 'media'
         AND COALESCE(o.consultation_id, s.consultation_id) = ? ORDER BY o.id`,
    )
    .all(sessionId, consultationId) as { refId: string }[];
}

/** What is still to deliver, oldest first. */
export function pending(db: Db, limit: number): OutboxEntry[] {
  const rows = db
    .stmt(
      `SELECT id, kind, ref_id AS refId, session_id AS sessionId, payload, created_at AS createdAt, attempts,
              last_attempt_at AS lastAttemptAt
       FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?`,
    )
    .all(Math.max(0, Math.floor(limit))) as (Omit<OutboxEntry, 'payload'> & { payload: string })[];
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown }));
}

/** What is still to deliver of one kind for one session, oldest first. */
export function pendingOf(db: Db, sessionId: string, kind: OutboxKind, limit: number): OutboxEntry[] {
  const rows = db
    .stmt(
      `SELECT id, kind, ref_id AS refId, session_id AS sessionId, payload, created_at AS createdAt, attempts,
              last_attempt_at AS lastAttemptAt
       FROM outbox WHERE delivered_at IS NULL AND session_id = ? AND kind = ? ORDER BY id LIMIT ?`,
    )
    .all(sessionId, kind, Math.max(0, Math.floor(limit))) as (Omit<OutboxEntry, 'payload'> & { payload: string })[];
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown }));
}

/**
 * A session's readings the doctor's side has not acknowledged yet, oldest first, as the bridge sends them (no session
 * id). Each is checked alone: one the wire would refuse (stored by another version, or corrupt) is skipped and logged,
 * and the others still go.
 */
export function pendingReadings(db: Db, sessionId: string, limit: number): WireReading[] {
  return pendingPage(db, sessionId, limit).readings;
}

/**
 * One page of a session's pending readings: those the wire takes, and the refIds of those it refuses (logged), so
 * that a caller can page past them (report delivery drops them with an audit entry) instead of stopping at them.
 * With `consultationId`: only the entries that go to that consultation's report (see `markSentInCall`).
 */
export function pendingPage(db: Db, sessionId: string, limit: number, consultationId?: string): { readings: WireReading[]; refused: string[] } {
  const readings: WireReading[] = [];
  const refused: string[] = [];
  const entries =
    consultationId === undefined
      ? pendingOf(db, sessionId, 'observation', limit)
      : (db
          .stmt(
            `SELECT o.id, o.ref_id AS refId, o.payload FROM outbox o JOIN sessions s ON s.id = o.session_id
             WHERE o.delivered_at IS NULL AND o.session_id = ? AND o.kind = 'observation'
               AND COALESCE(o.consultation_id, s.consultation_id) = ? ORDER BY o.id LIMIT ?`,
          )
          .all(sessionId, consultationId, Math.max(0, Math.floor(limit))) as { id: number; refId: string; payload: string }[]).map((r) => ({
          ...r,
          payload: JSON.parse(r.payload) as unknown,
        }));
  for (const e of entries) {
    const r = WireReadingSchema.safeParse(e.payload);
    if (r.success) readings.push(r.data);
    else {
      refused.push(e.refId);
      db.log.warn({ sessionId, outboxId: e.id, refId: e.refId, problem: r.error.issues[0]?.message }, 'pending reading skipped: the wire contract refuses it');
    }
  }
  return { readings, refused };
}

/**
 * The call of `consultationId` ended (or was cut): the visit's undelivered entries not yet tied to a call were sent in
 * it (the kiosk sends what is pending when the call starts, and each new reading at once), so they belong to its
 * report. A later consultation of the same visit (the patient asked again) does not get them from the delivery.
 */
export function markSentInCall(db: Db, sessionId: string, consultationId: string): number {
  return db
    .stmt(`UPDATE outbox SET consultation_id = ? WHERE session_id = ? AND consultation_id IS NULL AND delivered_at IS NULL`)
    .run(consultationId, sessionId).changes;
}

/**
 * Takes undelivered entries of one session out of the outbox for good (what the hub can never take: refused by the
 * wire, or too big for any frame); the stored observations stay until the retention. Returns how many went.
 */
export function dropPending(db: Db, sessionId: string, kind: OutboxKind, refIds: readonly string[]): number {
  const s = db.stmt(`DELETE FROM outbox WHERE kind = ? AND ref_id = ? AND session_id = ? AND delivered_at IS NULL`);
  return db.tx(() => refIds.reduce((n, ref) => n + s.run(kind, ref, sessionId).changes, 0));
}

/** Marks entries delivered (acknowledged by the other side); returns how many were newly marked. */
export function markDelivered(db: Db, ids: readonly number[]): number {
  const now = db.now();
  const s = db.stmt(`UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL`);
  return db.tx(() => ids.reduce((n, id) => n + s.run(now, id).changes, 0));
}

/** The same, by what was delivered: the doctor's side acknowledges an observation by its own id. */
export function markDeliveredByRef(db: Db, kind: OutboxKind, refIds: readonly string[]): number {
  const now = db.now();
  const s = db.stmt(`UPDATE outbox SET delivered_at = ? WHERE kind = ? AND ref_id = ? AND delivered_at IS NULL`);
  return db.tx(() => refIds.reduce((n, ref) => n + s.run(now, kind, ref).changes, 0));
}

/**
 * The same, only among one session's entries: the renderer acknowledges for the visit on screen, and a page left
 * from an earlier visit must not mark another visit's readings delivered.
 */
export function markDeliveredOf(db: Db, sessionId: string, kind: OutboxKind, refIds: readonly string[]): number {
  const now = db.now();
  const s = db.stmt(`UPDATE outbox SET delivered_at = ? WHERE kind = ? AND ref_id = ? AND session_id = ? AND delivered_at IS NULL`);
  return db.tx(() => refIds.reduce((n, ref) => n + s.run(now, kind, ref, sessionId).changes, 0));
}

/** An ended visit that a doctor took and that still has readings (or devices and pictures, issue 13) to deliver to that consultation's report. */
export interface UndeliveredVisit {
  sessionId: string;
  consultationId: string;
  /** Readings and devices not delivered yet. */
  pending: number;
}

/**
 * Ended visits with undelivered readings, once per consultation they go to (the call's they were sent in, else the
 * visit's latest), the earliest ended first, then each visit's consultations in the order of their readings.
 */
export function undeliveredVisits(db: Db): UndeliveredVisit[] {
  return db
    .stmt(
      `SELECT s.id AS sessionId, COALESCE(o.consultation_id, s.consultation_id) AS consultationId, COUNT(o.id) AS pending
       FROM sessions s JOIN outbox o ON o.session_id = s.id AND o.kind IN ('observation', 'device', 'media') AND o.delivered_at IS NULL
       WHERE s.ended_at IS NOT NULL AND COALESCE(o.consultation_id, s.consultation_id) IS NOT NULL
       GROUP BY s.id, COALESCE(o.consultation_id, s.consultation_id) ORDER BY s.ended_at, s.rowid, MIN(o.id)`,
    )
    .all() as UndeliveredVisit[];
}

/** Counts a delivery attempt (for backoff and for support: an entry that never goes through). */
export function markAttempt(db: Db, id: number): void {
  db.stmt(`UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE id = ?`).run(db.now(), id);
}

export function pendingCount(db: Db): number {
  return (db.stmt(`SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL`).get() as { n: number }).n;
}
