import type { Role } from '../../shared/hub-protocol.ts';
import { MAX_SESSION_S } from '../../shared/hub-protocol.ts';
import { hashKey, newRefreshSecret, newSessionId } from '../secrets.ts';
import { sql } from 'kysely';
import { inTx, type HubDb } from './db.ts';

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
export async function createSession(s: HubDb, role: Role, subject: string, opts: { refresh?: boolean } = {}): Promise<{ sid: string; refresh: string | null; createdAt: number }> {
  const sid = newSessionId();
  const refresh = opts.refresh ? newRefreshSecret() : null;
  const createdAt = s.time();
  await pruneSessions(s);
  await inTx(s, async (t) => {
    await t.db.insertInto('sessions').values({ id: sid, role, subject, refresh_hash: refresh === null ? null : hashKey(refresh), created_at: createdAt }).execute();
    // At most MAX_OPEN_SESSIONS per account: whoever holds a cabin key (or a password) cannot grow the table
    // without bound; the oldest logins end first (this one is the newest, whatever the clock says of the others).
    const open = await t.db.selectFrom('sessions').select(['id']).where('role', '=', role).where('subject', '=', subject).where('ended_at', 'is', null).where('id', '!=', sid).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    const ending = open.slice(MAX_OPEN_SESSIONS - 1).map((r) => r.id);
    if (ending.length > 0) await t.db.updateTable('sessions').set({ ended_at: createdAt }).where('id', 'in', ending).execute();
  });
  return { sid, refresh, createdAt };
}

/** The session if it is still valid (not ended, younger than MAX_SESSION_S, account not disabled); else null. */
export function session(s: HubDb, sid: string): Promise<Session | null> {
  return validSession(s, 'id', sid);
}

/** The valid session whose refresh secret (the doctor's cookie) this is; else null. */
export function sessionByRefresh(s: HubDb, secret: string): Promise<Session | null> {
  return validSession(s, 'refresh_hash', hashKey(secret));
}

/** Ends a session (logout); false if it was not open. */
export async function endSession(s: HubDb, sid: string): Promise<boolean> {
  const r = await s.db.updateTable('sessions').set({ ended_at: s.time() }).where('id', '=', sid).where('ended_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes ended sessions and those older than MAX_SESSION_S; returns how many. */
export async function pruneSessions(s: HubDb): Promise<number> {
  const r = await s.db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('ended_at', 'is not', null), eb('created_at', '<=', s.time() - MAX_SESSION_S * 1000)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The sessions with their account's current name, when the account is not disabled (the name is null otherwise). */
const withAccount = (s: HubDb) =>
  s.db
    .selectFrom('sessions as s')
    .leftJoin('doctors as d', (j) => j.onRef('d.id', '=', 's.subject').on('s.role', '=', 'doctor').on('d.disabled_at', 'is', null))
    .leftJoin('cabins as c', (j) => j.onRef('c.id', '=', 's.subject').on('s.role', '=', 'cabin').on('c.disabled_at', 'is', null))
    .select(['s.id', 's.role', 's.subject', 's.created_at', sql<string | null>`COALESCE(d.name, c.name)`.as('name')])
    .where('s.ended_at', 'is', null)
    .where('s.created_at', '>', s.time() - MAX_SESSION_S * 1000);

/**
 * The valid sessions (as `session` would answer them) as `sid → role:subject`, among `sids` when given: the heartbeat
 * checks a slice of the open sockets against one answer instead of one query each (at 12 000 sockets, one query each
 * froze the hub; one query for all of them held a SQLite hub's event loop for a tenth of a second).
 */
export async function validSessions(s: HubDb, sids?: readonly string[]): Promise<Map<string, string>> {
  if (sids?.length === 0) return new Map();
  const rows = await (sids ? withAccount(s).where('s.id', 'in', sids) : withAccount(s)).execute();
  return new Map(rows.filter((r) => r.name !== null).map((r) => [r.id, `${r.role}:${r.subject}`]));
}

async function validSession(s: HubDb, by: 'id' | 'refresh_hash', value: string): Promise<Session | null> {
  const row = await withAccount(s).where(`s.${by}`, '=', value).executeTakeFirst();
  return row && row.name !== null ? { sid: row.id, role: row.role, subject: row.subject, name: row.name, createdAt: row.created_at } : null;
}
