import type Database from 'better-sqlite3';
import { silentLogger, type Logger } from '../server/log.ts';
import { openSqlite } from '../server/sqlite.ts';
import type { ConsultationReport, QueueItem, Role } from '../shared/hub-protocol.ts';
import type { PastConsultation } from '../shared/past-consultations.ts';
import type { PatientIdentity } from '../shared/patient-identity.ts';
import type { PlethExcerpt, VisitDevice } from '../shared/visit-devices.ts';
import { migrate } from './schema.ts';
import * as accounts from './store/accounts.ts';
import type { Account } from './store/accounts.ts';
import * as consultations from './store/consultations.ts';
import * as devices from './store/devices.ts';
import * as history from './store/history.ts';
import * as media from './store/media.ts';
import type { HubMedia } from './store/media.ts';
import * as patients from './store/patients.ts';
import * as cabinPatients from './store/cabin-patients.ts';
import type { FiledPatient, PatientChange } from './store/patients.ts';
import type { Consultation } from './store/consultations.ts';
import type { HubDb } from './store/db.ts';
import * as reports from './store/reports.ts';
import type { Reading } from './store/reports.ts';
import * as sessions from './store/sessions.ts';
import type { Session } from './store/sessions.ts';

export { HubStoreError, MIN_PASSWORD_LENGTH, type Account } from './store/accounts.ts';
export type { Consultation } from './store/consultations.ts';
export type { FiledPatient, PatientChange } from './store/patients.ts';
export { MAX_INCIDENTS, MAX_REPORT_READINGS, type Reading } from './store/reports.ts';
export { MAX_OPEN_SESSIONS, type Session } from './store/sessions.ts';

/** Statements kept at most, by their SQL text (the store's are a few dozen fixed strings). */
const STATEMENT_CACHE = 256;

/**
 * Makes `db.prepare` hand back the statement already compiled for the same SQL: compiling costs tens of µs, and the
 * relay asks the store on every message and heartbeat (issue 14's profile: the heartbeat's session check rebuilt its
 * statement for each of thousands of sockets). Safe here because no part of the store changes a statement's mode
 * (pluck, raw, expand) nor iterates one while running it again.
 */
function cacheStatements(db: Database.Database): void {
  const compile = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let st = cache.get(sql);
    if (!st) {
      if (cache.size >= STATEMENT_CACHE) cache.clear();
      st = compile(sql);
      cache.set(sql, st);
    }
    return st;
  }) as Database.Database['prepare'];
}

/** The writes of a consultation's transition, inside one transaction (HubStore.transaction). */
export interface HubTx {
  insert(c: Consultation): Promise<boolean>;
  update(prev: Consultation, next: Consultation & { notes?: string }): Promise<boolean>;
  addIncident(id: string, side: Role | 'hub', detail: string): Promise<void>;
  addReadings(id: string, readings: readonly Reading[]): Promise<{ added: number; refused: number } | null>;
}

/**
 * Accounts, login sessions, consultations and reports of the hub, in SQLite (WAL, foreign keys): one connection, the
 * work done by the parts in store/. Never logs health data.
 */
export class HubStore {
  readonly db: Database.Database;
  private readonly s: HubDb;

  constructor(
    readonly file: string,
    readonly now: () => number = Date.now,
    log: Logger = silentLogger(),
  ) {
    // Notes, readings and password hashes: readable by the hub's account only.
    // A database that existed is never recreated empty, and a damaged one is refused here, not at the first login.
    this.db = openSqlite(file, { privateFile: true, owner: 'hub' });
    try {
      migrate(this.db, file);
    } catch (err) {
      this.db.close();
      throw err;
    }
    cacheStatements(this.db);
    this.s = { db: this.db, time: () => Math.floor(this.now()), log };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Set while a transaction runs (`transaction`): every other call of the store waits for its end. */
  private open: Promise<void> | undefined;

  /**
   * Runs `f` on the connection when no transaction is open: an async transaction spans several turns of the event
   * loop's microtasks, and another caller's query must not run inside it (rolled back with it, or seeing its rows
   * before they are committed). The queries themselves are synchronous (better-sqlite3), so no one waits otherwise.
   */
  private async use<T>(f: () => T | Promise<T>): Promise<T> {
    while (this.open) await this.open;
    return f();
  }

  /**
   * Runs `fn` in one immediate transaction, on a handle whose calls run inside it; committed when `fn` resolves,
   * rolled back when it throws. One at a time: others (and every other call of the store) wait.
   */
  async transaction<T>(fn: (tx: HubTx) => Promise<T>): Promise<T> {
    while (this.open) await this.open;
    let release!: () => void;
    this.open = new Promise<void>((resolve) => (release = resolve));
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const value = await fn(this.tx);
        this.db.exec('COMMIT');
        return value;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.open = undefined;
      release();
    }
  }

