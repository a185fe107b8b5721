import type Database from 'better-sqlite3';
import { silentLogger, type Logger } from '../server/log.ts';
import { sql } from 'kysely';
import { migrateHubDatabase, openHubDatabase, type HubDatabase, type OpenHubDatabaseOptions } from './db/open.ts';
import type { ConsultationReport, QueueItem, Role } from '../shared/hub-protocol.ts';
import type { PastConsultation } from '../shared/past-consultations.ts';
import type { PatientIdentity } from '../shared/patient-identity.ts';
import type { PlethExcerpt, VisitDevice } from '../shared/visit-devices.ts';
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
import { inTx, type HubDb } from './store/db.ts';
import { GroupCommit } from './store/group-commit.ts';
import type { HubTables } from './db/tables.ts';
import * as reports from './store/reports.ts';
import type { Reading } from './store/reports.ts';
import * as sessions from './store/sessions.ts';
import type { Session } from './store/sessions.ts';

export { HubStoreError, MIN_PASSWORD_LENGTH, type Account } from './store/accounts.ts';
export type { Consultation } from './store/consultations.ts';
export type { FiledPatient, PatientChange } from './store/patients.ts';
export { MAX_INCIDENTS, MAX_REPORT_READINGS, type Reading } from './store/reports.ts';
export { MAX_OPEN_SESSIONS, type Session } from './store/sessions.ts';

/** The writes of a consultation's transition, inside one transaction (HubStore.transaction). */
export interface HubTx {
  insert(c: Consultation): Promise<boolean>;
  update(prev: Consultation, next: Consultation & { notes?: string }): Promise<boolean>;
  addIncident(id: string, side: Role | 'hub', detail: string): Promise<void>;
  addReadings(id: string, readings: readonly Reading[]): Promise<{ added: number; refused: number } | null>;
}

/**
 * Accounts, login sessions, consultations and reports of the hub (issue 14: one set of queries, Kysely, for both
 * engines): in an embedded SQLite file (WAL, foreign keys, one connection) on one machine, or in PostgreSQL for the
 * nodes of a region. The work is done by the parts in store/. Never logs health data.
 */
export class HubStore {
  private readonly s: HubDb;
  /** SQLite: the lifecycle's transactions that arrive together share one commit (store/group-commit.ts). */
  private readonly group: GroupCommit<HubTables> | undefined;

  private constructor(
    private readonly h: HubDatabase,
    readonly now: () => number,
    log: Logger,
  ) {
    this.s = { db: h.db, engine: h.engine, time: () => Math.floor(this.now()), log };
    this.group = h.engine === 'sqlite' ? new GroupCommit(h.db) : undefined;
  }

  /**
   * Opens and migrates the hub's database (db/open.ts): a SQLite file path (`:memory:` for a throwaway one) or a
   * `postgres://` URL. A database that existed is never recreated empty; a damaged file, one of a newer hub or a server
   * that cannot be reached is refused here with what to do, not at the first login.
   */
  static async open(target: string, now: () => number = Date.now, log: Logger = silentLogger(), opts: OpenHubDatabaseOptions = {}): Promise<HubStore> {
    const h = await openHubDatabase(target, { ...opts, log: opts.log ?? log });
    try {
      await migrateHubDatabase(h);
    } catch (err) {
      await h.close();
      throw err;
    }
    return new HubStore(h, now, log);
  }

  get engine(): 'sqlite' | 'postgres' {
    return this.h.engine;
  }

  /** The SQLite file's own connection (tests, the operator's checks); a PostgreSQL store has none. */
  get db(): Database.Database {
    if (this.h.engine !== 'sqlite') throw new Error('This hub store is on PostgreSQL: it has no SQLite connection.');
    return this.h.sqlite;
  }

  /** The Kysely database both engines answer (the FHIR push queue, tests). */
  get kysely(): HubDb {
    return this.s;
  }

  /** The SQLite file (`:memory:` for a throwaway one); a PostgreSQL store has none. */
  get file(): string {
    if (this.h.target.engine !== 'sqlite') throw new Error('This hub store is on PostgreSQL: it has no file.');
    return this.h.target.file;
  }

  /** Where it is, never a password (`user@host:port/db` or the file). */
  get where(): string {
    return this.h.target.engine === 'postgres' ? this.h.target.describe : this.h.target.file;
  }

