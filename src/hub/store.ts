import type Database from 'better-sqlite3';
import { openSqlite } from '../server/sqlite.ts';
import type { ConsultationReport, ConsultationState, QueueItem, ReportReading, Role } from '../shared/hub-protocol.ts';
import { MAX_SESSION_S, ReportReadingSchema } from '../shared/hub-protocol.ts';
import type { Language } from '../shared/language.ts';
import { parseRows } from '../shared/observation.ts';
import { migrate } from './schema.ts';
import { dummyPasswordHash, hashKey, hashPassword, newCabinKey, newSessionId, newRefreshSecret, safeEqual, verifyPassword } from './secrets.ts';

export type { Language };
export type Reading = ReportReading;
export interface Account {
  id: string;
  name: string;
}

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
}

/** A 12-hour consultation at two readings a second: beyond that, the report keeps the first ones. */
export const MAX_REPORT_READINGS = 100_000;
export const MAX_INCIDENTS = 500;
/** Open login sessions per account (browsers and tabs of one doctor; a cabin needs two while it renews). */
export const MAX_OPEN_SESSIONS = 10;

export class HubStoreError extends Error {
  override readonly name = 'HubStoreError';
  constructor(
    readonly code: 'exists' | 'invalid-input' | 'unknown',
    message: string,
  ) {
    super(message);
  }
}

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
export const MIN_PASSWORD_LENGTH = 10;

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
}
const SELECT = `SELECT c.id, c.cabin_id, cab.name AS cabin_name, c.doctor_id, d.name AS doctor_name, c.language, c.state,
  c.created_at, c.claimed_at, c.ended_at, c.cabin_left_at FROM consultations c JOIN cabins cab ON cab.id = c.cabin_id LEFT JOIN doctors d ON d.id = c.doctor_id`;
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
});

function checkAccount(id: string, name: string, what: string): void {
  if (!ACCOUNT_ID.test(id)) throw new HubStoreError('invalid-input', `The ${what} "${id.slice(0, 100)}" is not valid: use 1 to 100 letters, digits, '.', '_', '@' or '-'.`);
  if (name.trim().length === 0 || name.length > 100) throw new HubStoreError('invalid-input', `The name of ${what} ${id} must have 1 to 100 characters.`);
}

/** Accounts, consultations and reports of the hub, in SQLite (WAL, foreign keys). Never logs health data. */
export class HubStore {
  readonly db: Database.Database;

