import type { Language } from '../../shared/bridge.ts';

export type EndReason = 'completed' | 'idle' | 'declined' | 'crash-recovery';
export type Actor = 'patient' | 'assistant' | 'system' | 'doctor';

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
  audit(e: { actor: Actor; action: string; detail?: Record<string, unknown>; sessionId?: string }): void;
  purge(nowMs: number, retentionMs: number): unknown;
}
