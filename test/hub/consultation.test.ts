import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConsultationReportSchema, type FromHub } from '../../src/shared/hub-protocol.ts';
import { queueOrder } from '../../src/shared/queue-view.ts';
import { ManualClock, runFor, runUntil } from '../helpers/manual-clock.ts';
import { Client, activeConsultation, cabinToken, doctorToken, startHub, type TestHub } from './helpers.ts';

const TURN_SECRET = 'turn-shared-secret';
let t: TestHub;

beforeAll(async () => {
  t = await startHub({
    iceServers: { stunUrls: ['stun:127.0.0.1:3478'], turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: TURN_SECRET, ttlS: 600 } },
  });
});
afterAll(() => t.close());

describe('queue', () => {
  it('shows every change of the waiting queue to every doctor, live', async () => {
    const [d1, d2] = await Promise.all([doctorToken(t, 'dr.a'), doctorToken(t, 'dr.b')]).then((ts) => Promise.all(ts.map((x) => Client.open(t.hub.wsUrl, x))));
    expect(await d1!.next('hello')).toMatchObject({ role: 'doctor', id: 'dr.a', name: 'Dr A' });
    expect((await d1!.next('queue')).items).toEqual([]);
    expect((await d2!.next('queue')).items).toEqual([]);

    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    expect(await cabin.next('hello')).toMatchObject({ role: 'cabin', id: 'cab-1' });
    cabin.send({ type: 'request', ref: 'q', language: 'en' });
    const waiting = (await cabin.next('consultation', (m) => m.ref === 'q')).consultation;
    expect(waiting).toMatchObject({ state: 'waiting', cabinId: 'cab-1', doctorId: null, language: 'en', peerPresent: false, polite: false });
    for (const d of [d1!, d2!]) {
      const q = await d.next('queue');
      expect(q.items).toEqual([{ consultationId: waiting.consultationId, cabinId: 'cab-1', cabinName: 'Cabin cab-1', language: 'en', since: waiting.createdAt }]);
    }
    // One open consultation per cabin: asking again answers the same one, and the queue does not change.
    cabin.send({ type: 'request', ref: 'q2', language: 'fr' });
    expect((await cabin.next('consultation', (m) => m.ref === 'q2')).consultation.consultationId).toBe(waiting.consultationId);

    cabin.send({ type: 'cancel', ref: 'x', consultationId: waiting.consultationId });
    expect(await cabin.next('ended', (m) => m.ref === 'x')).toMatchObject({ consultationId: waiting.consultationId, reason: 'cancelled' });
    for (const d of [d1!, d2!]) expect((await d.next('queue')).items).toEqual([]);
    expect(d1!.pending.filter((m) => m.type === 'queue')).toEqual([]);
    expect((await t.hub.store.consultation(waiting.consultationId))!.state).toBe('cancelled');
    // Claiming what the patient left answers an error.
    d1!.send({ type: 'claim', ref: 'late', consultationId: waiting.consultationId });
    expect(await d1!.next('error', (m) => m.ref === 'late')).toMatchObject({ code: 'not-waiting' });
    await Promise.all([d1!.close(), d2!.close(), cabin.close()]);
  });

  it('sends a doctor the whole queue once, then each change alone (queue-delta); a resync gives the whole again', async () => {
    const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
    const raw: FromHub[] = [];
    doc.ws.on('message', (data) => raw.push(JSON.parse(String(data)) as FromHub));
    expect((await doc.next('queue')).items).toEqual([]);
    for (let i = 0; i <= 30; i++) t.keys[`cab-q${i}`] = (await t.hub.store.addCabin({ id: `cab-q${i}`, name: `Cabine ${i}` })).key;
    const cabins = await Promise.all(Array.from({ length: 30 }, async (_, i) => Client.open(t.hub.wsUrl, await cabinToken(t, `cab-q${i}`))));
    cabins.forEach((c, i) => c.send({ type: 'request', ref: `q${i}`, language: 'fr' }));
    const ids = await Promise.all(cabins.map(async (c, i) => (await c.next('consultation', (m) => m.ref === `q${i}`)).consultation.consultationId));
    await doc.next('queue', (m) => m.items.length === 30);
    // One more cabin asks: the doctor gets that item alone, not the 30 others again.
    const last = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-q30'));
    raw.length = 0;
    last.send({ type: 'request', ref: 'q30', language: 'en' });
    const lastId = (await last.next('consultation', (m) => m.ref === 'q30')).consultation.consultationId;
    const seen = await doc.next('queue', (m) => m.items.length === 31);
    expect(seen.items.at(-1)!.consultationId).toBe(lastId);
    expect(new Set(seen.items.map((i) => i.consultationId))).toEqual(new Set([...ids, lastId]));
    expect(seen.items).toEqual([...seen.items].sort(queueOrder));
    const deltas = raw.filter((m) => m.type === 'queue-delta');
    expect(raw.filter((m) => m.type === 'queue')).toEqual([]);
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({ upsert: [{ consultationId: lastId, cabinId: 'cab-q30', language: 'en' }], remove: [] });
    // A cabin that goes away: its item changes (offline since), alone.
    raw.length = 0;
    await cabins[0]!.close();
    await doc.next('queue', (m) => m.items.some((i) => i.consultationId === ids[0] && i.offlineSince !== undefined));
    expect(raw.filter((m) => m.type === 'queue-delta')).toMatchObject([{ upsert: [{ consultationId: ids[0] }], remove: [] }]);
    // Asked again, the whole queue, with the edition the next deltas build on. The editions the waits above passed over
    // (the burst of 30 requests may be sent as several: 29 items, then 30) are dropped first, or next('queue') would
    // take the oldest of them (a fresh-clone CI run: 29 items).
    raw.length = 0;
    doc.pending.length = 0;
    doc.send({ type: 'queue-resync' });
    const whole = await doc.next('queue');
    expect(whole.items).toHaveLength(31);
    expect(raw).toEqual([{ type: 'queue', items: whole.items, rev: whole.rev }]);
    last.send({ type: 'cancel', ref: 'x', consultationId: lastId });
    expect((await doc.next('queue')).items).toHaveLength(30);
    expect(doc.gaps).toEqual([]);
    // Only doctors hold a queue.
    last.send({ type: 'queue-resync' });
    expect(await last.next('error')).toMatchObject({ code: 'forbidden' });
    await Promise.all([doc.close(), last.close(), ...cabins.slice(1).map((c) => c.close())]);
  });

  it('a crowd of cabins coming back at once: each gets its consultation, read for them together', async () => {
    for (let i = 0; i < 20; i++) t.keys[`cab-r${i}`] ??= (await t.hub.store.addCabin({ id: `cab-r${i}`, name: `Cabine r${i}` })).key;
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => cabinToken(t, `cab-r${i}`)));
    const first = await Promise.all(tokens.map((tk) => Client.open(t.hub.wsUrl, tk)));
    first.forEach((c, i) => c.send({ type: 'request', ref: `r${i}`, language: 'fr' }));
    const ids = await Promise.all(first.map(async (c, i) => (await c.next('consultation', (m) => m.ref === `r${i}`)).consultation.consultationId));
    await Promise.all(first.map((c) => c.close()));
    const single = vi.spyOn(t.hub.store, 'openFor');
    // Each read takes 300 ms, as a busy database's would: the cabins that connect meanwhile wait for the next read
    // together (with a fast read, 20 connections could come one read apart each: 20 reads, seen locally 2 runs in 5).
    const readMany = t.hub.store.openForMany.bind(t.hub.store);
    const many = vi.spyOn(t.hub.store, 'openForMany').mockImplementation(async (role, ids) => {
      await new Promise((r) => setTimeout(r, 300));
      return readMany(role, ids);
    });
    try {
      const back = await Promise.all(tokens.map((tk) => Client.open(t.hub.wsUrl, tk)));
      const seen = await Promise.all(back.map(async (c) => (await c.next('consultation')).consultation));
      expect(seen.map((c) => c.consultationId)).toEqual(ids);
      expect(seen.every((c) => c.state === 'waiting')).toBe(true);
      expect(single).not.toHaveBeenCalled();
      expect(many.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(many.mock.calls.length).toBeLessThanOrEqual(5);
      await Promise.all(back.map((c, i) => (c.send({ type: 'cancel', ref: `x${i}`, consultationId: ids[i]! }), c.next('ended', (m) => m.ref === `x${i}`))));
      await Promise.all(back.map((c) => c.close()));
    } finally {
      single.mockRestore();
      many.mockRestore();
    }
  });

  it('lets exactly one of two doctors claiming at once win, 20 times over', async () => {
    const [a, b] = await Promise.all([doctorToken(t, 'dr.a'), doctorToken(t, 'dr.b')]).then((ts) => Promise.all(ts.map((x) => Client.open(t.hub.wsUrl, x))));
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    const wins = { 'dr.a': 0, 'dr.b': 0 };
    for (let i = 0; i < 20; i++) {
      cabin.send({ type: 'request', ref: `r${i}`, language: 'fr' });
      const id = (await cabin.next('consultation', (m) => m.ref === `r${i}`)).consultation.consultationId;
      // Both wait for the queue to show it, then fire together.
      await Promise.all([a!, b!].map((d) => d.next('queue', (q) => q.items.some((it) => it.consultationId === id))));
      a!.send({ type: 'claim', ref: `a${i}`, consultationId: id });
      b!.send({ type: 'claim', ref: `b${i}`, consultationId: id });
      const answers = await Promise.all(
        ([['dr.a', a!, `a${i}`], ['dr.b', b!, `b${i}`]] as const).map(async ([name, d, ref]) => {
          const m = await Promise.race([d.next('consultation', (x) => x.ref === ref), d.next('error', (x) => x.ref === ref)]);
          return { name, m };
        }),
      );
      const won = answers.filter((x) => x.m.type === 'consultation');
      const lost = answers.filter((x) => x.m.type === 'error');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.m).toMatchObject({ code: 'already-claimed' });
      const winner = won[0]!;
      wins[winner.name]++;
      expect(winner.m).toMatchObject({ consultation: { state: 'active', doctorId: winner.name, polite: true, peerPresent: true } });
      const seen = await cabin.next('consultation', (m) => m.consultation.consultationId === id && m.consultation.state === 'active');
      expect(seen.consultation).toMatchObject({ doctorId: winner.name, doctorName: winner.name === 'dr.a' ? 'Dr A' : 'Dr B', polite: false, peerPresent: true });
      expect(await t.hub.store.consultation(id)).toMatchObject({ state: 'active', doctorId: winner.name });
      const endBy = winner.name === 'dr.a' ? a! : b!;
      endBy.send({ type: 'end', ref: `e${i}`, consultationId: id, notes: '', readings: [] });
      await endBy.next('ended', (m) => m.ref === `e${i}`);
      await cabin.next('ended', (m) => m.consultationId === id);
    }
    expect(wins['dr.a'] + wins['dr.b']).toBe(20);
    await Promise.all([a!.close(), b!.close(), cabin.close()]);
  });
});

