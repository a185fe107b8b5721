import type { Language } from '../../shared/bridge.ts';
import type { WireReading } from '../../shared/observation.ts';
import { integrityCheck } from '../../server/sqlite.ts';
import { audit, auditTrail, lastAuditId, type AuditFilter, type AuditRecord } from './audit.ts';
import { advanceBleMark, assignBle, bleAssignments, bleMarks, unassignBle, type BleAssignment, type BleRecordMark } from './ble.ts';
import { guard } from './errors.ts';
import { addMedia, getMedia, mediaOf, type MediaRecord } from './media.ts';
import { migrate } from './migrations.ts';
import { addObservation, observationsOf, type ObservationRecord } from './observations.ts';
import { openDatabase, type Db, type OpenOptions } from './open.ts';
import {
  enqueue,
  markAttempt,
  markDelivered,
  markDeliveredByRef,
  markDeliveredOf,
  pending,
  pendingCount,
  pendingOf,
  pendingPage,
  markSentInCall,
  noteDevice,
  pendingDevices,
  pendingMedia,
  pendingReadings,
  dropPending,
  undeliveredVisits,
  type EnqueueInput,
  type OutboxEntry,
  type UndeliveredVisit,
} from './outbox.ts';
import { purge, type PurgeCounts, type PurgeLimits } from './purge.ts';
import type { AuditEntry, EndReason, MediaInput, ObservationInput, OutboxKind, WaveformInput } from './schema.ts';
import { createSession, endSession, getSession, openSession, recordConsent, setConsultation, type SessionRecord } from './sessions.ts';
import { addWaveformChunk, waveformsOf, type WaveformRecord } from './waveforms.ts';

export { StoreError, type StoreErrorCode } from './errors.ts';
export { SCHEMA_VERSION } from './migrations.ts';
export type { OpenOptions } from './open.ts';
export type * from './schema.ts';
export type { BleAssignment, BleRecordMark };
export type { AuditFilter, AuditRecord, EnqueueInput, MediaRecord, ObservationRecord, OutboxEntry, PurgeCounts, PurgeLimits, SessionRecord, UndeliveredVisit, WaveformRecord };

/**
 * The cabin's SQLite store: sessions and what was measured in them, the outbox of what must still be
 * delivered, and the audit log. Synchronous (better-sqlite3): a call returns once its data is on disk.
 * Every failure is a StoreError with a code and a sentence a person can act on.
 */
export class Store {
  private closed = false;

  constructor(private readonly db: Db) {}

  get file(): string {
    return this.db.file;
  }

  // Sessions
  createSession(language: Language): string {
    return this.run(() => createSession(this.db, language));
  }
  recordConsent(sessionId: string): void {
    this.run(() => recordConsent(this.db, sessionId));
  }
  /** True if the session was open; ending it again keeps the first end. */
  endSession(sessionId: string, reason: EndReason): boolean {
    return this.run(() => endSession(this.db, sessionId, reason));
  }
  /** The latest session not ended (left by a crash or a reload), if any. */
  openSession(): SessionRecord | undefined {
    return this.run(() => openSession(this.db));
  }
  session(sessionId: string): SessionRecord | undefined {
    return this.run(() => getSession(this.db, sessionId));
  }
  /** The consultation a doctor took for the visit: where its outbox is delivered, even after a restart. */
  setConsultation(sessionId: string, consultationId: string): void {
    this.run(() => setConsultation(this.db, sessionId, consultationId));
  }

  // Bluetooth LE devices (no patient data)
  bleAssignments(): BleAssignment[] {
    return this.run(() => bleAssignments(this.db));
  }
  assignBle(address: string, driver: string): void {
    this.run(() => assignBle(this.db, address, driver));
  }
  unassignBle(address: string): boolean {
    return this.run(() => unassignBle(this.db, address));
  }
  bleMarks(): BleRecordMark[] {
    return this.run(() => bleMarks(this.db));
  }
  advanceBleMark(mark: BleRecordMark & { id?: string }): void {
    this.run(() => advanceBleMark(this.db, mark));
  }

  // Measurements
  /** Stored and queued for delivery in one transaction; false if that id was already stored. */
  addObservation(o: ObservationInput): boolean {
    return this.run(() => addObservation(this.db, o));
  }
  observations(sessionId: string): ObservationRecord[] {
    return this.run(() => observationsOf(this.db, sessionId));
  }
  addWaveformChunk(c: WaveformInput): number {
    return this.run(() => addWaveformChunk(this.db, c));
  }
  waveforms(sessionId: string): WaveformRecord[] {
    return this.run(() => waveformsOf(this.db, sessionId));
  }
  addMedia(m: MediaInput): string {
    return this.run(() => addMedia(this.db, m));
  }
  media(id: string): MediaRecord | undefined {
    return this.run(() => getMedia(this.db, id));
  }
  mediaOf(sessionId: string): MediaRecord[] {
    return this.run(() => mediaOf(this.db, sessionId));
  }

