import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallStateSchema, type CallView, type Language } from '../../../src/shared/bridge.ts';
import { FromHubSchema, parseFrame, type ConsultationView, type EndCause } from '../../../src/shared/hub-protocol.ts';
import { callView, initialCall, transition, type Call, type CallEffect, type CallEvent } from '../../../src/main/hub/call-machine.ts';

const consultation = (id: string, state: ConsultationView['state'], peerPresent: boolean): ConsultationView => ({
  consultationId: id,
  state,
  cabinId: 'c1',
  cabinName: 'Cabin',
  doctorId: state === 'waiting' ? null : 'd1',
  doctorName: state === 'waiting' ? null : 'Dr M',
  language: 'fr',
  createdAt: 1,
  claimedAt: null,
  peerPresent,
  polite: false,
  iceServers: [{ urls: 'stun:x' }],
});

/** How the visit's audit log records each end the hub explains. */
const ENDED: Record<EndCause, string> = {
  'doctor-ended': 'ended by the doctor',
  'doctor-cancelled': 'cancelled by the doctor',
  'cabin-left': 'left by the cabin',
  'cabin-offline': 'ended by the hub: the cabin was offline too long',
};

/**
 * The hub link as it was before the machine (eight fields, the state derived from them in `view`), kept here as
 * the reference the transition function must agree with, event for event.
 */
class FlagsModel {
  wanted: Language | null = null;
  connected = false;
  requested = false;
  consultation: ConsultationView | null = null;
  ended = false;
  endCause: EndCause | null = null;
  error: string | null = null;
  effects: CallEffect[] = [];

  apply(e: CallEvent): void {
    const c = this.consultation;
    const open = (x: ConsultationView | null): x is ConsultationView => !!x && (x.state === 'waiting' || x.state === 'active');
    switch (e.type) {
      case 'want': {
        if (e.language === this.wanted) return;
        const before = this.wanted;
        this.wanted = e.language;
        if (e.language && !before) {
          this.ended = false;
          this.error = null;
          this.sendRequest();
        } else if (!e.language) {
          if (open(c)) this.effects.push({ type: 'cancel', consultationId: c.consultationId, reason: 'restart' }, { type: 'audit', detail: `left consultation ${c.consultationId} (${c.state}, restart)` });
          this.consultation = null;
          this.requested = false;
          this.ended = false;
          this.endCause = null;
        }
        return;
      }
      case 'open':
        this.connected = true;
        this.error = null;
        if (open(c)) this.effects.push({ type: 'join', consultationId: c.consultationId });
        else {
          this.requested = false;
          this.sendRequest();
        }
        return;
      case 'close':
        this.error = e.error;
        this.connected = false;
        return;
      case 'error':
        this.error = e.error;
        return;
      case 'consultation': {
        const m = e.consultation;
        if (!this.wanted) {
          if (open(m)) this.effects.push({ type: 'cancel', consultationId: m.consultationId, reason: 'restart' });
          return;
        }
        this.consultation = m;
        this.requested = true;
        if (m.state === 'active' && c?.state !== 'active') this.effects.push({ type: 'audit', detail: `doctor joined consultation ${m.consultationId}` });
        if (m.state === 'ended' || m.state === 'cancelled') this.ended = true;
        return;
      }
      case 'ended':
        if (c?.consultationId !== e.consultationId) return;
        if (c.state === 'waiting') {
          this.effects.push({ type: 'audit', detail: `request ${e.consultationId} dropped by the hub; asking again` });
          this.consultation = null;
          this.requested = false;
          this.sendRequest();
        } else {
          this.ended = true;
          this.endCause = e.cause ?? null;
          this.effects.push({ type: 'audit', detail: `consultation ${e.consultationId} ${e.cause ? ENDED[e.cause] : e.reason === 'ended' ? 'ended by the doctor' : 'cancelled on the hub (it did not say why)'}` });
        }
        return;
      case 'not-found':
        if (c) {
          this.consultation = null;
          this.requested = false;
          this.sendRequest();
        }
        return;
    }
  }

  private sendRequest(): void {
    const c = this.consultation;
    if (!this.wanted || !this.connected || (c && (c.state === 'waiting' || c.state === 'active'))) return;
    this.effects.push({ type: 'request', language: this.wanted }, { type: 'audit', detail: 'asked for a doctor' });
    this.requested = true;
  }

  view(): CallView {
    const c = this.consultation;
    let state: CallView['state'];
    if (!this.wanted) state = 'idle';
    else if (this.ended) state = 'ended';
    else if (c?.state === 'active') state = 'active';
    else if (!this.connected) state = this.error ? 'unavailable' : 'connecting';
    else state = this.requested ? 'waiting' : 'connecting';
    return {
      state,
      consultationId: c?.consultationId ?? null,
      doctorName: c?.doctorName ?? null,
      peerPresent: state === 'active' && this.connected && (c?.peerPresent ?? false),
      polite: false,
      iceServers: state === 'active' ? (c?.iceServers ?? []) : [],
      error: state === 'unavailable' ? this.error : null,
      ...(state === 'ended' && this.endCause ? { endCause: this.endCause } : {}),
    };
  }
}

