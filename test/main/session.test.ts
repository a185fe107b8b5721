import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/main/config.ts';
import type { EventSink } from '../../src/main/bridge/dispatch.ts';
import { hashPin, verifyPin } from '../../src/main/session/pin.ts';
import type { SessionStore } from '../../src/main/session/ports.ts';
import { MEMORY_GRACE_MS, SessionService } from '../../src/main/session/service.ts';
import { OFF_CALL } from '../../src/main/hub/consult-policy.ts';
import type { CallView, EventName } from '../../src/shared/bridge.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { visitSummary } from '../../src/renderer/format/summary.ts';

/** An in-memory store recording what the service asks for. */
class FakeStore implements SessionStore {
  sessions = new Map<string, { ended?: string; consent?: boolean }>();
  observations: { id: string; sessionId: string; code: string; value?: number; absent?: string }[] = [];
  waves: { sessionId: string; samples: number[] }[] = [];
  audits: { action: string; actor: string; detail?: Record<string, unknown> }[] = [];
  private n = 0;
  createSession(): string {
    const id = `s${++this.n}`;
    this.sessions.set(id, {});
    return id;
  }
  recordConsent(id: string): void {
    this.sessions.get(id)!.consent = true;
  }
  endSession(id: string, reason: string): void {
    this.sessions.get(id)!.ended = reason;
  }
  openSession(): { id: string } | undefined {
    // The latest session not ended, as the real store does.
    const open = [...this.sessions].find(([, s]) => !s.ended);
    return open ? { id: open[0] } : undefined;
  }
  addObservation(o: { id: string; sessionId: string; code: string; value?: number; absent?: string }): void {
    this.observations.push(o);
  }
  addWaveformChunk(c: { sessionId: string; samples: number[] }): void {
    this.waves.push(c);
  }
  audit(e: { actor: string; action: string; detail?: Record<string, unknown> }): void {
    this.audits.push(e);
  }
  purge(): number {
    return 0;
  }
  cleaningPending(): boolean {
    const last = (a: string): number => this.audits.map((x) => x.action).lastIndexOf(a);
    return last('session-end') > last('cleaning-done');
  }
}

/** `demo: false` for a real cabin's behaviour (the demo restarts ready, not locked on cleaning: restart.test.ts). */
function rig(store = new FakeStore(), demo = true) {
  let now = 1_000_000;
  const events: { name: EventName; payload: unknown }[] = [];
  const sink: EventSink = (name, payload) => events.push({ name, payload });
  const config = demoConfig({ idle: { warnAfterS: 60, endAfterS: 20 }, demo, ...(demo ? {} : { assistantPinHash: hashPin('1234') }) });
  const svc = new SessionService(store, config, sink, () => now, hashPin('1234'));
  return { svc, store, events, config, advance: (ms: number) => (now += ms) };
}

const spo2 = (value: number, t = 1) => ({ kind: 'observation' as const, code: 'MDC_PULS_OXIM_SAT_O2' as const, value, unit: '%', t });

describe('SessionService: readings from a device memory (Bluetooth)', () => {
  const cuff = (t: number, deviceClock?: { state: 'set' | 'skewed' | 'unset' | 'unknown'; offsetMs?: number }, stored = false) => ({
    kind: 'observation' as const,
    code: 'MDC_PRESS_BLD_NONINV_SYS' as const,
    value: 128,
    unit: 'mm[Hg]',
    t,
    measurementId: `m${t}`,
    ...(deviceClock ? { deviceClock } : {}),
    ...(stored ? { record: { stored: true } } : {}),
  });

  it('a reading timed by a clock the cabin read, from before the visit (the grace past), is old, stored flag or not', () => {
    const { svc, store, advance } = rig();
    svc.start('fr');
    svc.consent(true);
    const start = svc.view().startedAt!;
    advance(5000);
    expect(svc.onDeviceEvent('cuff', cuff(start - MEMORY_GRACE_MS - 1, { state: 'set', offsetMs: 0 }))).toBe('old');
    expect(svc.onDeviceEvent('cuff', cuff(start - MEMORY_GRACE_MS - 1, { state: 'skewed', offsetMs: 600_000 }, true))).toBe('old');
    expect(svc.onDeviceEvent('cuff', cuff(start - MEMORY_GRACE_MS + 1000, { state: 'set', offsetMs: 0 }))).toBe('taken');
    expect(store.observations).toHaveLength(1);
  });

  it('a reading whose time cannot be trusted (clock unknown or unset) is kept; from the memory, the doctor is told so', () => {
    const { svc, store } = rig();
    svc.start('fr');
    svc.consent(true);
    const start = svc.view().startedAt!;
    // A cuff an hour behind that nobody set: its fresh reading looks an hour old, and is the patient's.
    expect(svc.onDeviceEvent('cuff', cuff(start - 3_600_000, { state: 'unknown' }, true))).toBe('taken');
    expect(svc.onDeviceEvent('cuff', cuff(start + 10, { state: 'unset' }))).toBe('taken');
    expect(store.observations.map((o) => (o as { flags?: string[] }).flags)).toEqual([['from-storage'], undefined]);
  });
});

