import type { CallView } from '../../shared/bridge.ts';

/**
 * Who keeps the patient company, as far as the idle rule cares: a patient listening to a doctor touches nothing, and
 * must not be asked "are you still there?" (nor lose the visit) for it.
 */
export type Attendance =
  /** No doctor asked for, or no hub to ask (no hub configured, hub unreachable): touches are the only sign of life. */
  | { kind: 'alone' }
  /** In the hub's queue, no doctor yet: the patient may sit still for a while. */
  | { kind: 'waiting' }
  /** A doctor is connected to the consultation. */
  | { kind: 'doctor' }
  /** A doctor was there and is not now (link lost, or the doctor ended the call) since `since` (ms). */
  | { kind: 'lost'; since: number };

export const ALONE: Attendance = { kind: 'alone' };

/** The idle settings (config `idle`), all in seconds. */
export interface IdleLimits {
  /** Without a touch, alone: before "are you still there?". */
  warnAfterS: number;
  /** The prompt's countdown before the visit ends. */
  endAfterS: number;
  /** After a doctor's link drops (or the call ends): no prompt yet, the doctor may come back. */
  callGraceS: number;
  /** Without a touch while waiting in the queue (never shorter than `warnAfterS`). */
  waitingWarnAfterS: number;
}

/** The attendance after a call view from the hub link, at `now`. */
export function nextAttendance(prev: Attendance, view: CallView, now: number): Attendance {
  const s = view.state;
  if (s === 'active' && view.peerPresent) return { kind: 'doctor' };
  // The visit no longer wants a doctor (or the cabin has no hub): back to touches alone.
  if (s === 'off' || s === 'idle') return ALONE;
  const hadDoctor = prev.kind === 'doctor' || prev.kind === 'lost';
  // A doctor claimed it but is not (or no longer) reachable, or ended the call: the grace runs from the first moment.
  if (hadDoctor || s === 'active' || s === 'ended') return prev.kind === 'lost' ? prev : { kind: 'lost', since: now };
  return s === 'waiting' || s === 'connecting' ? { kind: 'waiting' } : ALONE;
}

/** The call keeps the visit alive: a doctor is there, or was, less than the grace ago. */
export function heldByCall(a: Attendance, now: number, idle: Pick<IdleLimits, 'callGraceS'>): boolean {
  return a.kind === 'doctor' || (a.kind === 'lost' && now - a.since < idle.callGraceS * 1000);
}

/**
 * What the idle check does at `now`: 'held' (the call counts as activity: no prompt, the count starts again), 'quiet'
 * (nothing to do), 'warn' (the prompt shows, or stays with its countdown), 'end' (nobody answered: the visit ends).
 * `promptedAt`: when the prompt appeared, if it shows.
 */
export type IdleStep = 'held' | 'quiet' | 'warn' | 'end';

export function idleStep(s: { attendance: Attendance; lastActivity: number; promptedAt: number | undefined }, now: number, idle: IdleLimits): IdleStep {
  if (heldByCall(s.attendance, now, idle)) return 'held';
  if (s.promptedAt !== undefined) return now - s.promptedAt >= idle.endAfterS * 1000 ? 'end' : 'warn';
  const warnAfterS = s.attendance.kind === 'waiting' ? Math.max(idle.warnAfterS, idle.waitingWarnAfterS) : idle.warnAfterS;
  return now - s.lastActivity >= warnAfterS * 1000 ? 'warn' : 'quiet';
}
