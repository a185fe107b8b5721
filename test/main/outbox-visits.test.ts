import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/main/store/index.ts';
import { manualClock, storeTemp } from './helpers/store-temp.ts';

/** The outbox of visits that ended (issue 11, faults 4 and 5), on a real SQLite store. */

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

const HOUR = 3_600_000;
const obs = (sessionId: string, id: string) => ({ id, sessionId, deviceId: 'ox-1', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 1000 });

function visit(s: Store, n: number, consultationId?: string): string {
  const sid = s.createSession('fr');
  if (consultationId) s.setConsultation(sid, consultationId);
  for (let i = 0; i < n; i++) s.addObservation(obs(sid, `${sid}-${i}`));
  return sid;
}

describe('the outbox of ended visits', () => {
  it('remembers the visit’s consultation across a restart and lists its undelivered readings once the visit ended', () => {
    const file = tmp.file();
    const s = tmp.open(file);
    const a = visit(s, 3, 'cons-a');
    const noDoctor = visit(s, 2);
    s.endSession(noDoctor, 'completed');
    // Still open: its readings go through the doctor's console.
    expect(s.undeliveredVisits()).toEqual([]);
    s.close();

    const again = tmp.open(file);
    expect(again.session(a)?.consultationId).toBe('cons-a');
    again.endSession(a, 'crash-recovery');
    expect(again.undeliveredVisits()).toEqual([{ sessionId: a, consultationId: 'cons-a', pending: 3 }]);
    expect(again.pendingReadings(a).map((r) => r.id)).toEqual([`${a}-0`, `${a}-1`, `${a}-2`]);

    expect(again.markDeliveredOf(a, 'observation', [`${a}-0`, `${a}-1`, `${a}-2`])).toBe(3);
    expect(again.undeliveredVisits()).toEqual([]);
  });

  it('acknowledges only within the named visit: a stale page cannot mark another visit’s readings delivered', () => {
    const s = tmp.open(tmp.file());
    const old = visit(s, 2, 'cons-old');
    s.endSession(old, 'completed');
    const current = visit(s, 1, 'cons-new');

    expect(s.markDeliveredOf(current, 'observation', [`${old}-0`, `${old}-1`, `${current}-0`])).toBe(1);
    expect(s.pendingReadings(old).map((r) => r.id)).toEqual([`${old}-0`, `${old}-1`]);
    expect(s.pendingReadings(current)).toEqual([]);
  });
});