describe('SessionService: a device’s special value (issue 13)', () => {
  it('a reading the device gave without a number is stored, shown and sent with its reason, and no value', () => {
    const { svc, store, events } = rig();
    svc.start('fr');
    svc.consent(true);
    const nres = { kind: 'observation' as const, code: 'MDC_TEMP_BODY' as const, absent: 'nres' as const, unit: 'Cel', t: 5, measurementId: 'th-1' };
    expect(svc.onDeviceEvent('thermo', nres)).toBe('taken');
    expect(store.observations).toHaveLength(1);
    expect(store.observations[0]).toMatchObject({ code: 'MDC_TEMP_BODY', absent: 'nres', measurementId: 'th-1' });
    expect(store.observations[0]).not.toHaveProperty('value');
    const shown = events.find((e) => e.name === 'reading')?.payload as Record<string, unknown>;
    expect(shown).toMatchObject({ absent: 'nres', id: store.observations[0]!.id });
    expect(shown).not.toHaveProperty('value');
    expect(svc.view().readings.map((r) => r.absent)).toEqual(['nres']);
  });

  it('an oximeter stream’s NaN when the finger leaves is stored and sent, but the patient keeps the SpO2 measured (step, summary)', () => {
    const { svc, store, events } = rig();
    svc.start('fr');
    svc.consent(true);
    svc.onDeviceEvent('ox', spo2(97, 1));
    const fingerOut = { kind: 'observation' as const, code: 'MDC_PULS_OXIM_SAT_O2' as const, absent: 'nan' as const, unit: '%', t: 2 };
    expect(svc.onDeviceEvent('ox', fingerOut)).toBe('taken');
    expect(store.observations.map((o) => o.absent ?? o.value)).toEqual([97, 'nan']);
    expect(events.filter((e) => e.name === 'reading').map((e) => (e.payload as { absent?: string; value?: number }).absent ?? (e.payload as { value?: number }).value)).toEqual([97, 'nan']);
    const readings = svc.view().readings;
    expect(readings.map((r) => [r.code, r.value, r.absent])).toEqual([['MDC_PULS_OXIM_SAT_O2', 97, undefined]]);
    expect(visitSummary(new Map(readings.map((r) => [r.code, r])), 'fr').map((x) => [x.measure.id, x.text])).toEqual([['spo2', '97']]);
    // A failed measurement (its measurementId) is the latest word of its measure: « Pas de valeur », nothing in the summary.
    svc.onDeviceEvent('thermo', { kind: 'observation', code: 'MDC_TEMP_BODY', value: 37.2, unit: 'Cel', t: 3, measurementId: 'th-1' });
    svc.onDeviceEvent('thermo', { kind: 'observation', code: 'MDC_TEMP_BODY', absent: 'nres', unit: 'Cel', t: 4, measurementId: 'th-2' });
    expect(svc.view().readings.find((r) => r.code === 'MDC_TEMP_BODY')).toMatchObject({ absent: 'nres', measurementId: 'th-2' });
  });
});

