import { randomUUID } from 'node:crypto';
import type { Language } from '../../shared/bridge.ts';
import { StoreError } from './errors.ts';
import type { Db } from './open.ts';
import { EndReasonSchema, LanguageSchema, parse, type EndReason } from './schema.ts';

export interface SessionRecord {
  id: string;
  startedAt: number;
  consentAt: number | null;
  endedAt: number | null;
  endReason: EndReason | null;
  language: Language;
  /** The hub's consultation a doctor took for this visit (where its outbox is delivered), if any. */
  consultationId: string | null;
}

const COLUMNS = `id, started_at AS startedAt, consent_at AS consentAt, ended_at AS endedAt, end_reason AS endReason, language,
  consultation_id AS consultationId`;

export function createSession(db: Db, language: Language): string {
  const lang = parse(LanguageSchema, language, 'a session language');
  const id = randomUUID();
  db.stmt(`INSERT INTO sessions (id, started_at, language) VALUES (?, ?, ?)`).run(id, db.now(), lang);
  return id;
}

export function getSession(db: Db, id: string): SessionRecord | undefined {
  return db.stmt(`SELECT ${COLUMNS} FROM sessions WHERE id = ?`).get(id) as SessionRecord | undefined;
}

function mustExist(db: Db, id: string): void {
  if (!db.stmt(`SELECT 1 FROM sessions WHERE id = ?`).get(id)) {
    throw new StoreError('unknown-session', `The cabin has no session ${id} (it may have been purged): start a new visit.`);
  }
}

/** The first consent counts; a repeated call changes nothing. */
export function recordConsent(db: Db, id: string): void {
  const r = db.stmt(`UPDATE sessions SET consent_at = ? WHERE id = ? AND consent_at IS NULL`).run(db.now(), id);
  if (r.changes === 0) mustExist(db, id);
}

/** Records the consultation a doctor took for the visit; the latest one counts (a visit has one report). */
export function setConsultation(db: Db, id: string, consultationId: string): void {
  const r = db.stmt(`UPDATE sessions SET consultation_id = ? WHERE id = ?`).run(consultationId, id);
  if (r.changes === 0) mustExist(db, id);
}

/** Ends the session; true if it was open (ending an ended session keeps its first end). */
export function endSession(db: Db, id: string, reason: EndReason): boolean {
  const why = parse(EndReasonSchema, reason, 'an end reason');
  const r = db.stmt(`UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`).run(db.now(), why, id);
  if (r.changes === 0) mustExist(db, id);
  return r.changes > 0;
}

/** The latest session not ended: the one to resume (or close) after a crash or a reload. */
export function openSession(db: Db): SessionRecord | undefined {
  return db.stmt(`SELECT ${COLUMNS} FROM sessions WHERE ended_at IS NULL ORDER BY started_at DESC, rowid DESC LIMIT 1`).get() as
    | SessionRecord
    | undefined;
}
