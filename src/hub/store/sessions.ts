import type { Role } from '../../shared/hub-protocol.ts';
import { MAX_SESSION_S } from '../../shared/hub-protocol.ts';
import { hashKey, newRefreshSecret, newSessionId } from '../secrets.ts';
import type { HubDb } from './db.ts';

/** Login sessions: what a token and a doctor's refresh cookie are bound to, so a logout or a disabled account ends them. */

/** A valid login session (not ended, younger than MAX_SESSION_S, its account not disabled) and its account. */
export interface Session {
  sid: string;
  role: Role;
  subject: string;
  /** The account's current name. */
  name: string;
  /** ms */
  createdAt: number;
}

/** Open login sessions per account (browsers and tabs of one doctor; a cabin needs two while it renews). */
export const MAX_OPEN_SESSIONS = 10;

/**
 * A new login session (sid: 128 random bits); a doctor's also gets a refresh secret (256 bits, returned once, kept
 * as its SHA-256) for the session cookie. Prunes ended and expired sessions first, so the table stays small.
 */
export function createSession(s: HubDb, role: Role, subject: string, opts: { refresh?: boolean } = {}): { sid: string; refresh: string | null; createdAt: number } {
  const sid = newSessionId();
  const refresh = opts.refresh ? newRefreshSecret() : null;
  const createdAt = s.time();
  pruneSessions(s);
  s.db.transaction(() => {
    s.db.prepare('INSERT INTO sessions (id, role, subject, refresh_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(sid, role, subject, refresh === null ? null : hashKey(refresh), createdAt);
    // At most MAX_OPEN_SESSIONS per account: whoever holds a cabin key (or a password) cannot grow the table
    // without bound; the oldest logins end first.
    s.db
      .prepare(
        `UPDATE sessions SET ended_at = ? WHERE id IN (SELECT id FROM sessions WHERE role = ? AND subject = ? AND ended_at IS NULL
         ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
      )
      .run(createdAt, role, subject, MAX_OPEN_SESSIONS);
  }).immediate();
  return { sid, refresh, createdAt };
}

/** The session if it is still valid (not ended, younger than MAX_SESSION_S, account not disabled); else null. */
export function session(s: HubDb, sid: string): Session | null {
  return validSession(s, 's.id = ?', sid);
}

/** The valid session whose refresh secret (the doctor's cookie) this is; else null. */
export function sessionByRefresh(s: HubDb, secret: string): Session | null {
  return validSession(s, 's.refresh_hash = ?', hashKey(secret));
}

/** Ends a session (logout); false if it was not open. */
export function endSession(s: HubDb, sid: string): boolean {
  return s.db.prepare('UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(s.time(), sid).changes === 1;
}

/** Deletes ended sessions and those older than MAX_SESSION_S; returns how many. */
export function pruneSessions(s: HubDb): number {
  return s.db.prepare('DELETE FROM sessions WHERE ended_at IS NOT NULL OR created_at <= ?').run(s.time() - MAX_SESSION_S * 1000).changes;
}

/**
 * Every valid session (as `session` would answer it) as `sid → role:subject`: the heartbeat checks all the open
 * sockets against one answer instead of one query each (at 12 000 sockets, one query each froze the hub).
 */
export function validSessions(s: HubDb): Map<string, string> {
  const rows = s.db
    .prepare(
      `SELECT s.id, s.role, s.subject FROM sessions s
       LEFT JOIN doctors d ON s.role = 'doctor' AND d.id = s.subject AND d.disabled_at IS NULL
       LEFT JOIN cabins c ON s.role = 'cabin' AND c.id = s.subject AND c.disabled_at IS NULL
       WHERE s.ended_at IS NULL AND s.created_at > ? AND COALESCE(d.name, c.name) IS NOT NULL`,
    )
    .all(s.time() - MAX_SESSION_S * 1000) as { id: string; role: Role; subject: string }[];
  return new Map(rows.map((r) => [r.id, `${r.role}:${r.subject}`]));
}

function validSession(s: HubDb, where: string, value: string): Session | null {
  const row = s.db
    .prepare(
      `SELECT s.id, s.role, s.subject, s.created_at, COALESCE(d.name, c.name) AS name FROM sessions s
       LEFT JOIN doctors d ON s.role = 'doctor' AND d.id = s.subject AND d.disabled_at IS NULL
       LEFT JOIN cabins c ON s.role = 'cabin' AND c.id = s.subject AND c.disabled_at IS NULL
       WHERE ${where} AND s.ended_at IS NULL AND s.created_at > ?`,
    )
    .get(value, s.time() - MAX_SESSION_S * 1000) as { id: string; role: Role; subject: string; created_at: number; name: string | null } | undefined;
  return row && row.name !== null ? { sid: row.id, role: row.role, subject: row.subject, name: row.name, createdAt: row.created_at } : null;
}