describe('SessionService', () => {
  it('runs a visit: start, consent, readings stored before they are shown, end, cleaning, welcome', async () => {
    const { svc, store, events, config } = rig();
    expect(svc.view().phase).toBe('welcome');
    svc.onDeviceEvent('ox', spo2(97));
    expect(store.observations).toEqual([]); // no visit, no reading
    expect(svc.start('en').phase).toBe('consent');
    expect(svc.consent(true).phase).toBe('exam');
    svc.onDeviceEvent('ox', spo2(96));
    svc.onDeviceEvent('ox', { kind: 'waveform', code: 'MDC_PULS_OXIM_PLETH', rate: 2, samples: [1, 2, 3], t: 5 });
    expect(store.observations).toMatchObject([{ code: 'MDC_PULS_OXIM_SAT_O2', value: 96 }]);
    expect(events.find((e) => e.name === 'reading')?.payload).toMatchObject({ value: 96, id: store.observations[0]!.id });
    expect(store.waves[0]?.samples).toEqual([1, 2, 3]);
    expect(svc.view().readings.map((r) => r.value)).toEqual([96]);
    const ended = svc.end();
    expect(ended.phase).toBe('end');
    expect(ended.readings).toHaveLength(1); // the summary still shows them
    const cleaning = svc.end();
    expect(cleaning).toMatchObject({ phase: 'cleaning', readings: [], sessionId: null });
    expect(() => svc.start('fr')).toThrow(/welcome/);
    expect(() => svc.completeCleaning(config.checklist.map((c) => c.id))).toThrow(/assistant/);
    await svc.unlockAssistant('1234');
    expect(() => svc.completeCleaning(['wipe-devices'])).toThrow(/not complete/);
    expect(svc.completeCleaning(config.checklist.map((c) => c.id))).toMatchObject({ phase: 'welcome', assistant: false });
    expect(store.audits.map((a) => a.action)).toEqual(['session-start', 'consent', 'session-end', 'assistant-unlock', 'cleaning-done']);
  });

  it('declining consent ends the visit with nothing recorded', () => {
    const { svc, store } = rig();
    svc.start('fr');
    expect(svc.consent(false).phase).toBe('welcome');
    expect([...store.sessions.values()][0]).toMatchObject({ ended: 'declined' });
  });

  it('asks "are you still there?" after the idle time, then clears the patient away', () => {
    const { svc, advance } = rig();
    svc.start('fr');
    svc.consent(true);
    svc.onDeviceEvent('ox', spo2(95));
    advance(59_000);
    svc.tick();
    expect(svc.view().idleWarning).toBeNull();
    advance(2_000);
    svc.tick();
    expect(svc.view().idleWarning).toEqual({ secondsLeft: 20 });
    advance(10_000);
    expect(svc.activity().idleWarning).toBeNull(); // "I am still here"
    advance(61_000);
    svc.tick();
    advance(21_000);
    svc.tick();
    expect(svc.view()).toMatchObject({ phase: 'cleaning', readings: [], sessionId: null, idleWarning: null });
  });

  it('stays locked for cleaning across a restart after a visit ended', () => {
    const store = new FakeStore();
    const first = rig(store, false).svc;
    first.start('en');
    first.consent(true);
    first.end('exam');
    expect(first.view().phase).toBe('end');
    // Main restarts (reboot, crash) while the summary is shown.
    expect(rig(store, false).svc.view().phase).toBe('cleaning');
  });

  it('ignores a double tap on finish: the summary is not skipped', () => {
    const { svc } = rig();
    svc.start('fr');
    svc.consent(true);
    expect(svc.end('exam').phase).toBe('end');
    expect(() => svc.end('exam')).toThrow(/no visit to end/);
    expect(svc.view().phase).toBe('end');
    expect(svc.end('end').phase).toBe('cleaning');
  });

  it('locks the assistant panel when a patient starts and when a visit is cleared away', async () => {
    const { svc, config } = rig();
    await svc.unlockAssistant('1234');
    expect(svc.start('fr').assistant).toBe(false);
    svc.consent(true);
    await svc.unlockAssistant('1234');
    svc.end('exam');
    expect(svc.end('end')).toMatchObject({ phase: 'cleaning', assistant: false, language: config.languages[0] });
  });

  it('locks the PIN pad after five wrong PINs', async () => {
    const { svc, store } = rig();
    for (let i = 0; i < 5; i++) await expect(svc.unlockAssistant('0000')).rejects.toThrow('Wrong PIN');
    await expect(svc.unlockAssistant('1234')).rejects.toThrow(/Too many wrong PINs: wait 60 s/);
    expect(store.audits.filter((a) => a.action === 'assistant-unlock-failed')).toHaveLength(6);
  });

  it('locks the PIN pad after five wrong PINs even when they arrive together', async () => {
    const { svc, advance } = rig();
    const tries = await Promise.allSettled([...Array.from({ length: 20 }, () => svc.unlockAssistant('0000')), svc.unlockAssistant('1234')]);
    const messages = tries.map((t) => (t.status === 'rejected' ? String((t.reason as Error).message) : 'unlocked'));
    expect(messages.filter((m) => m === 'Wrong PIN.')).toHaveLength(5);
    expect(messages.at(-1)).toMatch(/Too many wrong PINs: wait 60 s/);
    advance(60_000);
    expect((await svc.unlockAssistant('1234')).assistant).toBe(true);
  });

  it('closes a visit left open by a crash and waits for cleaning', () => {
    const store = new FakeStore();
    const id = store.createSession();
    const { svc } = rig(store, false);
    expect(svc.view().phase).toBe('cleaning');
    expect(store.sessions.get(id)).toMatchObject({ ended: 'crash-recovery' });
  });

  it('hashes PINs with a salt and verifies them', () => {
    const a = hashPin('2468');
    expect(a).not.toBe(hashPin('2468'));
    expect(verifyPin('2468', a)).toBe(true);
    expect(verifyPin('2469', a)).toBe(false);
    expect(verifyPin('2468', 'garbage')).toBe(false);
  });
});

