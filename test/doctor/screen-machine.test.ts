import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { Call } from '../../src/doctor/call/call.ts';
import { SCREENS, screenMachine, toConsoleState, type ScreenEvent } from '../../src/doctor/state/screen-machine.ts';
import type { PastConsultation } from '../../src/shared/past-consultations.ts';
import { view as consultation } from './fixtures/consultation-view.ts';

const call = { id: 'call' } as unknown as Call;
const ME = { id: 'd1', name: 'Dr Test' };
const PAST: PastConsultation = { consultationId: 'p1', cabin: { id: 'cab-1', name: 'Névache' }, createdAt: 1, claimedAt: 2, endedAt: 3, patient: null, fhirPush: null };

/** Runs the events from the start and returns what the screens would show. */
function run(...events: ScreenEvent[]) {
  const actor = createActor(screenMachine).start();
  for (const e of events) actor.send(e);
  return { state: toConsoleState(actor.getSnapshot()), value: actor.getSnapshot().value };
}

describe('the console screen machine', () => {
  it('has exactly the declared screens as top-level states, and starts on the login form', () => {
    expect(Object.keys(screenMachine.states)).toEqual([...SCREENS]);
    expect(run().state).toMatchObject({ screen: 'login', hub: 'stopped', me: undefined, ending: false, claiming: undefined });
  });

  it('restoring: from the login form only; back to it when no session is left; signed in goes to the queue', () => {
    expect(run({ type: 'restore' }).state.screen).toBe('restoring');
    expect(run({ type: 'restore' }, { type: 'restoreFailed' }).state.screen).toBe('login');
    expect(run({ type: 'restore' }, { type: 'signedIn', me: ME }).state).toMatchObject({ screen: 'queue', me: ME, hub: 'connecting', notice: undefined });
    expect(run({ type: 'signedIn', me: ME }, { type: 'restore' }).state.screen).toBe('queue');
    expect(run({ type: 'signedIn', me: ME }, { type: 'restoreFailed' }).state.screen).toBe('queue');
  });

  it('claiming: Accept waits for the hub; a refusal comes back to the queue with the error; a later Accept wins', () => {
    const signedIn: ScreenEvent = { type: 'signedIn', me: ME };
    expect(run(signedIn, { type: 'claim', consultationId: 'c1' })).toMatchObject({ value: { queue: 'claiming' }, state: { claiming: 'c1' } });
    expect(run(signedIn, { type: 'claim', consultationId: 'c1' }, { type: 'claim', consultationId: 'c2' }).state.claiming).toBe('c2');
    const refused = run(signedIn, { type: 'claim', consultationId: 'c1' }, { type: 'claimFailed', error: { code: 'taken', message: 'm' } });
    expect(refused).toMatchObject({ value: { queue: 'idle' }, state: { claiming: undefined, claimError: { code: 'taken', message: 'm' } } });
    // A new Accept clears the last error; the login form offers none.
    expect(run(signedIn, { type: 'claimFailed', error: { code: 'x', message: '' } }).state.claimError).toBeUndefined();
    expect(run({ type: 'claim', consultationId: 'c1' }).state).toMatchObject({ screen: 'login', claiming: undefined });
  });

  it('the consultation: shown from the queue (claimed or pushed after a reload), clearing the claim and the notice', () => {
    const s = run(
      { type: 'signedIn', me: ME },
      { type: 'finished', notice: 'report-saved' },
      { type: 'claim', consultationId: 'c1' },
      { type: 'claimFailed', error: { code: 'x', message: '' } },
      { type: 'consultation', consultation: consultation(), call },
    );
    expect(s).toMatchObject({ value: { consultation: 'inCall' }, state: { screen: 'consultation', call, claiming: undefined, claimError: undefined, notice: undefined } });
    expect(run({ type: 'consultation', consultation: consultation(), call }).state.screen).toBe('login');
  });

  it('ending: the end waits for the hub; a failure is shown in the call; the same consultation again keeps ending', () => {
    const inCall: ScreenEvent[] = [{ type: 'signedIn', me: ME }, { type: 'consultation', consultation: consultation(), call }];
    expect(run(...inCall, { type: 'end' }).state).toMatchObject({ ending: true, endError: undefined });
    expect(run(...inCall, { type: 'end' }, { type: 'endFailed', error: 'notes-too-large' }).state).toMatchObject({ screen: 'consultation', ending: false, endError: 'notes-too-large' });
    expect(run(...inCall, { type: 'endFailed', error: 'e' }, { type: 'end' }).state).toMatchObject({ ending: true, endError: undefined });
    const again = run(...inCall, { type: 'end' }, { type: 'consultation', consultation: consultation({ peerPresent: false }), call });
    expect(again.state).toMatchObject({ ending: true, consultation: { peerPresent: false } });
    expect(run({ type: 'signedIn', me: ME }, { type: 'end' }).state.ending).toBe(false);
  });

  it('finished: back to the queue with the notice, nothing of the consultation left', () => {
    const s = run({ type: 'signedIn', me: ME }, { type: 'consultation', consultation: consultation(), call }, { type: 'end' }, { type: 'finished', notice: 'report-saved' });
    expect(s).toMatchObject({ value: { queue: 'idle' }, state: { consultation: undefined, call: undefined, ending: false, endError: undefined, notice: 'report-saved' } });
    expect(run({ type: 'signedIn', me: ME }, { type: 'finished', notice: 'cancelled' }).state.notice).toBeUndefined();
  });

  it('signed out from any screen: the login form with the notice, everything else forgotten', () => {
    const s = run(
      { type: 'signedIn', me: ME },
      { type: 'queue', items: [{ consultationId: 'c2', cabinId: 'k', cabinName: 'K', language: 'en', since: 1 }] },
      { type: 'consultation', consultation: consultation(), call },
      { type: 'end' },
      { type: 'signedOut', notice: 'session-expired' },
    );
    expect(s.state).toEqual({ screen: 'login', me: undefined, hub: 'stopped', queue: [], claiming: undefined, claimError: undefined, consultation: undefined, presenceKnown: false, call: undefined, ending: false, endError: undefined, notice: 'session-expired', pastReport: undefined });
  });

  it('a past report: opened from the queue only, read-only; back to the queue; a consultation the hub pushes still shows', () => {
    const signedIn: ScreenEvent = { type: 'signedIn', me: ME };
    const open: ScreenEvent = { type: 'openReport', consultation: PAST };
    const s = run(signedIn, { type: 'finished', notice: 'report-saved' }, { type: 'claimFailed', error: { code: 'x', message: '' } }, open);
    expect(s).toMatchObject({ value: 'report', state: { screen: 'report', pastReport: PAST, notice: undefined, claimError: undefined } });
    expect(run(signedIn, open, { type: 'closeReport' })).toMatchObject({ value: { queue: 'idle' }, state: { screen: 'queue', pastReport: undefined } });
    expect(run(signedIn, open, { type: 'openReport', consultation: { ...PAST, consultationId: 'p2' } }).state.pastReport?.consultationId).toBe('p2');
    // Accept is not offered there; the queue still updates (the way back says who waits).
    expect(run(signedIn, open, { type: 'claim', consultationId: 'c1' }).state).toMatchObject({ screen: 'report', claiming: undefined });
    expect(run(signedIn, open, { type: 'queue', items: [{ consultationId: 'c2', cabinId: 'k', cabinName: 'K', language: 'en', since: 1 }] }).state.queue).toHaveLength(1);
    expect(run(signedIn, open, { type: 'consultation', consultation: consultation(), call }).state).toMatchObject({ screen: 'consultation', pastReport: undefined });
    // Not from the login form, nor during a consultation.
    expect(run(open).state.screen).toBe('login');
    expect(run(signedIn, { type: 'consultation', consultation: consultation(), call }, open).state).toMatchObject({ screen: 'consultation', pastReport: undefined });
  });

  it('the hub state, the queue and dismissing a notice apply on every screen', () => {
    expect(run({ type: 'hub', state: 'reconnecting' }).state.hub).toBe('reconnecting');
    expect(run({ type: 'signedIn', me: ME }, { type: 'queue', items: [] }, { type: 'hub', state: 'connected' }).state).toMatchObject({ hub: 'connected', queue: [] });
    expect(run({ type: 'signedOut', notice: 'replaced' }, { type: 'dismissNotice' }).state.notice).toBeUndefined();
  });

  it('whatever happens, the flags agree with the screen', () => {
    const event: fc.Arbitrary<ScreenEvent> = fc.oneof(
      fc.constant<ScreenEvent>({ type: 'restore' }),
      fc.constant<ScreenEvent>({ type: 'restoreFailed' }),
      fc.constant<ScreenEvent>({ type: 'signedIn', me: ME }),
      fc.constantFrom(undefined, 'forbidden' as const).map((notice): ScreenEvent => ({ type: 'signedOut', notice })),
      fc.constantFrom('c1', 'c2').map((id): ScreenEvent => ({ type: 'claim', consultationId: id })),
      fc.constant<ScreenEvent>({ type: 'claimFailed', error: { code: 'taken', message: '' } }),
      fc.constantFrom('c1', 'c2').map((id): ScreenEvent => ({ type: 'consultation', consultation: consultation({ consultationId: id }), call })),
      fc.constant<ScreenEvent>({ type: 'end' }),
      fc.constant<ScreenEvent>({ type: 'endFailed', error: 'e' }),
      fc.constant<ScreenEvent>({ type: 'finished', notice: 'consultation-ended' }),
      fc.constant<ScreenEvent>({ type: 'dismissNotice' }),
      fc.constant<ScreenEvent>({ type: 'openReport', consultation: PAST }),
      fc.constant<ScreenEvent>({ type: 'closeReport' }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const { state } = run(...events);
        expect(SCREENS).toContain(state.screen);
        expect(state.consultation !== undefined).toBe(state.screen === 'consultation');
        expect(state.call !== undefined).toBe(state.screen === 'consultation');
        expect(state.pastReport !== undefined).toBe(state.screen === 'report');
        if (state.ending || state.endError !== undefined) expect(state.screen).toBe('consultation');
        if (state.claiming !== undefined) expect(state.screen).toBe('queue');
        if (state.screen === 'login' || state.screen === 'restoring') expect(state.me).toBeUndefined();
      }),
    );
  });
});