describe('purge of undelivered data', () => {
  it('drops a visit’s undelivered data after its wait, saying in the audit log what was dropped and why', () => {
    const clock = manualClock();
    const s = tmp.open(tmp.file(), { now: clock.now });
    const noDoctor = visit(s, 2);
    s.addMedia({ sessionId: noDoctor, kind: 'otoscope-snapshot', mime: 'image/jpeg', bytes: new Uint8Array([1, 2, 3]), deliver: true });
    s.endSession(noDoctor, 'completed');
    const hubRefused = visit(s, 3, 'cons-x');
    s.markDeliveredOf(hubRefused, 'observation', [`${hubRefused}-0`]);
    s.endSession(hubRefused, 'crash-recovery');
    const limits = { retentionMs: 24 * HOUR, undeliveredMs: 72 * HOUR, deliveryFailed: new Map([[hubRefused, 'refused: forbidden']]) };

    clock.advance(30 * HOUR);
    expect(s.purge(clock.now(), limits)).toMatchObject({ sessions: 0, dropped: 0 });
    expect(s.auditTrail({ action: 'incident' })).toEqual([]);

    clock.advance(43 * HOUR);
    const counts = s.purge(clock.now(), limits);
    expect(counts).toMatchObject({ sessions: 2, observations: 5, media: 1, outbox: 6, dropped: 5 });
    expect(s.session(noDoctor)).toBeUndefined();
    expect(s.session(hubRefused)).toBeUndefined();
    expect(s.pending(10)).toEqual([]);

    const said = s.auditTrail({ action: 'incident' });
    expect(said).toHaveLength(2);
    const of = (sid: string) => said.find((e) => e.sessionId === sid)!.detail!;
    expect(of(noDoctor)).toMatchObject({ reason: 'retention', count: 3, items: ['media: 1', 'observation: 2'] });
    expect(of(noDoctor).detail).toMatch(/3 undelivered entries .* deleted 3 days after the visit ended: the consultation of this visit is unknown \(no doctor took it, or it ended before/);
    expect(of(hubRefused)).toMatchObject({ reason: 'retention', count: 2, items: ['observation: 2'] });
    expect(of(hubRefused).detail).toMatch(/the hub did not take them for consultation cons-x \(refused: forbidden\)/);
    expect(s.integrityCheck()).toBe('ok');
  });

  it('keeps a visit’s undelivered readings past the wait until a delivery attempt of this start failed (the purge at start runs before the hub link opens)', () => {
    const clock = manualClock();
    const s = tmp.open(tmp.file(), { now: clock.now });
    const untried = visit(s, 2, 'cons-u');
    s.endSession(untried, 'completed');
    const failed = visit(s, 1, 'cons-f');
    s.endSession(failed, 'completed');
    const noDoctor = visit(s, 1);
    s.endSession(noDoctor, 'completed');
    // retentionDays 0 over a weekend: the wait (at least a day) is long past.
    clock.advance(60 * HOUR);
    const limits = { retentionMs: 0, undeliveredMs: 24 * HOUR };

    // Start: nothing tried yet. Only the visit no doctor took (nowhere to deliver) goes.
    expect(s.purge(clock.now(), { ...limits, deliveryFailed: new Map() })).toMatchObject({ sessions: 1, dropped: 1 });
    expect(s.session(noDoctor)).toBeUndefined();
    expect(s.pendingReadings(untried)).toHaveLength(2);
    expect(s.pendingReadings(failed)).toHaveLength(1);

    // The delivery tried one and the hub could not be reached: that one goes, the other waits for its own try.
    const counts = s.purge(clock.now(), { ...limits, deliveryFailed: new Map([[failed, 'the hub could not be reached']]) });
    expect(counts).toMatchObject({ sessions: 1, dropped: 1 });
    expect(s.session(failed)).toBeUndefined();
    expect(s.pendingReadings(untried)).toHaveLength(2);
    const said = s.auditTrail({ action: 'incident' });
    expect(said.find((e) => e.sessionId === failed)!.detail!.detail).toMatch(/the hub did not take them for consultation cons-f \(the hub could not be reached\)/);
    expect(said.find((e) => e.sessionId === noDoctor)!.detail!.detail).toMatch(/the consultation of this visit is unknown/);
    expect(said.find((e) => e.sessionId === noDoctor)!.detail!.detail).not.toMatch(/no doctor took this visit/);

    // A cabin with no hub: the wait alone counts, and the audit says why.
    expect(s.purge(clock.now(), limits)).toMatchObject({ sessions: 1, dropped: 2 });
    expect(s.auditTrail({ action: 'incident' }).find((e) => e.sessionId === untried)!.detail!.detail).toMatch(/no hub to deliver them to the report of consultation cons-u/);
  });

  it('purges a visit delivered late after the retention, without an audit entry', () => {
    const clock = manualClock();
    const s = tmp.open(tmp.file(), { now: clock.now });
    const sid = visit(s, 2, 'cons-y');
    s.endSession(sid, 'crash-recovery');
    clock.advance(25 * HOUR);
    expect(s.purge(clock.now(), { retentionMs: 24 * HOUR, undeliveredMs: 72 * HOUR }).sessions).toBe(0);
    s.markDeliveredOf(sid, 'observation', [`${sid}-0`, `${sid}-1`]);
    expect(s.purge(clock.now(), { retentionMs: 24 * HOUR, undeliveredMs: 72 * HOUR })).toMatchObject({ sessions: 1, dropped: 0 });
    expect(s.auditTrail({ action: 'incident' })).toEqual([]);
  });
});