describe('SessionService: a visit that survives talking, and ends on purpose', () => {
  const IDLE = { warnAfterS: 60, endAfterS: 20, callGraceS: 120, waitingWarnAfterS: 300 };
  /** The service on a manual clock, ticked once a second as app.ts does. */
  function callRig() {
    const clock = new ManualClock();
    const store = new FakeStore();
    const events: { name: EventName; payload: unknown }[] = [];
    const svc = new SessionService(store, demoConfig({ idle: IDLE }), (name, payload) => events.push({ name, payload }), clock.now, hashPin('1234'));
    const seconds = (n: number): void => {
      for (let i = 0; i < n; i++) {
        clock.advance(1000);
        svc.tick();
      }
    };
    const call = (state: CallView['state'], peerPresent = false): void => svc.onCall({ ...OFF_CALL, state, peerPresent, consultationId: 'c1' });
    svc.start('fr');
    svc.consent(true);
    return { svc, store, seconds, call };
  }

  it('never asks "are you still there?" nor ends the visit while a doctor is in the call (today: prompt at warnAfterS, wiped endAfterS later)', () => {
    const { svc, seconds, call } = callRig();
    call('waiting');
    call('active', true);
    seconds(30 * 60);
    expect(svc.view()).toMatchObject({ phase: 'exam', idleWarning: null });
    expect(svc.view().sessionId).not.toBeNull();
  });

  it('holds for the grace after the doctor’s link drops, then the ordinary rule applies again', () => {
    const { svc, seconds, call } = callRig();
    call('active', true);
    seconds(200);
    call('active', false); // the doctor's console dropped
    seconds(IDLE.callGraceS - 1);
    expect(svc.view().idleWarning).toBeNull();
    seconds(IDLE.warnAfterS - 1);
    expect(svc.view().idleWarning).toBeNull(); // counted from the end of the grace, not from the last touch
    seconds(2);
    expect(svc.view().idleWarning).not.toBeNull();
    seconds(IDLE.endAfterS);
    expect(svc.view()).toMatchObject({ phase: 'cleaning', sessionId: null });
    expect(svc.endReason()).toBe('idle');
  });

  it('a doctor coming back while the prompt shows takes it away', () => {
    const { svc, seconds, call } = callRig();
    seconds(IDLE.warnAfterS + 1);
    expect(svc.view().idleWarning).not.toBeNull();
    call('active', true);
    expect(svc.view().idleWarning).toBeNull();
  });

  it('without a hub the ordinary rule; waiting in the queue, the longer one', () => {
    const alone = callRig();
    alone.call('off');
    alone.seconds(IDLE.warnAfterS + 1);
    expect(alone.svc.view().idleWarning).not.toBeNull();
    const waiting = callRig();
    waiting.call('waiting');
    waiting.seconds(IDLE.warnAfterS + 1);
    expect(waiting.svc.view().idleWarning).toBeNull();
    waiting.seconds(IDLE.waitingWarnAfterS - IDLE.warnAfterS);
    expect(waiting.svc.view().idleWarning).not.toBeNull();
  });

  it('says why the visit ended: the patient, the assistant (panel unlocked), idleness; "restart" before any ended', async () => {
    const patient = callRig();
    expect(patient.svc.endReason()).toBe('restart');
    patient.svc.end('exam');
    expect(patient.svc.endReason()).toBe('patient');
    const assistant = callRig();
    await assistant.svc.unlockAssistant('1234');
    assistant.svc.end('exam');
    expect(assistant.svc.endReason()).toBe('assistant');
    expect(assistant.store.sessions.get([...assistant.store.sessions.keys()][0]!)).toMatchObject({ ended: 'assistant' });
    expect(assistant.store.audits.at(-1)).toMatchObject({ actor: 'assistant', action: 'session-end', detail: { reason: 'assistant' } });
  });

  it('the patient’s call for the assistant: recorded once, shown until the assistant answers, never carried to the next patient', async () => {
    const { svc, store } = callRig();
    expect(svc.help().help).toEqual({ at: expect.any(Number) });
    svc.help(); // pressed again: still one call
    expect(store.audits.filter((a) => a.action === 'help-request')).toHaveLength(1);
    expect(svc.helpAnswered().help).toBeNull();
    expect(store.audits.filter((a) => a.action === 'help-answered')).toHaveLength(1);
    svc.help();
    expect((await svc.unlockAssistant('1234')).help).toBeNull(); // the assistant came and unlocked the panel
    svc.lockAssistant();
    svc.help();
    svc.end('exam');
    expect(svc.end('end')).toMatchObject({ phase: 'cleaning', help: null });
  });
});