describe('signaling relay and TURN credentials', () => {
  it('relays signals both ways unchanged, and drops them while the peer is away', async () => {
    const { cabin, doc, id } = await activeConsultation(t, 'cab-3', 'dr.c');
    const offer = { pc: 'cab-pc-1', description: { type: 'offer' as const, sdp: 'v=0\r\n' }, tracks: { '0': 'camera' as const, '1': 'stethoscope' as const } };
    cabin.send({ type: 'signal', consultationId: id, data: offer });
    expect(await doc.next('signal')).toEqual({ type: 'signal', consultationId: id, data: offer });
    const cand = { pc: 'doc-pc-1', candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } };
    doc.send({ type: 'signal', consultationId: id, data: cand });
    expect(await cabin.next('signal')).toEqual({ type: 'signal', consultationId: id, data: cand });

    await cabin.close();
    await doc.next('consultation', (m) => !m.consultation.peerPresent);
    doc.send({ type: 'signal', consultationId: id, data: { pc: 'doc-pc-1', hello: true } });
    const back = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-3'));
    await back.next('consultation', (m) => m.consultation.consultationId === id);
    back.send({ type: 'ping' });
    await back.next('pong');
    expect(back.pending.filter((m) => m.type === 'signal')).toEqual([]);
    doc.send({ type: 'end', consultationId: id, notes: '', readings: [] });
    await back.next('ended');
    await Promise.all([back.close(), doc.close()]);
  });

  it('relays a call’s signals without reading the store for each, and refuses them once the call has ended', async () => {
    const { cabin, doc, id } = await activeConsultation(t, 'cab-3', 'dr.c');
    const reads = vi.spyOn(t.hub.store, 'consultation');
    try {
      for (let i = 0; i < 40; i++) {
        const [from, to] = i % 2 ? [doc, cabin] : [cabin, doc];
        from.send({ type: 'signal', consultationId: id, data: { pc: `pc-${i % 2}`, candidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${50000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 } } });
        expect((await to.next('signal')).data).toMatchObject({ candidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${50000 + i} typ host` } });
      }
      // At most the first signal read it (activeConsultation's claim already wrote it, so this node forgot it then).
      expect(reads.mock.calls.filter(([c]) => c === id).length).toBeLessThanOrEqual(1);
      doc.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
      await doc.next('ended', (m) => m.ref === 'e');
      await cabin.next('ended');
      // The end was written here: the next signal reads the store again, and is refused.
      cabin.send({ type: 'signal', consultationId: id, data: { pc: 'pc-0', hello: true } });
      expect(await cabin.next('error')).toMatchObject({ code: 'not-active' });
      doc.send({ type: 'signal', consultationId: id, data: { pc: 'pc-1', hello: true } });
      expect(await doc.next('error')).toMatchObject({ code: 'not-active' });
    } finally {
      reads.mockRestore();
    }
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('relays a signal sent after a report part without waiting for that part’s transaction; an end still waits for it', async () => {
    const { cabin, doc, id } = await activeConsultation(t, 'cab-3', 'dr.c');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const store = t.hub.store;
    const original = store.transaction.bind(store);
    // The next transaction (the report part's) waits until the test lets it go: a database busy with other writes.
    const tx = vi.spyOn(store, 'transaction').mockImplementationOnce(async (fn) => {
      await held;
      return original(fn);
    });
    try {
      const part = [{ id: 'slow-1', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 1 }];
      doc.send({ type: 'report', ref: 'p', consultationId: id, readings: part });
      doc.send({ type: 'signal', consultationId: id, data: { pc: 'doc-pc', hello: true } });
      doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Vu.', readings: [] });
      // The signal reaches the cabin while the report part is still held…
      expect((await cabin.next('signal')).data).toEqual({ pc: 'doc-pc', hello: true });
      expect(doc.pending.some((m) => m.type === 'reported' || m.type === 'ended')).toBe(false);
      release();
      // …and the end, sent after the part, is handled after it: the part is stored, then the consultation ends.
      expect(await doc.next('reported', (m) => m.ref === 'p')).toMatchObject({ count: 1 });
      expect(await doc.next('ended', (m) => m.ref === 'e')).toMatchObject({ reason: 'ended' });
      expect((await store.report(id))!.readings.map((r) => r.id)).toContain('slow-1');
    } finally {
      release();
      tx.mockRestore();
    }
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('gives each side STUN plus TURN credentials that verify with the shared secret (coturn REST scheme)', async () => {
    const before = Math.floor(Date.now() / 1000);
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
    cabin.send({ type: 'request', ref: 'r', language: 'fr' });
    const id = (await cabin.next('consultation', (m) => m.ref === 'r')).consultation.consultationId;
    doc.send({ type: 'claim', ref: 'c', consultationId: id });
    const views = { doctor: (await doc.next('consultation', (m) => m.ref === 'c')).consultation, cabin: (await cabin.next('consultation', (m) => m.consultation.state === 'active')).consultation };
    for (const [role, view] of Object.entries(views)) {
      expect(view.iceServers[0]).toEqual({ urls: ['stun:127.0.0.1:3478'] });
      const turn = view.iceServers[1]!;
      expect(turn.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
      const [expiry, user] = turn.username!.split(':');
      expect(user).toBe(`${id}-${role}`);
      expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
      expect(Number(expiry)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 601);
      expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username!).digest('base64'));
      expect(turn.credential).not.toBe(createHmac('sha1', 'another secret').update(turn.username!).digest('base64'));
    }
    doc.send({ type: 'cancel', ref: 'x', consultationId: id });
    expect(await doc.next('ended', (m) => m.ref === 'x')).toMatchObject({ reason: 'cancelled' });
    expect(await cabin.next('ended')).toMatchObject({ consultationId: id, reason: 'cancelled' });
    expect((await t.hub.store.report(id))!.incidents.map((i) => i.detail)).toContain('cancelled by the doctor');
    await Promise.all([cabin.close(), doc.close()]);
  });
});

describe('the patient leaves before the doctor ends', () => {
  it('keeps the consultation for the doctor’s notes and report, and frees the cabin for the next patient', async () => {
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
    cabin.send({ type: 'request', ref: 'r', language: 'fr' });
    const id = (await cabin.next('consultation', (m) => m.ref === 'r')).consultation.consultationId;
    doc.send({ type: 'claim', ref: 'c', consultationId: id });
    await doc.next('consultation', (m) => m.ref === 'c');
    await cabin.next('consultation', (m) => m.consultation.state === 'active');

    cabin.send({ type: 'cancel', ref: 'bye', consultationId: id });
    expect(await cabin.next('ended', (m) => m.ref === 'bye')).toMatchObject({ consultationId: id, reason: 'cancelled' });
    // The doctor still has it, with the patient gone.
    expect((await doc.next('consultation', (m) => m.consultation.consultationId === id && !m.consultation.peerPresent)).consultation).toMatchObject({ state: 'active' });
    // The cabin can no longer signal into it, and the next patient gets a new consultation.
    cabin.send({ type: 'signal', consultationId: id, data: { pc: 'x', hello: true } });
    expect(await cabin.next('error')).toMatchObject({ code: 'not-active' });
    cabin.send({ type: 'request', ref: 'r2', language: 'en' });
    const next = (await cabin.next('consultation', (m) => m.ref === 'r2')).consultation;
    expect(next.consultationId).not.toBe(id);
    expect(next.state).toBe('waiting');

    // The doctor finishes: notes and readings saved; the cabin (now with another patient) hears nothing of it.
    doc.send({ type: 'report', consultationId: id, readings: [{ id: 'o1', code: 'MDC_PULS_OXIM_SAT_O2', value: 96, unit: '%', t: 1 }] });
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Reviewed after the patient left.', readings: [] });
    expect(await doc.next('ended', (m) => m.ref === 'e')).toMatchObject({ reason: 'ended' });
    const report = (await t.hub.store.report(id))!;
    expect(report).toMatchObject({ state: 'ended', notes: 'Reviewed after the patient left.', readings: [{ id: 'o1' }] });
    expect(report.incidents.map((i) => i.detail)).toContain('the patient left the cabin');
    cabin.send({ type: 'cancel', ref: 'c2', consultationId: next.consultationId });
    expect((await cabin.next('ended', (m) => m.ref === 'c2')).consultationId).toBe(next.consultationId);
    await Promise.all([cabin.close(), doc.close()]);
  });
});

describe('reconnection and the report', () => {
  it('brings either side back into the same consultation, tells the peer, and stores the whole report at the end', async () => {
    const { cabin, doc, id } = await activeConsultation(t, 'cab-2', 'dr.b');
    cabin.send({ type: 'incident', consultationId: id, detail: 'otoscope unplugged' });

    // The cabin drops and comes back.
    await cabin.close();
    expect((await doc.next('consultation', (m) => m.consultation.consultationId === id)).consultation).toMatchObject({ peerPresent: false, state: 'active' });
    const cabin2 = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    expect((await cabin2.next('consultation')).consultation).toMatchObject({ consultationId: id, state: 'active', doctorId: 'dr.b', peerPresent: true, polite: false });
    expect((await doc.next('consultation')).consultation).toMatchObject({ consultationId: id, peerPresent: true });

    // The doctor drops and comes back.
    await doc.close();
    expect((await cabin2.next('consultation')).consultation).toMatchObject({ consultationId: id, peerPresent: false });
    const doc2 = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.b'));
    expect((await doc2.next('consultation')).consultation).toMatchObject({ consultationId: id, state: 'active', peerPresent: true, polite: true });
    expect((await cabin2.next('consultation')).consultation).toMatchObject({ peerPresent: true });
    doc2.send({ type: 'join', ref: 'j', consultationId: id });
    expect((await doc2.next('consultation', (m) => m.ref === 'j')).consultation.consultationId).toBe(id);

    doc2.send({ type: 'incident', consultationId: id, detail: 'ICE restart' });
    const readings = [
      { id: 'o1', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 1000, deviceId: 'sim-oxi' },
      { id: 'o2', code: 'MDC_PULS_OXIM_PULS_RATE' as const, value: 72, unit: '/min', t: 1001, measurementId: 'm1' },
    ];
    // Readings in parts before the end; a part sent twice (after a reconnection) is kept once.
    const many = Array.from({ length: 600 }, (_, i) => ({ id: `p${i}`, code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 90 + (i % 10), unit: '%', t: 2000 + i }));
    for (const part of [many.slice(0, 250), many.slice(250, 500), many.slice(250, 500), many.slice(500)]) doc2.send({ type: 'report', consultationId: id, readings: part });
    // A cabin adds to its own consultation's report only what its outbox still holds, marked (cabin-report.test.ts).
    doc2.send({ type: 'end', ref: 'end', consultationId: id, notes: 'Patient well.', readings });
    expect(await doc2.next('ended', (m) => m.ref === 'end')).toMatchObject({ consultationId: id, reason: 'ended' });
    expect(await cabin2.next('ended')).toMatchObject({ consultationId: id, reason: 'ended' });

    const res = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: { Authorization: `Bearer ${await doctorToken(t, 'dr.b')}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const report = ConsultationReportSchema.parse(await res.json());
    expect(report).toMatchObject({ consultationId: id, cabin: { id: 'cab-2', name: 'Cabin cab-2' }, doctor: { id: 'dr.b', name: 'Dr B' }, state: 'ended', notes: 'Patient well.', readings: [...readings, ...many] });
    // In time order, whatever order the parts came in (the `end` part carried the earliest two).
    expect(report.createdAt).toBeLessThanOrEqual(report.claimedAt!);
    expect(report.claimedAt).toBeLessThanOrEqual(report.endedAt!);
    expect(report.incidents.map((i) => [i.side, i.detail.replace(/ \(.*\)$/, '')])).toEqual([
      ['cabin', 'otoscope unplugged'],
      ['hub', 'cabin disconnected'],
      ['hub', 'cabin reconnected'],
      ['hub', 'doctor disconnected'],
      ['hub', 'doctor reconnected'],
      ['doctor', 'ICE restart'],
    ]);
    // Over: no more signaling, joining answers `ended`.
    doc2.send({ type: 'signal', consultationId: id, data: { pc: 'p', hello: true } });
    expect(await doc2.next('error')).toMatchObject({ code: 'not-active' });
    cabin2.send({ type: 'join', ref: 'again', consultationId: id });
    expect(await cabin2.next('ended', (m) => m.ref === 'again')).toMatchObject({ reason: 'ended' });
    await Promise.all([cabin2.close(), doc2.close()]);
  });

  it('replaces an older connection of the same account (4409) without counting it as a disconnection', async () => {
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    const cabinB = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    expect((await cabin.closed).code).toBe(4409);
    expect((await cabinB.next('consultation')).consultation).toMatchObject({ consultationId: id, peerPresent: true });
    cabinB.send({ type: 'signal', consultationId: id, data: { pc: 'new', hello: true } });
    expect((await doc.next('signal')).data).toEqual({ pc: 'new', hello: true });
    expect((await t.hub.store.report(id))!.incidents).toEqual([]);
    doc.send({ type: 'end', consultationId: id, notes: '', readings: [] });
    await cabinB.next('ended');
    await Promise.all([cabinB.close(), doc.close()]);
  });
});

describe('a cabin that leaves the queue', () => {
  it('keeps its place through a short drop, and its request is cancelled once it stays away past the grace period', async () => {
    const clock = new ManualClock(Date.now());
    const g = await startHub({ clock, waitingGraceMs: 300 });
    try {
      const doc = await Client.open(g.hub.wsUrl, await doctorToken(g, 'dr.a'));
      await doc.next('queue');
      const token = await cabinToken(g, 'cab-1');
      const cabin = await Client.open(g.hub.wsUrl, token);
      cabin.send({ type: 'request', ref: 'r', language: 'fr' });
      const id = (await cabin.next('consultation', (m) => m.ref === 'r')).consultation.consultationId;
      expect((await doc.next('queue')).items.map((i) => i.consultationId)).toEqual([id]);

      await cabin.close();
      // The doctors see it offline (not claimable), then back.
      expect((await doc.next('queue')).items).toEqual([expect.objectContaining({ consultationId: id, offlineSince: expect.any(Number) })]);
      const back = await Client.open(g.hub.wsUrl, token);
      expect((await back.next('consultation')).consultation).toMatchObject({ consultationId: id, state: 'waiting' });
      expect((await doc.next('queue')).items[0]).not.toHaveProperty('offlineSince');
      await runFor(clock, 500);
      expect((await g.hub.store.consultation(id))!.state).toBe('waiting');

      await back.close();
      expect((await doc.next('queue')).items.map((i) => i.offlineSince !== undefined)).toEqual([true]);
      await runUntil(clock, () => doc.pending.some((m) => m.type === 'queue'), 2000); // the grace period runs out
      expect((await doc.next('queue', () => true, 2000)).items).toEqual([]);
      expect(await g.hub.store.report(id)).toMatchObject({ state: 'cancelled', incidents: [{ side: 'hub', detail: 'cancelled: the cabin left the queue' }] });
      await doc.close();
    } finally {
      await g.close();
    }
  });
});