  /** What a transaction may do (consultation/commit.ts): the same parts, without waiting for the transaction itself. */
  private readonly tx: HubTx = {
    insert: async (c) => consultations.insert(this.s, c),
    update: async (prev, next) => consultations.update(this.s, prev, next),
    addIncident: async (id, side, detail) => reports.addIncident(this.s, id, side, detail),
    addReadings: async (id, readings) => reports.addReadings(this.s, id, readings),
  };

  /** Answers when the database does (the node's `/readyz`); throws what it fails with. */
  async ping(): Promise<void> {
    return this.use(() => void this.db.prepare('SELECT 1').get());
  }

  // Accounts (store/accounts.ts)
  addDoctor(d: { username: string; name: string; password: string }, opts: { replace?: boolean } = {}): Promise<Account> {
    return this.use(() => accounts.addDoctor(this.s, d, opts));
  }
  async addCabin(c: { id: string; name: string }, opts: { replace?: boolean; key?: string } = {}): Promise<Account & { key: string }> {
    return this.use(() => accounts.addCabin(this.s, c, opts));
  }
  verifyDoctor(username: string, password: string): Promise<Account | null> {
    return this.use(() => accounts.verifyDoctor(this.s, username, password));
  }
  async verifyCabin(id: string, key: string): Promise<Account | null> {
    return this.use(() => accounts.verifyCabin(this.s, id, key));
  }
  async account(role: Role, id: string): Promise<Account | null> {
    return this.use(() => accounts.account(this.s, role, id));
  }
  async disableAccount(role: Role, id: string): Promise<boolean> {
    return this.use(() => accounts.disableAccount(this.s, role, id));
  }
  async isDisabled(role: Role, id: string): Promise<boolean> {
    return this.use(() => accounts.isDisabled(this.s, role, id));
  }

  // Login sessions (store/sessions.ts)
  async createSession(role: Role, subject: string, opts: { refresh?: boolean } = {}): Promise<{ sid: string; refresh: string | null; createdAt: number }> {
    return this.use(() => sessions.createSession(this.s, role, subject, opts));
  }

  /** Every valid login session as `sid → role:subject`, in one query (the heartbeat's check of all the open sockets). */
  async validSessions(): Promise<Map<string, string>> {
    return this.use(() => sessions.validSessions(this.s));
  }
  async session(sid: string): Promise<Session | null> {
    return this.use(() => sessions.session(this.s, sid));
  }
  async sessionByRefresh(secret: string): Promise<Session | null> {
    return this.use(() => sessions.sessionByRefresh(this.s, secret));
  }
  async endSession(sid: string): Promise<boolean> {
    return this.use(() => sessions.endSession(this.s, sid));
  }
  async pruneSessions(): Promise<number> {
    return this.use(() => sessions.pruneSessions(this.s));
  }

  // Consultations (store/consultations.ts)
  async consultation(id: string): Promise<Consultation | null> {
    return this.use(() => consultations.consultation(this.s, id));
  }
  async update(prev: Consultation, next: Consultation & { notes?: string }): Promise<boolean> {
    return this.use(() => consultations.update(this.s, prev, next));
  }
  async insert(c: Consultation): Promise<boolean> {
    return this.use(() => consultations.insert(this.s, c));
  }
  async openFor(role: Role, id: string): Promise<Consultation[]> {
    return this.use(() => consultations.openFor(this.s, role, id));
  }
  async queue(): Promise<QueueItem[]> {
    return this.use(() => consultations.queue(this.s));
  }
  /** Open consultations whose cabin has not left them: the relay's sweep at start. */
  async openOfCabins(): Promise<Consultation[]> {
    return this.use(() => consultations.openOfCabins(this.s));
  }

