import type { Language } from '../../shared/language.ts';
import type { Observation } from '../../shared/observation.ts';
import type { Actor, AuditAction, AuditDetail, EndReason, WaveformInput } from '../store/index.ts';

export type { EndReason };

/** What the session service needs from the store (implemented by src/main/store). */
export interface SessionStore {
  createSession(language: Language): string;
  recordConsent(sessionId: string): void;
  endSession(sessionId: string, reason: EndReason): void;
  /** The session not ended (left by a crash), if any. */
  openSession(): { id: string } | undefined;
  addObservation(o: Observation): void;
  addWaveformChunk(c: WaveformInput): void;
  audit(e: { actor: Actor; action: AuditAction; detail?: AuditDetail; sessionId?: string }): void;
  purge(nowMs: number, retentionMs: number): unknown;
  /** A visit ended and the cabin was not cleaned since (also across restarts). */
  cleaningPending(): boolean;
}
