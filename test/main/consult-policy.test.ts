import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BridgeFailure } from '../../src/main/bridge/dispatch.ts';
import { ConsultPolicy, doctorWanted, OFF_CALL, type ConsultLink } from '../../src/main/hub/consult-policy.ts';
import { silentLogger } from '../../src/server/log.ts';
import { PhaseSchema, type CallView, type Language, type Phase } from '../../src/shared/bridge.ts';
import { LANGUAGES } from '../../src/shared/language.ts';

/** A hub link that records what the policy tells it. */
function fakeLink(
  over: Partial<ConsultLink> = {},
): ConsultLink & { wants: (Language | null)[]; told: unknown[][]; helps: number; incidents: string[]; signals: unknown[] } {
  const wants: (Language | null)[] = [];
  const told: unknown[][] = [];
  const incidents: string[] = [];
  const signals: unknown[] = [];
  const view: CallView = { ...OFF_CALL, state: 'waiting' };
  const link = {
    wants,
    told,
    helps: 0,
    incidents,
    signals,
    want: (l: Language | null, ...rest: unknown[]) => {
      wants.push(l);
      told.push([l, ...rest]);
    },
    help: () => {
      link.helps++;
      return true;
    },
    view: () => view,
    signal: (d: unknown) => void signals.push(d),
    incident: (d: string) => void incidents.push(d),
    ...over,
  };
  return link;
}

const PHASES = PhaseSchema.options;

describe('doctorWanted', () => {
  it('asks for a doctor in the patient language during the exam only, over every phase and language', () => {
    for (const phase of PHASES)
      for (const language of LANGUAGES) expect(doctorWanted({ phase, language })).toBe(phase === 'exam' ? language : null);
  });
});

describe('ConsultPolicy', () => {
  it('tells the link to ask for a doctor when the exam starts and to leave when the visit ends', () => {
    const link = fakeLink();
    const p = new ConsultPolicy({ link, audit: () => {}, log: silentLogger() });
    const visit: Phase[] = ['welcome', 'consent', 'exam', 'end', 'cleaning', 'welcome'];
    for (const phase of visit) p.onSession({ phase, language: 'en' });
    expect(link.wants).toEqual([null, null, 'en', null, null, null]);
  });

  it('names the visit when it asks, and says why the cabin leaves (the session’s end reason; restart before any)', () => {
    const link = fakeLink();
    let reason: 'patient' | 'idle' = 'idle';
    const p = new ConsultPolicy({ link, audit: () => {}, endReason: () => reason, log: silentLogger() });
    p.onSession({ phase: 'exam', language: 'fr', sessionId: 's1' });
    reason = 'patient';
    p.onSession({ phase: 'end', language: 'fr', sessionId: 's1' });
    p.onSession({ phase: 'exam', language: 'en', sessionId: 's2' });
    expect(link.told).toEqual([
      ['fr', 's1', undefined],
      [null, null, 'patient'],
      ['en', 's2', undefined],
    ]);
    const first = fakeLink();
    new ConsultPolicy({ link: first, audit: () => {}, log: silentLogger() }).onSession({ phase: 'welcome', language: 'fr', sessionId: null });
    expect(first.told).toEqual([[null, null, 'restart']]);
  });

  it('tells the doctor of the call for the assistant through the link; without a hub nobody', () => {
    const link = fakeLink();
    expect(new ConsultPolicy({ link, audit: () => {}, log: silentLogger() }).help()).toBe(true);
    expect(link.helps).toBe(1);
    expect(new ConsultPolicy({ audit: () => {}, log: silentLogger() }).help()).toBe(false);
  });

  it('follows any sequence of session views: the last thing the link was told matches the last view', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ phase: fc.constantFrom(...PHASES), language: fc.constantFrom(...LANGUAGES) }), { minLength: 1, maxLength: 30 }), (views) => {
        const link = fakeLink();
        const p = new ConsultPolicy({ link, audit: () => {}, log: silentLogger() });
        for (const v of views) p.onSession(v);
        expect(link.wants.length).toBe(views.length);
        expect(link.wants.at(-1)).toBe(doctorWanted(views.at(-1)!));
      }),
    );
  });

  it('keeps the visit going when the link throws, and logs it', () => {
    const errors: unknown[] = [];
    const log = silentLogger();
    log.error = ((o: unknown) => void errors.push(o)) as typeof log.error;
    const p = new ConsultPolicy({ link: fakeLink({ want: () => { throw new Error('boom'); } }), audit: () => {}, log });
    expect(() => p.onSession({ phase: 'exam', language: 'fr' })).not.toThrow();
    expect(errors).toHaveLength(1);
  });

  it('without a hub: the call is off, signals are refused as no-hub, incidents go to the audit log', () => {
    const audited: string[] = [];
    const p = new ConsultPolicy({ audit: (d) => void audited.push(d), log: silentLogger() });
    p.onSession({ phase: 'exam', language: 'fr' });
    expect(p.view()).toEqual(OFF_CALL);
    expect(() => p.signal({ description: { type: 'offer', sdp: 'v=0' } } as never)).toThrow(expect.objectContaining({ code: 'no-hub' }));
    p.incident('ice failed');
    expect(audited).toEqual(['call: ice failed']);
  });

  it('with a hub: the link view, signals and incidents go to the link; a link refusal is call-unavailable', () => {
    const link = fakeLink();
    const audited: string[] = [];
    const p = new ConsultPolicy({ link, audit: (d) => void audited.push(d), log: silentLogger() });
    expect(p.view().state).toBe('waiting');
    p.signal({ candidate: null } as never);
    expect(link.signals).toHaveLength(1);
    p.incident('ice failed');
    expect(link.incidents).toEqual(['ice failed']);
    expect(audited).toEqual([]);
    const refusing = new ConsultPolicy({ link: fakeLink({ signal: () => { throw new Error('The hub is not connected.'); } }), audit: () => {}, log: silentLogger() });
    let err: unknown;
    try {
      refusing.signal({ candidate: null } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BridgeFailure);
    expect(err).toMatchObject({ code: 'call-unavailable', message: 'The hub is not connected.' });
  });
});
