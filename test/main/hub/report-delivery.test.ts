import { afterEach, describe, expect, it } from 'vitest';
import type { MediaPut, MediaUpload } from '../../../src/main/hub/put-media.ts';
import { PART_BYTES, ReportDelivery, type DeliveryStore, type PartAnswer } from '../../../src/main/hub/report-delivery.ts';
import type { Store } from '../../../src/main/store/index.ts';
import { HUB_MAX_FRAME_BYTES, ToHubSchema, type ReportReading } from '../../../src/shared/hub-protocol.ts';
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
function rig(store: DeliveryStore, sendMedia?: (consultationId: string, m: MediaUpload) => Promise<MediaPut>) {
  const clock = new ManualClock();
  const sent: { consultationId: string; readings: ReportReading[]; ref: string }[] = [];
  const audits: { sessionId: string; detail: string }[] = [];
  const frames: string[] = [];
  const link = {
    connected: false,
    report: (consultationId: string, readings: ReportReading[], ref: string) => {
      if (!link.connected) return false;
      // The frame the hub link sends (link.ts `report`).
      frames.push(JSON.stringify({ type: 'report', ref, consultationId, readings }));
      return sent.push({ consultationId, readings, ref }) > 0;
    },
  };
  const delivery = new ReportDelivery({
    store,
    link,
    clock,
    log: silentLogger(),
    onAudit: (sessionId, detail) => audits.push({ sessionId, detail }),
    backoff: { minMs: 1000, maxMs: 8000 },
    answerTimeoutMs: 30_000,
    ...(sendMedia && { sendMedia }),
  });
  const answer = (m: PartAnswer) => delivery.answer(m);
  return { clock, sent, frames, audits, link, delivery, answer };
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

  it('cuts parts by the bytes of the whole message: 250 readings of a device on a /dev/serial/by-id path fit no frame (the hub closed the socket, 4413)', () => {
    const s = tmp.open(tmp.file());
    const sid = s.createSession('fr');
    s.setConsultation(sid, 'cons-long');
    const deviceId = `nonin-3150:/dev/serial/by-id/usb-Nonin_Medical_Inc._3150_WristOx2_${'5'.repeat(170)}-if00-port0`;
    for (let i = 0; i < 600; i++) s.addObservation({ ...obs(sid, `${sid}-${String(i).padStart(4, '0')}`), deviceId, measurementId: `m-${sid}-${i}` });
    s.endSession(sid, 'completed');
    const r = rig(s);
    r.link.connected = true;
    r.delivery.kick();
    for (let i = 0; i < 10 && r.sent.length > 0 && s.undeliveredVisits().length > 0; i++) {
      const last = r.sent.at(-1)!;
      r.answer({ type: 'reported', ref: last.ref, count: last.readings.length });
    }
    for (const f of r.frames) {
      const bytes = Buffer.byteLength(f);
      expect(bytes).toBeLessThan(HUB_MAX_FRAME_BYTES);
      expect(bytes).toBeLessThanOrEqual(PART_BYTES);
      expect(ToHubSchema.safeParse(JSON.parse(f)).success).toBe(true);
    }
    expect(s.undeliveredVisits()).toEqual([]);
    expect(r.sent.flatMap((p) => p.readings.map((x) => x.id))).toHaveLength(600);
    expect(r.sent.length).toBeGreaterThan(3);
    expect(r.audits).toEqual([]);
  });

  it('drops a reading too big for any part (audited) and goes on with those behind it', () => {
    const s = tmp.open(tmp.file());
    const sid = endedVisit(s, 3, 'cons-a');
    const huge = { ...obs(sid, 'huge'), deviceId: 'x'.repeat(60_000) };
    // A store that holds a reading today's wire would never take (stand-in: the interface does not validate).
    let dropped: string[] = [];
    const store: DeliveryStore = {
      undeliveredVisits: () => s.undeliveredVisits(),
      pendingPage: (id, limit, consultationId) => {
        const page = s.pendingPage(id, limit, consultationId);
        return { ...page, readings: dropped.includes('huge') ? page.readings : [huge, ...page.readings] };
      },
      pendingReadings: (id: string, limit: number) => store.pendingPage(id, limit, 'cons-a').readings,
      markDeliveredOf: (id, kind, refs) => s.markDeliveredOf(id, kind, refs),
      dropPending: (id, kind, refs) => {
        dropped = [...dropped, ...refs];
        return refs.length;
      },
    } as DeliveryStore;
    const r = rig(store);
    r.link.connected = true;
    r.delivery.kick();
    expect(dropped).toEqual(['huge']);
    expect(r.audits).toEqual([{ sessionId: sid, detail: expect.stringMatching(/1 undelivered reading taken out of the outbox.*bigger than a part/) }]);
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]!.readings.map((x) => x.id)).toEqual([`${sid}-000`, `${sid}-001`, `${sid}-002`]);
    expect(Buffer.byteLength(r.frames[0]!)).toBeLessThanOrEqual(PART_BYTES);
  });

  it('pages past entries the wire refuses (dropped, counted in the audit) and delivers the valid readings behind them', () => {
    const s = tmp.open(tmp.file());
    const sid = s.createSession('fr');
    s.setConsultation(sid, 'cons-a');
    for (let i = 0; i < 260; i++) s.enqueue({ kind: 'observation', refId: `bad-${i}`, sessionId: sid, payload: { id: `bad-${i}`, code: 'not a code' } });
    for (let i = 0; i < 5; i++) s.addObservation(obs(sid, `${sid}-good-${i}`));
    s.endSession(sid, 'completed');
    const r = rig(s);
    r.link.connected = true;
    r.delivery.kick();
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]!.readings.map((x) => x.id)).toEqual([0, 1, 2, 3, 4].map((i) => `${sid}-good-${i}`));
    r.answer({ type: 'reported', ref: r.sent[0]!.ref, count: 5 });
    expect(s.undeliveredVisits()).toEqual([]);
    expect(s.pendingOf(sid, 'observation', 1000)).toEqual([]);
    const counted = r.audits.map((a) => Number(/^(\d+) undelivered readings? taken out of the outbox.*wire contract refuses/.exec(a.detail)?.[1]));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(260);
    expect(r.audits.every((a) => a.sessionId === sid)).toBe(true);
  });

  it('survives a store failure while marking a part delivered (it runs in the hub socket handler) and sends the part again later', () => {
    const s = tmp.open(tmp.file());
    const sid = endedVisit(s, 2, 'cons-a');
    let busy = 1;
    const store = new Proxy(s, {
      get(target, prop, receiver) {
        if (prop === 'markDeliveredOf' && busy > 0) {
          return () => {
            busy--;
            throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const r = rig(store);
    r.link.connected = true;
    r.delivery.kick();
    expect(r.sent).toHaveLength(1);
    expect(() => r.answer({ type: 'reported', ref: r.sent[0]!.ref, count: 2 })).not.toThrow();
    expect(s.pendingReadings(sid, 10)).toHaveLength(2);
    r.clock.advance(1000);
    expect(r.sent).toHaveLength(2);
    r.answer({ type: 'reported', ref: r.sent[1]!.ref, count: 2 });
    expect(s.pendingReadings(sid, 10)).toEqual([]);
  });

  it('tells the purge which visits failed to deliver since this start, and forgets a visit the hub then took', () => {
    const s = tmp.open(tmp.file());
    const a = endedVisit(s, 1, 'cons-a');
    const b = endedVisit(s, 1, 'cons-b');
    const r = rig(s);
    r.delivery.kick();
    // Unreachable: the first visit was tried, not the second.
    expect([...r.delivery.failures()]).toEqual([[a, 'the hub could not be reached']]);
    r.link.connected = true;
    r.clock.advance(1000);
    r.answer({ type: 'error', ref: r.sent[0]!.ref, code: 'internal', message: 'try again' });
    expect(r.delivery.failures().get(a)).toBe('error: internal');
    r.clock.advance(2000);
    r.answer({ type: 'reported', ref: r.sent[1]!.ref, count: 1 });
    expect(r.delivery.failures().has(a)).toBe(false);
    r.answer({ type: 'error', ref: r.sent[2]!.ref, code: 'not-claimed', message: 'no doctor took it' });
    expect([...r.delivery.failures()]).toEqual([[b, 'refused: not-claimed']]);
  });

  it('delivers each reading to the consultation whose call it was sent in: a lost ack of call A does not put it in the report of B, claimed when the visit asked again', () => {
    const s = tmp.open(tmp.file());
    const sid = s.createSession('fr');
    s.addObservation(obs(sid, 'before-a'));
    s.setConsultation(sid, 'cons-a');
    s.addObservation(obs(sid, 'in-a'));
    // Call A was cut and ended: its acks were lost.
    expect(s.markSentInCall(sid, 'cons-a')).toBe(2);
    s.addObservation(obs(sid, 'between'));
    s.setConsultation(sid, 'cons-b');
    s.addObservation(obs(sid, 'in-b'));
    s.endSession(sid, 'completed');
    expect(s.undeliveredVisits()).toEqual([
      { sessionId: sid, consultationId: 'cons-a', pending: 2 },
      { sessionId: sid, consultationId: 'cons-b', pending: 2 },
    ]);

    const r = rig(s);
    r.link.connected = true;
    r.delivery.kick();
    expect(r.sent[0]).toMatchObject({ consultationId: 'cons-a' });
    expect(r.sent[0]!.readings.map((x) => x.id)).toEqual(['before-a', 'in-a']);
    // Refused for A (say, another cabin's): B still gets its own readings, and only them.
    r.answer({ type: 'error', ref: r.sent[0]!.ref, code: 'forbidden', message: 'no' });
    expect(r.sent[1]).toMatchObject({ consultationId: 'cons-b' });
    expect(r.sent[1]!.readings.map((x) => x.id)).toEqual(['between', 'in-b']);
    r.answer({ type: 'reported', ref: r.sent[1]!.ref, count: 2 });
    expect(s.undeliveredVisits()).toEqual([{ sessionId: sid, consultationId: 'cons-a', pending: 2 }]);
    expect(r.sent).toHaveLength(2);
  });

  it('sends each picture to the consultation that was live when it was taken, like the readings: one taken between the two calls goes to the second', async () => {
    const s = tmp.open(tmp.file());
    const sid = s.createSession('fr');
    const picture = (n: number) => s.addMedia({ sessionId: sid, kind: 'otoscope-snapshot', mime: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8, n]), deliver: true });
    s.setConsultation(sid, 'cons-a');
    s.addObservation(obs(sid, 'in-a'));
    const inA = picture(1);
    // Doctor A ended the call: what was taken until then is A's.
    s.markSentInCall(sid, 'cons-a');
    // The patient asked again; a picture taken while waiting for the second doctor is shown to that doctor (B).
    const between = picture(2);
    s.setConsultation(sid, 'cons-b');
    s.addObservation(obs(sid, 'in-b'));
    const inB = picture(3);
    // The visit ended with call B still open (its end never reached the store): B, the visit's latest, gets the rest.
    s.endSession(sid, 'completed');
    expect(s.pendingMedia(sid, 'cons-a')).toEqual([{ refId: inA }]);
    expect(s.pendingMedia(sid, 'cons-b')).toEqual([{ refId: between }, { refId: inB }]);

    const uploads: { consultationId: string; mediaId: string }[] = [];
    const r = rig(s, async (consultationId, m) => {
      uploads.push({ consultationId, mediaId: m.mediaId });
      return { ok: true, stored: true };
    });
    r.link.connected = true;
    r.delivery.kick();
    const settle = () => new Promise((done) => setImmediate(done));
    // A's reading, then A's picture (only A's), then B's reading and B's two pictures.
    expect(r.sent.map((p) => p.consultationId)).toEqual(['cons-a']);
    r.answer({ type: 'reported', ref: r.sent[0]!.ref, count: 1 });
    await settle();
    expect(uploads).toEqual([{ consultationId: 'cons-a', mediaId: inA }]);
    expect(r.sent.map((p) => p.consultationId)).toEqual(['cons-a', 'cons-b']);
    r.answer({ type: 'reported', ref: r.sent[1]!.ref, count: 1 });
    await settle();
    await settle();
    expect(uploads).toEqual([
      { consultationId: 'cons-a', mediaId: inA },
      { consultationId: 'cons-b', mediaId: between },
      { consultationId: 'cons-b', mediaId: inB },
    ]);
    expect(s.undeliveredVisits()).toEqual([]);
    expect(s.pendingOf(sid, 'media')).toEqual([]);
  });

  it('a picture refused by the first consultation’s report is not sent to the second instead', async () => {
    const s = tmp.open(tmp.file());
    const sid = s.createSession('fr');
    s.setConsultation(sid, 'cons-a');
    const inA = s.addMedia({ sessionId: sid, kind: 'otoscope-snapshot', mime: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8, 1]), deliver: true });
    s.markSentInCall(sid, 'cons-a');
    s.setConsultation(sid, 'cons-b');
    const inB = s.addMedia({ sessionId: sid, kind: 'otoscope-snapshot', mime: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8, 2]), deliver: true });
    s.markSentInCall(sid, 'cons-b');
    s.endSession(sid, 'completed');
    const uploads: string[] = [];
    const r = rig(s, async (consultationId, m) => {
      uploads.push(`${consultationId} ${m.mediaId}`);
      // A's report belongs to another cabin now (say): the hub refuses it for good.
      return consultationId === 'cons-a' ? { ok: false, status: 403, code: 'forbidden', message: 'no' } : { ok: true, stored: true };
    });
    r.link.connected = true;
    r.delivery.kick();
    await new Promise((done) => setImmediate(done));
    await new Promise((done) => setImmediate(done));
    expect(uploads).toEqual([`cons-a ${inA}`, `cons-b ${inB}`]);
    expect(s.undeliveredVisits()).toEqual([{ sessionId: sid, consultationId: 'cons-a', pending: 1 }]);
    expect(r.audits.map((a) => a.detail)).toEqual([expect.stringMatching(/^the hub refused the visit's readings \(forbidden/)]);
  });
});