  async close(): Promise<void> {
    await this.h.close();
  }

  /**
   * Runs `fn` in one transaction, on a handle whose calls run inside it; committed when `fn` resolves, rolled back
   * when it throws. SQLite: the one connection is held meanwhile (the other calls wait), and transactions that arrive
   * while one is written share the next commit, each in its savepoint (GroupCommit); PostgreSQL: one of the pool's.
   */
  transaction<T>(fn: (tx: HubTx) => Promise<T>): Promise<T> {
    const run = (t: HubDb) =>
      fn({
        insert: (c) => consultations.insert(t, c),
        update: (prev, next) => consultations.update(t, prev, next),
        addIncident: (id, side, detail) => reports.addIncident(t, id, side, detail),
        addReadings: (id, readings) => reports.addReadings(t, id, readings),
      });
    if (this.group && !this.s.db.isTransaction) return this.group.run((trx) => run({ ...this.s, db: trx }));
    return inTx(this.s, run);
  }

  /** Answers when the database does (the node's `/readyz`); throws what it fails with. */
  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.s.db);
  }

  // Accounts (store/accounts.ts)
  addDoctor(d: { username: string; name: string; password: string }, opts: { replace?: boolean } = {}): Promise<Account> {
    return accounts.addDoctor(this.s, d, opts);
  }
  async addCabin(c: { id: string; name: string }, opts: { replace?: boolean; key?: string } = {}): Promise<Account & { key: string }> {
    return accounts.addCabin(this.s, c, opts);
  }
  verifyDoctor(username: string, password: string): Promise<Account | null> {
    return accounts.verifyDoctor(this.s, username, password);
  }
  async verifyCabin(id: string, key: string): Promise<Account | null> {
    return accounts.verifyCabin(this.s, id, key);
  }
  async account(role: Role, id: string): Promise<Account | null> {
    return accounts.account(this.s, role, id);
  }
  async disableAccount(role: Role, id: string): Promise<boolean> {
    return accounts.disableAccount(this.s, role, id);
  }
  async isDisabled(role: Role, id: string): Promise<boolean> {
    return accounts.isDisabled(this.s, role, id);
  }

  // Login sessions (store/sessions.ts)
  async createSession(role: Role, subject: string, opts: { refresh?: boolean } = {}): Promise<{ sid: string; refresh: string | null; createdAt: number }> {
    return sessions.createSession(this.s, role, subject, opts);
  }

  /** Every valid login session as `sid → role:subject`, in one query (the heartbeat's check of all the open sockets). */
  async validSessions(sids?: readonly string[]): Promise<Map<string, string>> {
    return sessions.validSessions(this.s, sids);
  }
  async session(sid: string): Promise<Session | null> {
    return sessions.session(this.s, sid);
  }
  async sessionByRefresh(secret: string): Promise<Session | null> {
    return sessions.sessionByRefresh(this.s, secret);
  }
  async endSession(sid: string): Promise<boolean> {
    return sessions.endSession(this.s, sid);
  }
  async pruneSessions(): Promise<number> {
    return sessions.pruneSessions(this.s);
  }

  // Consultations (store/consultations.ts)
  async consultation(id: string): Promise<Consultation | null> {
    return consultations.consultation(this.s, id);
  }
  async update(prev: Consultation, next: Consultation & { notes?: string }): Promise<boolean> {
    return consultations.update(this.s, prev, next);
  }
  async insert(c: Consultation): Promise<boolean> {
    return consultations.insert(this.s, c);
  }
  async openFor(role: Role, id: string): Promise<Consultation[]> {
    return consultations.openFor(this.s, role, id);
  }
  /** openFor of many accounts of one role in one query (a crowd reconnecting): by id, only those with one open. */
  async openForMany(role: Role, ids: readonly string[]): Promise<Map<string, Consultation[]>> {
    return consultations.openForMany(this.s, role, ids);
  }
  async queue(): Promise<QueueItem[]> {
    return consultations.queue(this.s);
  }
  /** Open consultations whose cabin has not left them: the relay's sweep at start. */
  async openOfCabins(): Promise<Consultation[]> {
    return consultations.openOfCabins(this.s);
  }

  // Reports (store/reports.ts)
  async addReadings(id: string, readings: readonly Reading[]): Promise<{ added: number; refused: number } | null> {
    return reports.addReadings(this.s, id, readings);
  }
  /** A cabin's own readings for its consultation's report (its outbox after the visit): reports.addCabinReadings. */
  async addCabinReadings(cabinId: string, id: string, readings: readonly Reading[]): Promise<ReturnType<typeof reports.addCabinReadings>> {
    return reports.addCabinReadings(this.s, cabinId, id, readings);
  }
  /** A device of the cabin's own consultation, as the cabin describes it (store/devices.ts); sent again, it replaces it. */
  async addCabinDevice(cabinId: string, id: string, device: VisitDevice): Promise<ReturnType<typeof devices.addCabinDevice>> {
    return devices.addCabinDevice(this.s, cabinId, id, device);
  }
  /** A pleth excerpt of the cabin's own consultation (store/devices.ts), kept once. */
  async addCabinPleth(cabinId: string, id: string, excerpt: PlethExcerpt): Promise<ReturnType<typeof devices.addCabinPleth>> {
    return devices.addCabinPleth(this.s, cabinId, id, excerpt);
  }
  /** A passage of the live pleth the doctor marked in their own active consultation (store/devices.ts), kept once. */
  async addDoctorPleth(doctorId: string, id: string, excerpt: PlethExcerpt): Promise<ReturnType<typeof devices.addDoctorPleth>> {
    return devices.addDoctorPleth(this.s, doctorId, id, excerpt);
  }
  /** Forgets a passage the doctor marked, while their consultation is active (store/devices.ts). */
  async removeDoctorPleth(doctorId: string, id: string, key: { deviceId: string; t: number; count: number }): Promise<ReturnType<typeof devices.removeDoctorPleth>> {
    return devices.removeDoctorPleth(this.s, doctorId, id, key);
  }
  /** An otoscope snapshot of the cabin's own consultation (store/media.ts), kept once by its media id. */
  async addCabinMedia(cabinId: string, id: string, m: Omit<HubMedia, 'sha1'>): Promise<ReturnType<typeof media.addCabinMedia>> {
    return media.addCabinMedia(this.s, cabinId, id, m);
  }
  /** Whether the cabin may send pictures to this consultation (null: it may), checked before their bytes are read. */
  async cabinMayAddMedia(cabinId: string, id: string): Promise<ReturnType<typeof media.cabinMayAddMedia>> {
    return media.cabinMayAddMedia(this.s, cabinId, id);
  }
  /** The consultation's pictures, in the order taken. */
  async consultationMedia(id: string): Promise<HubMedia[]> {
    return media.consultationMedia(this.s, id);
  }
  async addIncident(id: string, side: Role | 'hub', detail: string): Promise<void> {
    return reports.addIncident(this.s, id, side, detail);
  }
  /** A doctor's ended consultations, newest first. */
  async doctorConsultations(doctorId: string, limit: number): Promise<PastConsultation[]> {
    return history.doctorConsultations(this.s, doctorId, limit);
  }

  /** The consultation that ended last, or null. */
  async lastEndedConsultation(): Promise<string | null> {
    return history.lastEnded(this.s);
  }

  async report(id: string): Promise<ConsultationReport | null> {
    return reports.report(this.s, id);
  }

  // Patient identity (store/patients.ts)
  /** The filed identity with its date and doctor; null when none, or its row cannot be read (logged). */
  async filedPatient(id: string): Promise<FiledPatient | null> {
    return patients.filedPatient(this.s, id);
  }
  async patientIdentity(id: string): Promise<PatientIdentity | null> {
    return patients.patientIdentity(this.s, id);
  }
  /** Files it and, when it changed, adds the change to the report's incidents, in one transaction; null: no consultation. */
  async setPatientIdentity(id: string, identity: PatientIdentity, by: string): Promise<PatientChange | null> {
    return inTx(this.s, async (t) => {
      const change = await patients.setPatientIdentity(t, id, identity, by);
      if (change?.audit) await reports.addIncident(t, id, 'doctor', change.audit);
      return change;
    });
  }
  /** The identity a cabin's assistant filed for the cabin's own consultation (the doctor's stands): store/cabin-patients.ts. */
  async fileCabinPatient(cabinId: string, id: string, identity: PatientIdentity): Promise<cabinPatients.CabinPatientResult> {
    return cabinPatients.fileCabinPatient(this.s, cabinId, id, identity);
  }
}