  // Audit log
  audit(entry: AuditEntry): number {
    return this.run(() => audit(this.db, entry));
  }
  /** True when the latest visit ended after the latest completed cleaning (survives a restart). */
  cleaningPending(): boolean {
    return this.run(() => lastAuditId(this.db, 'session-end') > lastAuditId(this.db, 'cleaning-done'));
  }
  auditTrail(filter?: AuditFilter): AuditRecord[] {
    return this.run(() => auditTrail(this.db, filter));
  }

  // Outbox
  enqueue(e: EnqueueInput): number {
    return this.run(() => enqueue(this.db, e));
  }
  pending(limit = 100): OutboxEntry[] {
    return this.run(() => pending(this.db, limit));
  }
  pendingOf(sessionId: string, kind: OutboxKind, limit = 500): OutboxEntry[] {
    return this.run(() => pendingOf(this.db, sessionId, kind, limit));
  }
  pendingReadings(sessionId: string, limit = 500): WireReading[] {
    return this.run(() => pendingReadings(this.db, sessionId, limit));
  }
  /** A page of pending readings and the refIds of those the wire refuses (report-delivery pages past them). */
  pendingPage(sessionId: string, limit: number, consultationId?: string): { readings: WireReading[]; refused: string[] } {
    return this.run(() => pendingPage(this.db, sessionId, limit, consultationId));
  }
  /** A device that gave the visit a reading, as known now (queued for its report once, refreshed until delivered). */
  noteDevice(sessionId: string, deviceId: string, payload: unknown, create = true): boolean {
    return this.run(() => noteDevice(this.db, sessionId, deviceId, payload, create));
  }
  /** The visit's devices still to describe to this consultation's report. */
  pendingDevices(sessionId: string, consultationId: string): { refId: string; payload: unknown }[] {
    return this.run(() => pendingDevices(this.db, sessionId, consultationId));
  }
  /** The visit's pictures still to send to this consultation's report (the same split as its readings and devices). */
  pendingMedia(sessionId: string, consultationId: string): { refId: string }[] {
    return this.run(() => pendingMedia(this.db, sessionId, consultationId));
  }
  /** The call of this consultation ended or was cut: the visit's entries not tied to a call yet were sent in it. */
  markSentInCall(sessionId: string, consultationId: string): number {
    return this.run(() => markSentInCall(this.db, sessionId, consultationId));
  }
  /** Takes undelivered entries out of the outbox for good (the hub can never take them); audited by the caller. */
  dropPending(sessionId: string, kind: OutboxKind, refIds: readonly string[]): number {
    return this.run(() => dropPending(this.db, sessionId, kind, refIds));
  }
  pendingCount(): number {
    return this.run(() => pendingCount(this.db));
  }
  markDelivered(ids: readonly number[]): number {
    return this.run(() => markDelivered(this.db, ids));
  }
  markDeliveredByRef(kind: OutboxKind, refIds: readonly string[]): number {
    return this.run(() => markDeliveredByRef(this.db, kind, refIds));
  }
  /** Only among one visit's entries (the renderer acknowledges for the visit on screen). */
  markDeliveredOf(sessionId: string, kind: OutboxKind, refIds: readonly string[]): number {
    return this.run(() => markDeliveredOf(this.db, sessionId, kind, refIds));
  }
  /** Ended visits a doctor took with readings still to deliver to their consultation's report. */
  undeliveredVisits(): UndeliveredVisit[] {
    return this.run(() => undeliveredVisits(this.db));
  }
  markAttempt(id: number): void {
    this.run(() => markAttempt(this.db, id));
  }

  // Upkeep
  /** `limits`: the retention of delivered data (ms), or it and how long undelivered data waits. */
  purge(nowMs: number, limits: PurgeLimits | number): PurgeCounts {
    return this.run(() => purge(this.db, nowMs, limits));
  }
  integrityCheck(): 'ok' | string[] {
    return this.run(() => integrityCheck(this.db.raw));
  }
  /** Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.raw.pragma('optimize');
    } catch {
      // Only statistics for the query planner: a full or damaged disk must not keep the file open.
    }
    guard(this.db.file, () => this.db.raw.close());
  }

  private run<T>(fn: () => T): T {
    return guard(this.db.file, fn);
  }
}

/** Opens (creating if needed) and migrates the store at `file`; refuses a file from a newer schema. */
export function openStore(file: string, opts: OpenOptions = {}): Store {
  const db = openDatabase(file, opts);
  try {
    guard(file, () => migrate(db.raw, file));
  } catch (err) {
    db.raw.close();
    throw err;
  }
  return new Store(db);
}
