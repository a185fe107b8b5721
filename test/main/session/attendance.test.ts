import { describe, expect, it } from 'vitest';
import { ALONE, heldByCall, idleStep, nextAttendance, type Attendance, type IdleLimits } from '../../../src/main/session/attendance.ts';
import { OFF_CALL } from '../../../src/main/hub/consult-policy.ts';
import type { CallView } from '../../../src/shared/bridge.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

const LIMITS: IdleLimits = { warnAfterS: 90, endAfterS: 30, callGraceS: 120, waitingWarnAfterS: 600 };
const view = (state: CallView['state'], peerPresent = false): CallView => ({ ...OFF_CALL, state, peerPresent, consultationId: state === 'off' || state === 'idle' ? null : 'c1' });

/** Feeds call views on the clock, as cabin main gets them from the hub link. */
function follow(clock: ManualClock, steps: [number, CallView][]): Attendance {
  let a: Attendance = ALONE;
  for (const [afterMs, v] of steps) {
    clock.advance(afterMs);
    a = nextAttendance(a, v, clock.now());
  }
  return a;
}

describe('attendance: who keeps the patient company', () => {
  it('a doctor connected is a doctor; the grace runs from the moment the link dropped, not from the latest view', () => {
    const clock = new ManualClock();
    expect(follow(clock, [[0, view('active', true)]])).toEqual({ kind: 'doctor' });
    const lostAt = clock.now() + 5_000;
    // Lost, then views keep coming while it stays lost (reconnecting, the hub's TURN renewal): the start stays.
    expect(follow(clock, [[5_000, view('active', false)], [10_000, view('active', false)], [10_000, view('connecting')]])).toEqual({ kind: 'lost', since: lostAt });
  });

  it('the doctor ending the call starts the grace too; the visit no longer wanting a doctor is alone again', () => {
    const clock = new ManualClock();
    const ended = follow(clock, [[0, view('waiting')], [1000, view('active', true)], [1000, view('ended')]]);
    expect(ended).toEqual({ kind: 'lost', since: clock.now() });
    expect(nextAttendance(ended, view('idle'), clock.now())).toEqual(ALONE);
  });

  it('waiting in the queue (or connecting to ask) is waiting; no hub, or a hub that cannot be reached, is alone', () => {
    const clock = new ManualClock();
    expect(follow(clock, [[0, view('waiting')]])).toEqual({ kind: 'waiting' });
    expect(follow(clock, [[0, view('connecting')]])).toEqual({ kind: 'waiting' });
    expect(follow(clock, [[0, view('off')]])).toEqual(ALONE);
    expect(follow(clock, [[0, view('unavailable')]])).toEqual(ALONE);
    // Claimed, but the doctor's console is not connected yet: held for the grace, as a lost link.
    expect(follow(clock, [[0, view('waiting')], [0, view('active', false)]])).toEqual({ kind: 'lost', since: clock.now() });
  });
});

describe('idleStep: the idle rule over its cases', () => {
  const at = (clock: ManualClock, s: { attendance: Attendance; lastActivity: number; promptedAt?: number }) =>
    idleStep({ promptedAt: undefined, ...s }, clock.now(), LIMITS);

  it('doctor present: held, however long nobody touches the screen', () => {
    const clock = new ManualClock();
    const lastActivity = clock.now();
    clock.advance(3_600_000);
    expect(at(clock, { attendance: { kind: 'doctor' }, lastActivity })).toBe('held');
    // Even with the prompt showing (a doctor came back): held, so the prompt goes.
    expect(at(clock, { attendance: { kind: 'doctor' }, lastActivity, promptedAt: clock.now() - 29_000 })).toBe('held');
  });

  it('link lost within the grace: held; once the grace is over, the ordinary rule (counted from the last held moment)', () => {
    const clock = new ManualClock();
    const lost: Attendance = { kind: 'lost', since: clock.now() };
    clock.advance(LIMITS.callGraceS * 1000 - 1);
    expect(heldByCall(lost, clock.now(), LIMITS)).toBe(true);
    expect(at(clock, { attendance: lost, lastActivity: clock.now() })).toBe('held');
    const lastHeld = clock.now();
    clock.advance(1);
    expect(heldByCall(lost, clock.now(), LIMITS)).toBe(false);
    expect(at(clock, { attendance: lost, lastActivity: lastHeld })).toBe('quiet');
    clock.advance(LIMITS.warnAfterS * 1000 - 1);
    expect(at(clock, { attendance: lost, lastActivity: lastHeld })).toBe('warn');
  });

  it('no hub configured (alone): the prompt after warnAfterS without a touch, the end endAfterS later', () => {
    const clock = new ManualClock();
    const lastActivity = clock.now();
    clock.advance(LIMITS.warnAfterS * 1000 - 1);
    expect(at(clock, { attendance: ALONE, lastActivity })).toBe('quiet');
    clock.advance(1);
    expect(at(clock, { attendance: ALONE, lastActivity })).toBe('warn');
    const promptedAt = clock.now();
    clock.advance(LIMITS.endAfterS * 1000 - 1);
    expect(at(clock, { attendance: ALONE, lastActivity, promptedAt })).toBe('warn');
    clock.advance(1);
    expect(at(clock, { attendance: ALONE, lastActivity, promptedAt })).toBe('end');
  });

  it('waiting in the queue: a longer limit (a waiting patient sits still), never shorter than the ordinary one', () => {
    const clock = new ManualClock();
    const lastActivity = clock.now();
    clock.advance(LIMITS.warnAfterS * 1000);
    expect(at(clock, { attendance: { kind: 'waiting' }, lastActivity })).toBe('quiet');
    clock.advance((LIMITS.waitingWarnAfterS - LIMITS.warnAfterS) * 1000);
    expect(at(clock, { attendance: { kind: 'waiting' }, lastActivity })).toBe('warn');
    const short = { ...LIMITS, waitingWarnAfterS: 10 };
    expect(idleStep({ attendance: { kind: 'waiting' }, lastActivity, promptedAt: undefined }, lastActivity + 60_000, short)).toBe('quiet');
  });
});
