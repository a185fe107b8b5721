import { chmodSync, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { z } from 'zod';
import {
  ReportReadingSchema,
  type ConsultationReport,
  type ConsultationState,
  type QueueItem,
  type Role,
} from '../shared/hub-protocol.ts';
import { migrate } from './schema.ts';
import { dummyPasswordHash, hashKey, hashPassword, newCabinKey, safeEqual, verifyPassword } from './secrets.ts';

export type Language = 'fr' | 'en';
export type Reading = z.infer<typeof ReportReadingSchema>;
export interface Account {
  id: string;
  name: string;
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
const MAX_REPORT_READINGS = 100_000;
export const MAX_INCIDENTS = 500;

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
    this.db = new Database(file, { timeout: 5000 });
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('secure_delete = ON');
      migrate(this.db, file);
      // Notes, readings and password hashes: readable by the hub's account only (the WAL files follow the umask).
      if (file !== ':memory:') {
        chmodSync(file, 0o600);
        for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
      }
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
    return ok && row ? { id: row.id, name: row.name } : null;
  }

  verifyCabin(id: string, key: string): Account | null {
    const row = this.db.prepare('SELECT id, name, key_hash FROM cabins WHERE id = ?').get(id) as { id: string; name: string; key_hash: string } | undefined;
    const ok = safeEqual(hashKey(key), row?.key_hash ?? hashKey(`no cabin ${newCabinKey()}`));
    return ok && row ? { id: row.id, name: row.name } : null;
  }

  account(role: Role, id: string): Account | null {
    const table = role === 'doctor' ? 'doctors' : 'cabins';
    return (this.db.prepare(`SELECT id, name FROM ${table} WHERE id = ?`).get(id) as Account | undefined) ?? null;
  }

  consultation(id: string): Consultation | null {
    const row = this.db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** The cabin's open (waiting or active) consultation, or a new waiting one; `created` tells which. */
  requestConsultation(cabinId: string, language: Language): { consultation: Consultation; created: boolean } {
    return this.db.transaction(() => {
      const open = this.db.prepare(`${SELECT} WHERE c.cabin_id = ? AND c.state IN ('waiting', 'active') AND c.cabin_left_at IS NULL`).get(cabinId) as Row | undefined;
      if (open) return { consultation: fromRow(open), created: false };
      const id = randomUUID();
      this.db.prepare("INSERT INTO consultations (id, cabin_id, language, state, created_at) VALUES (?, ?, ?, 'waiting', ?)").run(id, cabinId, language, this.time());
      return { consultation: this.consultation(id)!, created: true };
    }).immediate();
  }

  /** Atomic: true for the one doctor whose update found it still waiting. */
  claim(id: string, doctorId: string): boolean {
    return this.db.prepare("UPDATE consultations SET state = 'active', doctor_id = ?, claimed_at = ? WHERE id = ? AND state = 'waiting'").run(doctorId, this.time(), id).changes === 1;
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

  /** The cabin left an active consultation: it stays open for the doctor's report; false if it was not active. */
  cabinLeft(id: string): boolean {
    return this.db.prepare("UPDATE consultations SET cabin_left_at = ? WHERE id = ? AND state = 'active' AND cabin_left_at IS NULL").run(this.time(), id).changes === 1;
  }

  /** Waiting or active → cancelled; false if it was not open. */
  cancel(id: string): boolean {
    return this.db.prepare("UPDATE consultations SET state = 'cancelled', ended_at = ? WHERE id = ? AND state IN ('waiting', 'active')").run(this.time(), id).changes === 1;
  }

  /** Adds readings to an active consultation's report, each id once; false if it is not active. */
  addReadings(id: string, readings: readonly Reading[]): boolean {
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT readings FROM consultations WHERE id = ? AND state = 'active'").get(id) as { readings: string } | undefined;
      if (!row) return false;
      const parsed = z.array(ReportReadingSchema).safeParse(JSON.parse(row.readings));
      const all = parsed.success ? parsed.data : [];
      const seen = new Set(all.map((r) => r.id));
      for (const r of readings) {
        if (seen.has(r.id) || all.length >= MAX_REPORT_READINGS) continue;
        seen.add(r.id);
        all.push(r);
      }
      this.db.prepare('UPDATE consultations SET readings = ? WHERE id = ?').run(JSON.stringify(all), id);
      return true;
    }).immediate();
  }

  /** Active → ended with the doctor's notes and the last readings; false if it was not active. */
  end(id: string, report: { notes: string; readings: Reading[] }): boolean {
    return this.db.transaction(() => {
      if (!this.addReadings(id, report.readings)) return false;
      return this.db.prepare("UPDATE consultations SET state = 'ended', ended_at = ?, notes = ? WHERE id = ? AND state = 'active'").run(this.time(), report.notes, id).changes === 1;
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
    const extra = this.db.prepare('SELECT notes, readings FROM consultations WHERE id = ?').get(id) as { notes: string; readings: string };
    const readings = z.array(ReportReadingSchema).safeParse(JSON.parse(extra.readings));
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
      readings: readings.success ? readings.data : [],
      incidents,
    };
  }
}