const idArb = fc.constantFrom('cons-1', 'cons-2');
const eventArb: fc.Arbitrary<CallEvent> = fc.oneof(
  fc.constantFrom<Language | null>('fr', 'en', null).map((language) => ({ type: 'want' as const, language })),
  fc.constant({ type: 'open' as const }),
  fc.constantFrom(null, 'The hub cannot be reached.').map((error) => ({ type: 'close' as const, error })),
  fc.constant({ type: 'error' as const, error: 'The hub connection failed (boom).' }),
  fc
    .tuple(idArb, fc.constantFrom<ConsultationView['state']>('waiting', 'active', 'ended', 'cancelled'), fc.boolean())
    .map(([id, state, peer]) => ({ type: 'consultation' as const, consultation: consultation(id, state, peer) })),
  fc
    .tuple(idArb, fc.constantFrom('ended' as const, 'cancelled' as const), fc.constantFrom<EndCause | undefined>(undefined, 'doctor-ended', 'doctor-cancelled', 'cabin-left', 'cabin-offline'))
    .map(([consultationId, reason, cause]) => ({ type: 'ended' as const, consultationId, reason, ...(cause && { cause }) })),
  fc.constant({ type: 'not-found' as const }),
);

const run = (events: CallEvent[]): { call: Call; effects: CallEffect[] } => {
  let call = initialCall;
  const effects: CallEffect[] = [];
  for (const e of events) {
    const r = transition(call, e);
    call = r.next;
    effects.push(...r.effects);
  }
  return { call, effects };
};

