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

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in one immediate transaction, rolled back if it throws. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // Accounts (store/accounts.ts)
  addDoctor(d: { username: string; name: string; password: string }, opts: { replace?: boolean } = {}): Promise<Account> {
    return accounts.addDoctor(this.s, d, opts);
  }
  addCabin(c: { id: string; name: string }, opts: { replace?: boolean; key?: string } = {}): Account & { key: string } {
    return accounts.addCabin(this.s, c, opts);
  }
  verifyDoctor(username: string, password: string): Promise<Account | null> {
    return accounts.verifyDoctor(this.s, username, password);
  }
  verifyCabin(id: string, key: string): Account | null {
    return accounts.verifyCabin(this.s, id, key);
  }
  account(role: Role, id: string): Account | null {
    return accounts.account(this.s, role, id);
  }
  disableAccount(role: Role, id: string): boolean {
    return accounts.disableAccount(this.s, role, id);
  }
  isDisabled(role: Role, id: string): boolean {
    return accounts.isDisabled(this.s, role, id);
  }

  // Login sessions (store/sessions.ts)
  createSession(role: Role, subject: string, opts: { refresh?: boolean } = {}): { sid: string; refresh: string | null; createdAt: number } {
    return sessions.createSession(this.s, role, subject, opts);
  }

  /** Every valid login session as `sid → role:subject`, in one query (the heartbeat's check of all the open sockets). */
  validSessions(): Map<string, string> {
    return sessions.validSessions(this.s);
  }
  session(sid: string): Session | null {
    return sessions.session(this.s, sid);
  }
  sessionByRefresh(secret: string): Session | null {
    return sessions.sessionByRefresh(this.s, secret);
  }
  endSession(sid: string): boolean {
    return sessions.endSession(this.s, sid);
  }
  pruneSessions(): number {
    return sessions.pruneSessions(this.s);
  }

  // Consultations (store/consultations.ts)
  consultation(id: string): Consultation | null {
    return consultations.consultation(this.s, id);
  }
  update(prev: Consultation, next: Consultation & { notes?: string }): boolean {
    return consultations.update(this.s, prev, next);
  }
  insert(c: Consultation): boolean {
    return consultations.insert(this.s, c);
  }
  openFor(role: Role, id: string): Consultation[] {
    return consultations.openFor(this.s, role, id);
  }
  queue(): QueueItem[] {
    return consultations.queue(this.s);
  }
  /** Open consultations whose cabin has not left them: the relay's sweep at start. */
  openOfCabins(): Consultation[] {
    return consultations.openOfCabins(this.s);
  }

  // Reports (store/reports.ts)
  addReadings(id: string, readings: readonly Reading[]): { added: number; refused: number } | null {
    return reports.addReadings(this.s, id, readings);
  }
  /** A cabin's own readings for its consultation's report (its outbox after the visit): reports.addCabinReadings. */
  addCabinReadings(cabinId: string, id: string, readings: readonly Reading[]): ReturnType<typeof reports.addCabinReadings> {
    return reports.addCabinReadings(this.s, cabinId, id, readings);
  }
  /** A device of the cabin's own consultation, as the cabin describes it (store/devices.ts); sent again, it replaces it. */
  addCabinDevice(cabinId: string, id: string, device: VisitDevice): ReturnType<typeof devices.addCabinDevice> {
    return devices.addCabinDevice(this.s, cabinId, id, device);
  }
  /** A pleth excerpt of the cabin's own consultation (store/devices.ts), kept once. */
  addCabinPleth(cabinId: string, id: string, excerpt: PlethExcerpt): ReturnType<typeof devices.addCabinPleth> {
    return devices.addCabinPleth(this.s, cabinId, id, excerpt);
  }
  /** A passage of the live pleth the doctor marked in their own active consultation (store/devices.ts), kept once. */
  addDoctorPleth(doctorId: string, id: string, excerpt: PlethExcerpt): ReturnType<typeof devices.addDoctorPleth> {
    return devices.addDoctorPleth(this.s, doctorId, id, excerpt);
  }
  /** Forgets a passage the doctor marked, while their consultation is active (store/devices.ts). */
  removeDoctorPleth(doctorId: string, id: string, key: { deviceId: string; t: number; count: number }): ReturnType<typeof devices.removeDoctorPleth> {
    return devices.removeDoctorPleth(this.s, doctorId, id, key);
  }
  /** An otoscope snapshot of the cabin's own consultation (store/media.ts), kept once by its media id. */
  addCabinMedia(cabinId: string, id: string, m: Omit<HubMedia, 'sha1'>): ReturnType<typeof media.addCabinMedia> {
    return media.addCabinMedia(this.s, cabinId, id, m);
  }
  /** Whether the cabin may send pictures to this consultation (null: it may), checked before their bytes are read. */
  cabinMayAddMedia(cabinId: string, id: string): ReturnType<typeof media.cabinMayAddMedia> {
    return media.cabinMayAddMedia(this.s, cabinId, id);
  }
  /** The consultation's pictures, in the order taken. */
  consultationMedia(id: string): HubMedia[] {
    return media.consultationMedia(this.s, id);
  }
  addIncident(id: string, side: Role | 'hub', detail: string): void {
    reports.addIncident(this.s, id, side, detail);
  }
  /** A doctor's ended consultations, newest first. */
  doctorConsultations(doctorId: string, limit: number): PastConsultation[] {
    return history.doctorConsultations(this.s, doctorId, limit);
  }

  /** The consultation that ended last, or null. */
  lastEndedConsultation(): string | null {
    return history.lastEnded(this.s);
  }

  report(id: string): ConsultationReport | null {
    return reports.report(this.s, id);
  }

  // Patient identity (store/patients.ts)
  /** The filed identity with its date and doctor; null when none, or its row cannot be read (logged). */
  filedPatient(id: string): FiledPatient | null {
    return patients.filedPatient(this.s, id);
  }
  patientIdentity(id: string): PatientIdentity | null {
    return patients.patientIdentity(this.s, id);
  }
  /** Files it and, when it changed, adds the change to the report's incidents, in one transaction; null: no consultation. */
  setPatientIdentity(id: string, identity: PatientIdentity, by: string): PatientChange | null {
    return this.transaction(() => {
      const change = patients.setPatientIdentity(this.s, id, identity, by);
      if (change?.audit) reports.addIncident(this.s, id, 'doctor', change.audit);
      return change;
    });
  }
  /** The identity a cabin's assistant filed for the cabin's own consultation (the doctor's stands): store/cabin-patients.ts. */
  fileCabinPatient(cabinId: string, id: string, identity: PatientIdentity): cabinPatients.CabinPatientResult {
    return cabinPatients.fileCabinPatient(this.s, cabinId, id, identity);
  }
}
