import { describe, expect, it } from 'vitest';
import { applyCabinEvent, type CabinEventDeps } from '../../src/doctor/call/cabin-events.ts';
import { initialCallSnapshot, type CallSnapshot } from '../../src/doctor/call/call-state.ts';
import { ObservationLog, type Observation } from '../../src/doctor/call/observations.ts';
import { latestVitals } from '../../src/doctor/call/vitals.ts';

const obs = (id: string, value: number): Observation => ({ type: 'observation', id, deviceId: 'ox', code: 'MDC_PULS_OXIM_SAT_O2', value, unit: '%', t: 1000 + value });

function harness() {
  const log = new ObservationLog();
  const deps = { observations: log, onObservation: () => undefined, log: () => undefined, snapshotRequest: undefined } as unknown as CabinEventDeps;
  let state: CallSnapshot = initialCallSnapshot();
  const apply = (e: Parameters<typeof applyCabinEvent>[1]) => {
    const patch = applyCabinEvent(state, e, deps);
    if (patch) state = { ...state, ...patch };
  };
  return { log, apply, get state() { return state; } };
}

describe("the previous patient's readings leave the doctor's screen", () => {
  it('a new patient session in the cabin empties the vitals; a resent copy of an old reading stays out', () => {
    const h = harness();
    h.apply({ type: 'session', sessionId: 's1', phase: 'exam', language: 'fr' });
    h.apply(obs('a', 97));
    expect(latestVitals(h.state.observations).spo2?.value).toBe('97');
    h.apply({ type: 'session', sessionId: 's2', phase: 'welcome', language: 'fr' });
    expect(h.state.observations).toEqual([]);
    expect(latestVitals(h.state.observations).spo2).toBeUndefined();
    // The cabin's outbox resends the old reading: known, not shown again.
    h.apply(obs('a', 97));
    expect(h.state.observations).toEqual([]);
    h.apply(obs('b', 95));
    expect(h.state.observations.map((o) => o.id)).toEqual(['b']);
    // Everything stays in the log for the report.
    expect(h.log.all().map((o) => o.id)).toEqual(['a', 'b']);
  });

  it('the visit ending (no session) empties them too; the same session again (a cabin reload) keeps them', () => {
    const h = harness();
    h.apply({ type: 'session', sessionId: 's1', phase: 'exam', language: 'fr' });
    h.apply(obs('a', 97));
    h.apply({ type: 'session', sessionId: 's1', phase: 'exam', language: 'fr' });
    expect(h.state.observations).toHaveLength(1);
    h.apply({ type: 'session', sessionId: null, phase: 'cleaning', language: 'fr' });
    expect(h.state.observations).toEqual([]);
  });

  it('the first session a console hears of (after its reload) clears nothing', () => {
    const h = harness();
    h.apply(obs('a', 97));
    h.apply({ type: 'session', sessionId: 's1', phase: 'exam', language: 'fr' });
    expect(h.state.observations).toHaveLength(1);
  });
});