describe('call machine (the hub link’s call state)', () => {
  it('agrees with the flags it replaces on every sequence of events: same view, same requests, joins, cancels and audits', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
        const model = new FlagsModel();
        let call = initialCall;
        for (const e of events) {
          model.apply(e);
          const r = transition(call, e);
          call = r.next;
          model.effects.splice(0).forEach((x, i) => expect(r.effects[i]).toEqual(x));
          expect(callView(call)).toEqual(model.view());
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('only ever takes the contract’s states, never “off” (app.ts answers that when no hub is configured)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 20 }), (events) => {
        seen.add(run(events).call.state);
      }),
      { numRuns: 2000 },
    );
    expect([...seen].sort()).toEqual(CallStateSchema.options.filter((s) => s !== 'off').sort());
  });

  it('walks a visit: connecting, waiting, active, ended, and back to idle with a cancel only while a consultation is open', () => {
    const steps: [CallEvent, Call['state']][] = [
      [{ type: 'want', language: 'fr' }, 'connecting'],
      [{ type: 'open' }, 'waiting'],
      [{ type: 'consultation', consultation: consultation('cons-1', 'active', true) }, 'active'],
      [{ type: 'close', error: null }, 'active'],
      [{ type: 'open' }, 'active'],
      [{ type: 'ended', consultationId: 'cons-1', reason: 'ended' }, 'ended'],
      [{ type: 'want', language: null }, 'idle'],
    ];
    let call = initialCall;
    for (const [e, state] of steps) {
      call = transition(call, e).next;
      expect(call.state).toBe(state);
    }
    expect(run(steps.map(([e]) => e)).effects.filter((x) => x.type !== 'audit')).toEqual([
      { type: 'request', language: 'fr' },
      { type: 'join', consultationId: 'cons-1' },
      { type: 'cancel', consultationId: 'cons-1', reason: 'restart' }, // the hub keeps it open for the doctor's notes until the cabin leaves
    ]);
  });

  it('names its visit in the request and leaves with the reason the session gives', () => {
    const { effects } = run([
      { type: 'want', language: 'fr', visit: 's1' },
      { type: 'open' },
      { type: 'consultation', consultation: { ...consultation('cons-1', 'active', true), visit: 's1' } },
      { type: 'want', language: null, reason: 'patient' },
    ]);
    expect(effects.filter((x) => x.type !== 'audit')).toEqual([
      { type: 'request', language: 'fr', visit: 's1' },
      { type: 'cancel', consultationId: 'cons-1', reason: 'patient' },
    ]);
  });

  it('never shows the next patient a consultation the hub still holds from an earlier visit: leaves it, with the reason', () => {
    // Visit s1 ended by idleness while the socket was down (its cancel never went); s2 starts; the hub pushes s1's.
    const steps: CallEvent[] = [
      { type: 'want', language: 'fr', visit: 's1' },
      { type: 'open' },
      { type: 'consultation', consultation: { ...consultation('cons-1', 'active', true), visit: 's1' } },
      { type: 'close', error: null },
      { type: 'want', language: null, reason: 'idle' },
      { type: 'want', language: 'en', visit: 's2' },
      { type: 'open' },
      { type: 'consultation', consultation: { ...consultation('cons-1', 'active', true), visit: 's1' } },
    ];
    const { call, effects } = run(steps);
    expect(call).toMatchObject({ state: 'waiting', consultation: null, visit: 's2' });
    expect(callView(call)).toMatchObject({ state: 'waiting', consultationId: null, doctorName: null, peerPresent: false });
    expect(effects.filter((x) => x.type !== 'audit')).toEqual([
      { type: 'request', language: 'fr', visit: 's1' },
      { type: 'cancel', consultationId: 'cons-1', reason: 'idle' }, // lost: the socket is down
      { type: 'request', language: 'en', visit: 's2' },
      { type: 'cancel', consultationId: 'cons-1', reason: 'idle' },
    ]);
    // Its own consultation is taken as always.
    const mine = transition(call, { type: 'consultation', consultation: { ...consultation('cons-2', 'active', true), visit: 's2' } }).next;
    expect(callView(mine)).toMatchObject({ state: 'active', consultationId: 'cons-2' });
  });

  it('after a restart of cabin main, leaves what the hub still holds open with the reason "restart"', () => {
    const { call, effects } = run([{ type: 'open' }, { type: 'consultation', consultation: { ...consultation('cons-9', 'active', true), visit: 'old' } }]);
    expect(call.state).toBe('idle');
    expect(effects).toEqual([{ type: 'cancel', consultationId: 'cons-9', reason: 'restart' }]);
  });

  it('shows the error only when unavailable, and the doctor’s media only when active', () => {
    const down = run([{ type: 'want', language: 'en' }, { type: 'close', error: 'The hub cannot be reached.' }]).call;
    expect(callView(down)).toMatchObject({ state: 'unavailable', error: 'The hub cannot be reached.', iceServers: [] });
    const waiting = run([{ type: 'want', language: 'en' }, { type: 'open' }, { type: 'consultation', consultation: consultation('cons-1', 'waiting', true) }]).call;
    expect(callView(waiting)).toMatchObject({ state: 'waiting', error: null, iceServers: [], peerPresent: false });
  });

  it('records why the call ended as the hub says it, and shows the kiosk a link cut too long, not a doctor’s end', () => {
    const inCall: CallEvent[] = [{ type: 'want', language: 'fr' }, { type: 'open' }, { type: 'consultation', consultation: consultation('cons-1', 'active', true) }, { type: 'close', error: null }, { type: 'open' }];
    const ends = (e: Extract<CallEvent, { type: 'ended' }>) => {
      const r = run([...inCall, e]);
      return { view: callView(r.call), audit: r.effects.filter((x) => x.type === 'audit').at(-1) };
    };
    // The cabin's link stayed cut past the hub's grace: the hub ended the call, not the doctor.
    expect(ends({ type: 'ended', consultationId: 'cons-1', reason: 'cancelled', cause: 'cabin-offline' })).toEqual({
      view: expect.objectContaining({ state: 'ended', endCause: 'cabin-offline' }),
      audit: { type: 'audit', detail: 'consultation cons-1 ended by the hub: the cabin was offline too long' },
    });
    expect(ends({ type: 'ended', consultationId: 'cons-1', reason: 'ended', cause: 'doctor-ended' })).toEqual({
      view: expect.objectContaining({ state: 'ended', endCause: 'doctor-ended' }),
      audit: { type: 'audit', detail: 'consultation cons-1 ended by the doctor' },
    });
    expect(ends({ type: 'ended', consultationId: 'cons-1', reason: 'cancelled', cause: 'doctor-cancelled' }).audit).toEqual({ type: 'audit', detail: 'consultation cons-1 cancelled by the doctor' });
    // An older hub does not say why: a cancel is not put on the doctor.
    const old = ends({ type: 'ended', consultationId: 'cons-1', reason: 'cancelled' });
    expect(old.audit).toEqual({ type: 'audit', detail: 'consultation cons-1 cancelled on the hub (it did not say why)' });
    expect(old.view).not.toHaveProperty('endCause');
    expect(ends({ type: 'ended', consultationId: 'cons-1', reason: 'ended' }).audit).toEqual({ type: 'audit', detail: 'consultation cons-1 ended by the doctor' });
    // The next visit starts without the last one's end.
    const after = run([...inCall, { type: 'ended', consultationId: 'cons-1', reason: 'cancelled', cause: 'cabin-offline' }, { type: 'want', language: null }, { type: 'want', language: 'fr' }]).call;
    expect(callView(after)).not.toHaveProperty('endCause');
  });

  it('reads an `ended` with its cause, without one (an older hub), and with a cause of a newer hub as without', () => {
    const ended = (extra: object) => parseFrame(FromHubSchema, JSON.stringify({ type: 'ended', consultationId: 'cons-1', reason: 'cancelled', ...extra }));
    expect(ended({ cause: 'cabin-offline' })).toEqual({ ok: true, value: { type: 'ended', consultationId: 'cons-1', reason: 'cancelled', cause: 'cabin-offline' } });
    expect(ended({})).toEqual({ ok: true, value: { type: 'ended', consultationId: 'cons-1', reason: 'cancelled' } });
    const newer = ended({ cause: 'power-cut' });
    expect(newer.ok && newer.value.type === 'ended' && newer.value.cause).toBeFalsy();
    expect(newer.ok).toBe(true);
  });
});