  constructor(
    readonly file: string,
    readonly now: () => number = Date.now,
  ) {
    // Notes, readings and password hashes: readable by the hub's account only.
    this.db = openSqlite(file, { privateFile: true });
    try {
      migrate(this.db, file);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  private time(): number {
    return Math.floor(this.now());
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Creates a doctor (id = username); `replace` sets a new name and password on an existing one. */
  async addDoctor(d: { username: string; name: string; password: string }, opts: { replace?: boolean } = {}): Promise<Account> {
    checkAccount(d.username, d.name, 'username');
    if (d.password.length < MIN_PASSWORD_LENGTH) throw new HubStoreError('invalid-input', `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (d.password.length > 200) throw new HubStoreError('invalid-input', 'The password must have at most 200 characters.');
    const hash = await hashPassword(d.password);
    const exists = this.db.prepare('SELECT 1 FROM doctors WHERE id = ?').get(d.username) !== undefined;
    if (exists && !opts.replace) throw new HubStoreError('exists', `The doctor ${d.username} exists already.`);
    this.db
      .prepare('INSERT INTO doctors (id, name, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash')
      .run(d.username, d.name, hash, this.time());
    return { id: d.username, name: d.name };
  }

  /** Creates a cabin with a new random key, returned once (only its hash is kept); `replace` gives an existing one a new key. */
  /** Adds a cabin with a new random key (or `opts.key`, at least 32 characters, e.g. one the demo launcher made). */
  addCabin(c: { id: string; name: string }, opts: { replace?: boolean; key?: string } = {}): { id: string; name: string; key: string } {
    checkAccount(c.id, c.name, 'cabin id');
    const exists = this.db.prepare('SELECT 1 FROM cabins WHERE id = ?').get(c.id) !== undefined;
    if (exists && !opts.replace) throw new HubStoreError('exists', `The cabin ${c.id} exists already.`);
    if (opts.key !== undefined && !/^[A-Za-z0-9_-]{32,200}$/.test(opts.key)) throw new HubStoreError('invalid-input', 'A cabin key needs at least 32 letters, digits, - or _.');
    const key = opts.key ?? newCabinKey();
    this.db
      .prepare('INSERT INTO cabins (id, name, key_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, key_hash = excluded.key_hash')
      .run(c.id, c.name, hashKey(key), this.time());
    return { id: c.id, name: c.name, key };
  }

  /** The doctor if the password is right; as slow for an unknown username as for a wrong password. */
  async verifyDoctor(username: string, password: string): Promise<Account | null> {
    const row = this.db.prepare('SELECT id, name, password_hash FROM doctors WHERE id = ?').get(username) as
      | { id: string; name: string; password_hash: string }
      | undefined;
    const ok = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()));
    // Checked after the hash (a disabled account answers as slowly as any other) and again after the await.
    return ok && row && this.account('doctor', row.id) ? { id: row.id, name: row.name } : null;
  }

  /** The cabin if the key is right and the cabin is not disabled. */
  verifyCabin(id: string, key: string): Account | null {
    const row = this.db.prepare('SELECT id, name, key_hash, disabled_at FROM cabins WHERE id = ?').get(id) as
      | { id: string; name: string; key_hash: string; disabled_at: number | null }
      | undefined;
    const ok = safeEqual(hashKey(key), row?.key_hash ?? hashKey(`no cabin ${newCabinKey()}`));
    return ok && row && row.disabled_at === null ? { id: row.id, name: row.name } : null;
  }

  /** The account, unless unknown or disabled. */
  account(role: Role, id: string): Account | null {
    const table = role === 'doctor' ? 'doctors' : 'cabins';
    return (this.db.prepare(`SELECT id, name FROM ${table} WHERE id = ? AND disabled_at IS NULL`).get(id) as Account | undefined) ?? null;
  }

  /**
   * Disables an account: it can no longer log in or refresh, and all its sessions end (its open sockets close at the
   * relay's next session check). False if there is no such account; true also when it was disabled already.
   */
  disableAccount(role: Role, id: string): boolean {
    const table = role === 'doctor' ? 'doctors' : 'cabins';
    return this.db.transaction(() => {
      const found = this.db.prepare(`UPDATE ${table} SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?`).run(this.time(), id).changes === 1;
      if (found) this.db.prepare('UPDATE sessions SET ended_at = ? WHERE role = ? AND subject = ? AND ended_at IS NULL').run(this.time(), role, id);
      return found;
    }).immediate();
  }

  /** True if the account exists and is disabled. */
  isDisabled(role: Role, id: string): boolean {
    const table = role === 'doctor' ? 'doctors' : 'cabins';
    const row = this.db.prepare(`SELECT disabled_at FROM ${table} WHERE id = ?`).get(id) as { disabled_at: number | null } | undefined;
    return row !== undefined && row.disabled_at !== null;
  }

  /**
   * A new login session (sid: 128 random bits); a doctor's also gets a refresh secret (256 bits, returned once, kept
   * as its SHA-256) for the session cookie. Prunes ended and expired sessions first, so the table stays small.
   */
  createSession(role: Role, subject: string, opts: { refresh?: boolean } = {}): { sid: string; refresh: string | null; createdAt: number } {
    const sid = newSessionId();
    const refresh = opts.refresh ? newRefreshSecret() : null;
    const createdAt = this.time();
    this.pruneSessions();
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO sessions (id, role, subject, refresh_hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(sid, role, subject, refresh === null ? null : hashKey(refresh), createdAt);
      // At most MAX_OPEN_SESSIONS per account: whoever holds a cabin key (or a password) cannot grow the table
      // without bound; the oldest logins end first.
      this.db
        .prepare(
          `UPDATE sessions SET ended_at = ? WHERE id IN (SELECT id FROM sessions WHERE role = ? AND subject = ? AND ended_at IS NULL
           ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
        )
        .run(createdAt, role, subject, MAX_OPEN_SESSIONS);
    }).immediate();
    return { sid, refresh, createdAt };
  }

  /** The session if it is still valid (not ended, younger than MAX_SESSION_S, account not disabled); else null. */
  session(sid: string): Session | null {
    return this.validSession('s.id = ?', sid);
  }

  /** The valid session whose refresh secret (the doctor's cookie) this is; else null. */
  sessionByRefresh(secret: string): Session | null {
    return this.validSession('s.refresh_hash = ?', hashKey(secret));
  }

  /** Ends a session (logout); false if it was not open. */
  endSession(sid: string): boolean {
    return this.db.prepare('UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(this.time(), sid).changes === 1;
  }

  /** Deletes ended sessions and those older than MAX_SESSION_S; returns how many. */
  pruneSessions(): number {
    return this.db.prepare('DELETE FROM sessions WHERE ended_at IS NOT NULL OR created_at <= ?').run(this.time() - MAX_SESSION_S * 1000).changes;
  }

  private validSession(where: string, value: string): Session | null {
    const row = this.db
      .prepare(
        `SELECT s.id, s.role, s.subject, s.created_at, COALESCE(d.name, c.name) AS name FROM sessions s
         LEFT JOIN doctors d ON s.role = 'doctor' AND d.id = s.subject AND d.disabled_at IS NULL
         LEFT JOIN cabins c ON s.role = 'cabin' AND c.id = s.subject AND c.disabled_at IS NULL
         WHERE ${where} AND s.ended_at IS NULL AND s.created_at > ?`,
      )
      .get(value, this.time() - MAX_SESSION_S * 1000) as { id: string; role: Role; subject: string; created_at: number; name: string | null } | undefined;
    return row && row.name !== null ? { sid: row.id, role: row.role, subject: row.subject, name: row.name, createdAt: row.created_at } : null;
  }

  consultation(id: string): Consultation | null {
    const row = this.db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /**
   * Compare-and-set of a consultation's lifecycle (see hub/consultation/transition.ts): writes `next` only if the row still
   * holds `prev`'s state, doctor and cabin-left mark; false when another writer changed it first.
   */
  update(prev: Consultation, next: Consultation & { notes?: string }): boolean {
    return (
      this.db
        .prepare(
          `UPDATE consultations SET state = ?, doctor_id = ?, claimed_at = ?, ended_at = ?, cabin_left_at = ?, notes = COALESCE(?, notes)
           WHERE id = ? AND state = ? AND doctor_id IS ? AND cabin_left_at IS ?`,
        )
        .run(next.state, next.doctorId, next.claimedAt, next.endedAt, next.cabinLeftAt, next.notes ?? null, prev.id, prev.state, prev.doctorId, prev.cabinLeftAt).changes === 1
    );
  }

  /** Inserts a new waiting consultation unless its cabin has an open one already (then false). */
  insert(c: Consultation): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO consultations (id, cabin_id, language, state, created_at) SELECT ?, ?, ?, 'waiting', ? WHERE NOT EXISTS
           (SELECT 1 FROM consultations WHERE cabin_id = ? AND state IN ('waiting', 'active') AND cabin_left_at IS NULL)`,
        )
        .run(c.id, c.cabinId, c.language, c.createdAt, c.cabinId).changes === 1
    );
  }

  /** Runs `fn` in one immediate transaction, rolled back if it throws. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Open consultations of a cabin (waiting or active) or active ones of a doctor. */
  openFor(role: Role, id: string): Consultation[] {
    const where = role === 'cabin' ? "c.cabin_id = ? AND c.state IN ('waiting', 'active') AND c.cabin_left_at IS NULL" : "c.doctor_id = ? AND c.state = 'active'";
    return (this.db.prepare(`${SELECT} WHERE ${where} ORDER BY c.created_at`).all(id) as Row[]).map(fromRow);
  }

  queue(): QueueItem[] {
    return (this.db.prepare(`${SELECT} WHERE c.state = 'waiting' ORDER BY c.created_at, c.id`).all() as Row[]).map((r) => ({
      consultationId: r.id,
      cabinId: r.cabin_id,
      cabinName: r.cabin_name,
      language: r.language,
      since: r.created_at,
    }));
  }

  /**
   * Stores report readings of an active consultation, each id once (a part sent again adds nothing); at most
   * MAX_REPORT_READINGS per consultation. How many were new (`added`) and how many were not stored because the
   * report is full (`refused`), or null if the consultation is not active.
   */
  addReadings(id: string, readings: readonly Reading[]): { added: number; refused: number } | null {
    return this.db.transaction(() => {
      if (!this.db.prepare("SELECT 1 FROM consultations WHERE id = ? AND state = 'active'").get(id)) return null;
      let room = MAX_REPORT_READINGS - (this.db.prepare('SELECT COUNT(*) AS n FROM report_readings WHERE consultation_id = ?').get(id) as { n: number }).n;
      const insert = this.db.prepare(
        'INSERT OR IGNORE INTO report_readings (consultation_id, id, code, value, unit, t, device_id, measurement_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const exists = this.db.prepare('SELECT 1 FROM report_readings WHERE consultation_id = ? AND id = ?');
      let added = 0;
      let refused = 0;
      for (const r of readings) {
        if (room <= 0) {
          if (!exists.get(id, r.id)) refused++;
          continue;
        }
        const n = insert.run(id, r.id, r.code, r.value, r.unit, r.t, r.deviceId ?? null, r.measurementId ?? null).changes;
        added += n;
        room -= n;
      }
      return { added, refused };
    }).immediate();
  }

  /** Records a technical incident; a consultation keeps at most MAX_INCIDENTS (a flood cannot grow the report). */
  addIncident(id: string, side: Role | 'hub', detail: string): void {
    const n = (this.db.prepare('SELECT COUNT(*) AS n FROM incidents WHERE consultation_id = ?').get(id) as { n: number }).n;
    if (n >= MAX_INCIDENTS) return;
    this.db.prepare('INSERT INTO incidents (consultation_id, t, side, detail) VALUES (?, ?, ?, ?)').run(id, this.time(), side, detail.slice(0, 500));
  }

  report(id: string): ConsultationReport | null {
    const c = this.consultation(id);
    if (!c) return null;
    const extra = this.db.prepare('SELECT notes FROM consultations WHERE id = ?').get(id) as { notes: string };
    const rows = this.db
      .prepare('SELECT id, code, value, unit, t, device_id AS deviceId, measurement_id AS measurementId FROM report_readings WHERE consultation_id = ? ORDER BY t, id')
      .all(id);
    const readings = parseRows(ReportReadingSchema, rows);
    const incidents = this.db.prepare('SELECT t, side, detail FROM incidents WHERE consultation_id = ? ORDER BY id').all(id) as ConsultationReport['incidents'];
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
    };
  }
}
