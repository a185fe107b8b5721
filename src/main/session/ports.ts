import type { Language } from '../../shared/bridge.ts';
import type { Actor, AuditAction, AuditDetail, EndReason } from '../store/index.ts';

export type { EndReason };

/** What the session service needs from the store (implemented by src/main/store). */
export interface SessionStore {
  createSession(language: Language): string;
  recordConsent(sessionId: string): void;
  endSession(sessionId: string, reason: EndReason): void;
  /** The session not ended (left by a crash), if any. */
  openSession(): { id: string } | undefined;
  addObservation(o: {
    id: string;
    sessionId: string;
    deviceId: string;
    code: string;
    value: number;
    unit: string;
    t: number;
    measurementId?: string;
  }): void;
  addWaveformChunk(c: { sessionId: string; deviceId: string; code: string; rate: number; t: number; samples: number[] }): void;
  audit(e: { actor: Actor; action: AuditAction; detail?: AuditDetail; sessionId?: string }): void;
  purge(nowMs: number, retentionMs: number): unknown;
  /** A visit ended and the cabin was not cleaned since (also across restarts). */
  cleaningPending(): boolean;
}
