import { afterEach, describe, expect, it } from 'vitest';
import { ReportDelivery, type PartAnswer } from '../../../src/main/hub/report-delivery.ts';
import type { Store } from '../../../src/main/store/index.ts';
import type { ReportReading } from '../../../src/shared/hub-protocol.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { storeTemp } from '../helpers/store-temp.ts';

/** Cabin main delivers the outbox of ended visits to their consultation's report (issue 11, fault 4), on a real store. */

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

const obs = (sessionId: string, id: string) => ({ id, sessionId, deviceId: 'ox-1', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 1000 });

function endedVisit(s: Store, n: number, consultationId: string): string {
  const sid = s.createSession('fr');
  s.setConsultation(sid, consultationId);
  for (let i = 0; i < n; i++) s.addObservation(obs(sid, `${sid}-${String(i).padStart(3, '0')}`));
  s.endSession(sid, 'crash-recovery');
  return sid;
}

/** A hub link stand-in: connected or not, recording the parts sent. */
function rig(store: Store) {
  const clock = new ManualClock();
  const sent: { consultationId: string; readings: ReportReading[]; ref: string }[] = [];
  const audits: { sessionId: string; detail: string }[] = [];
  const link = { connected: false, report: (consultationId: string, readings: ReportReading[], ref: string) => link.connected && sent.push({ consultationId, readings, ref }) > 0 };
  const delivery = new ReportDelivery({
    store,
    link,
    clock,
    log: silentLogger(),
    onAudit: (sessionId, detail) => audits.push({ sessionId, detail }),
    backoff: { minMs: 1000, maxMs: 8000 },
    answerTimeoutMs: 30_000,
  });
  const answer = (m: PartAnswer) => delivery.answer(m);
  return { clock, sent, audits, link, delivery, answer };
}

describe('ReportDelivery', () => {
  it('sends the parts of each ended visit, marks them delivered only on `reported`, and retries with backoff while the hub is unreachable', () => {
    const s = tmp.open(tmp.file());
    const a = endedVisit(s, 300, 'cons-a');
    const b = endedVisit(s, 2, 'cons-b');
    const current = s.createSession('fr');
    s.setConsultation(current, 'cons-c');
    s.addObservation(obs(current, 'live-1'));
    const r = rig(s);

    r.delivery.kick();
    expect(r.sent).toHaveLength(0);
    // Unreachable: tried again after 0.5–1 s, then 1–2 s (doubling, with jitter).
    r.clock.advance(1000);
    r.clock.advance(2000);
    expect(r.sent).toHaveLength(0);
    r.link.connected = true;
    r.clock.advance(4000);
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]).toMatchObject({ consultationId: 'cons-a' });
    expect(r.sent[0]!.readings).toHaveLength(250);
    expect(s.pendingReadings(a, 1000)).toHaveLength(300);

    expect(r.answer({ type: 'reported', ref: r.sent[0]!.ref, count: 250 })).toBe(true);
    expect(s.pendingReadings(a, 1000)).toHaveLength(50);
    expect(r.sent[1]!.readings.map((x) => x.id)).toEqual(s.pendingReadings(a, 1000).map((x) => x.id));
    r.answer({ type: 'reported', ref: r.sent[1]!.ref, count: 50 });
    expect(r.sent[2]).toMatchObject({ consultationId: 'cons-b' });
    r.answer({ type: 'reported', ref: r.sent[2]!.ref, count: 2 });
    expect(s.undeliveredVisits()).toEqual([]);
    expect(s.pendingReadings(b, 10)).toEqual([]);
    // The visit in progress is the doctor's console's business.
    expect(r.sent.flatMap((p) => p.readings.map((x) => x.id))).not.toContain('live-1');
    expect(r.sent).toHaveLength(3);
    expect(r.audits).toEqual([]);
  });

  it('sends a part again when its answer never comes, and ignores answers that are not its own', () => {
    const s = tmp.open(tmp.file());
    const a = endedVisit(s, 3, 'cons-a');
    const r = rig(s);
    r.link.connected = true;
    r.delivery.kick();
    expect(r.sent).toHaveLength(1);
    expect(r.answer({ type: 'error', ref: 'r1', code: 'not-found', message: 'no' })).toBe(false);
    expect(r.answer({ type: 'error', code: 'invalid-message', message: 'no ref' })).toBe(false);
    r.clock.advance(30_000);
    r.clock.advance(1000);
    expect(r.sent).toHaveLength(2);
    // The late answer to the first part changes nothing; the second's marks them.
    r.answer({ type: 'reported', ref: r.sent[0]!.ref, count: 3 });
    expect(s.pendingReadings(a, 10)).toHaveLength(3);
    r.answer({ type: 'reported', ref: r.sent[1]!.ref, count: 0 });
    expect(s.pendingReadings(a, 10)).toHaveLength(0);
  });

  it('gives up on a visit the hub refuses for good (audited, kept for the retention) and goes on with the others; a passing failure is retried', () => {
    const s = tmp.open(tmp.file());
    const a = endedVisit(s, 2, 'cons-other-cabin');
    const b = endedVisit(s, 2, 'cons-b');
    const r = rig(s);
    r.link.connected = true;
    r.delivery.kick();
    r.answer({ type: 'error', ref: r.sent[0]!.ref, code: 'forbidden', message: 'This consultation is not yours.' });
    expect(r.audits).toEqual([{ sessionId: a, detail: expect.stringMatching(/hub refused the visit's readings \(forbidden: This consultation is not yours\.\)/) }]);
    expect(r.sent[1]).toMatchObject({ consultationId: 'cons-b' });
    r.answer({ type: 'error', ref: r.sent[1]!.ref, code: 'internal', message: 'try again' });
    expect(r.sent).toHaveLength(2);
    r.clock.advance(1000);
    expect(r.sent).toHaveLength(3);
    expect(r.sent[2]).toMatchObject({ consultationId: 'cons-b' });
    r.answer({ type: 'reported', ref: r.sent[2]!.ref, count: 2 });
    expect(s.pendingReadings(b, 10)).toEqual([]);
    expect(s.pendingReadings(a, 10)).toHaveLength(2);
    r.delivery.kick();
    expect(r.sent).toHaveLength(3);
  });
});