  // Reports (store/reports.ts)
  async addReadings(id: string, readings: readonly Reading[]): Promise<{ added: number; refused: number } | null> {
    return this.use(() => reports.addReadings(this.s, id, readings));
  }
  /** A cabin's own readings for its consultation's report (its outbox after the visit): reports.addCabinReadings. */
  async addCabinReadings(cabinId: string, id: string, readings: readonly Reading[]): Promise<ReturnType<typeof reports.addCabinReadings>> {
    return this.use(() => reports.addCabinReadings(this.s, cabinId, id, readings));
  }
  /** A device of the cabin's own consultation, as the cabin describes it (store/devices.ts); sent again, it replaces it. */
  async addCabinDevice(cabinId: string, id: string, device: VisitDevice): Promise<ReturnType<typeof devices.addCabinDevice>> {
    return this.use(() => devices.addCabinDevice(this.s, cabinId, id, device));
  }
  /** A pleth excerpt of the cabin's own consultation (store/devices.ts), kept once. */
  async addCabinPleth(cabinId: string, id: string, excerpt: PlethExcerpt): Promise<ReturnType<typeof devices.addCabinPleth>> {
    return this.use(() => devices.addCabinPleth(this.s, cabinId, id, excerpt));
  }
  /** A passage of the live pleth the doctor marked in their own active consultation (store/devices.ts), kept once. */
  async addDoctorPleth(doctorId: string, id: string, excerpt: PlethExcerpt): Promise<ReturnType<typeof devices.addDoctorPleth>> {
    return this.use(() => devices.addDoctorPleth(this.s, doctorId, id, excerpt));
  }
  /** Forgets a passage the doctor marked, while their consultation is active (store/devices.ts). */
  async removeDoctorPleth(doctorId: string, id: string, key: { deviceId: string; t: number; count: number }): Promise<ReturnType<typeof devices.removeDoctorPleth>> {
    return this.use(() => devices.removeDoctorPleth(this.s, doctorId, id, key));
  }
  /** An otoscope snapshot of the cabin's own consultation (store/media.ts), kept once by its media id. */
  async addCabinMedia(cabinId: string, id: string, m: Omit<HubMedia, 'sha1'>): Promise<ReturnType<typeof media.addCabinMedia>> {
    return this.use(() => media.addCabinMedia(this.s, cabinId, id, m));
  }
  /** Whether the cabin may send pictures to this consultation (null: it may), checked before their bytes are read. */
  async cabinMayAddMedia(cabinId: string, id: string): Promise<ReturnType<typeof media.cabinMayAddMedia>> {
    return this.use(() => media.cabinMayAddMedia(this.s, cabinId, id));
  }
  /** The consultation's pictures, in the order taken. */
  async consultationMedia(id: string): Promise<HubMedia[]> {
    return this.use(() => media.consultationMedia(this.s, id));
  }
  async addIncident(id: string, side: Role | 'hub', detail: string): Promise<void> {
    return this.use(() => reports.addIncident(this.s, id, side, detail));
  }
  /** A doctor's ended consultations, newest first. */
  async doctorConsultations(doctorId: string, limit: number): Promise<PastConsultation[]> {
    return this.use(() => history.doctorConsultations(this.s, doctorId, limit));
  }

  /** The consultation that ended last, or null. */
  async lastEndedConsultation(): Promise<string | null> {
    return this.use(() => history.lastEnded(this.s));
  }

  async report(id: string): Promise<ConsultationReport | null> {
    return this.use(() => reports.report(this.s, id));
  }

  // Patient identity (store/patients.ts)
  /** The filed identity with its date and doctor; null when none, or its row cannot be read (logged). */
  async filedPatient(id: string): Promise<FiledPatient | null> {
    return this.use(() => patients.filedPatient(this.s, id));
  }
  async patientIdentity(id: string): Promise<PatientIdentity | null> {
    return this.use(() => patients.patientIdentity(this.s, id));
  }
  /** Files it and, when it changed, adds the change to the report's incidents, in one transaction; null: no consultation. */
  async setPatientIdentity(id: string, identity: PatientIdentity, by: string): Promise<PatientChange | null> {
    return this.transaction(async () => {
      const change = patients.setPatientIdentity(this.s, id, identity, by);
      if (change?.audit) reports.addIncident(this.s, id, 'doctor', change.audit);
      return change;
    });
  }
  /** The identity a cabin's assistant filed for the cabin's own consultation (the doctor's stands): store/cabin-patients.ts. */
  async fileCabinPatient(cabinId: string, id: string, identity: PatientIdentity): Promise<cabinPatients.CabinPatientResult> {
    return this.use(() => cabinPatients.fileCabinPatient(this.s, cabinId, id, identity));
  }
}
