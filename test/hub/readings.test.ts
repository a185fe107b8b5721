import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/hub/schema.ts';
import { HubStore, type Reading } from '../../src/hub/store.ts';
import { activeConsultation, activeStore, apply, CAB_1, doctorToken, DR_A, startHub, tempDbs, type TestHub } from './helpers.ts';

const reading = (i: number, extra: Partial<Reading> = {}): Reading => ({ id: `obs-${i}`, code: 'MDC_PULS_OXIM_SAT_O2', value: 90 + (i % 10), unit: '%', t: 1_700_000_000_000 + i * 1000, ...extra });

const tempDb = tempDbs('hub-readings-');

describe('report readings in the hub store', () => {
  it('keeps each reading id once, counts only new ones, and returns them in time order with their optional fields', async () => {
    const { store, id } = await activeStore();
    expect(await store.addReadings(id, [reading(2), reading(1, { deviceId: 'contec-cms50-v7:/dev/ttyUSB0', measurementId: 'm-1' })])).toEqual({ added: 2, refused: 0 });
    expect(await store.addReadings(id, [reading(1), reading(2), reading(3)])).toEqual({ added: 1, refused: 0 });
    expect((await apply(store, DR_A, { type: 'end', consultationId: id, notes: 'RAS', readings: [reading(3), reading(4)] })).out.next?.state).toBe('ended');
    const report = (await store.report(id))!;
    expect(report.readings.map((r) => r.id)).toEqual(['obs-1', 'obs-2', 'obs-3', 'obs-4']);
    expect(report.readings[0]).toEqual(reading(1, { deviceId: 'contec-cms50-v7:/dev/ttyUSB0', measurementId: 'm-1' }));
    expect(report.readings[1]).not.toHaveProperty('deviceId');
    expect(report.notes).toBe('RAS');
    // Over: nothing more is added.
    expect(await store.addReadings(id, [reading(5)])).toBeNull();
    expect((await store.report(id))!.readings).toHaveLength(4);
    await store.close();
  });

  it('refuses readings for a consultation that is waiting or unknown', async () => {
    const store = await HubStore.open(tempDb());
    await store.addCabin({ id: 'cab-1', name: 'Cabin 1' });
    const id = (await apply(store, CAB_1, { type: 'request', language: 'en' })).out.next!.id;
    expect(await store.addReadings(id, [reading(1)])).toBeNull();
    expect(await store.addReadings('nope', [reading(1)])).toBeNull();
    await store.close();
  });

  it('stops at 100 000 readings per consultation and says how many it refused (a flood cannot grow the report)', async () => {
    const { store, id } = await activeStore();
    const many = Array.from({ length: 100_000 }, (_, i) => reading(i));
    expect(await store.addReadings(id, many)).toEqual({ added: 100_000, refused: 0 });
    // Full: a copy of a stored one is no refusal, a new one is.
    expect(await store.addReadings(id, [reading(5), reading(100_000), reading(100_001)])).toEqual({ added: 0, refused: 2 });
    // The end still stores the notes, and the report says what did not fit.
    expect((await apply(store, DR_A, { type: 'end', consultationId: id, notes: 'long visit', readings: [reading(100_002)] })).out.next?.state).toBe('ended');
    const report = (await store.report(id))!;
    expect(report.readings).toHaveLength(100_000);
    expect(report.notes).toBe('long visit');
    expect(report.incidents.map((i) => i.detail)).toEqual(['the report is full: 1 readings of the end were not stored']);
    await store.close();
  }, 60_000); // 100 000 rows written and read back (on PostgreSQL, through its socket)

  it('moves the readings of a version-2 file (JSON column) into the table, skipping malformed entries', async () => {
    const file = tempDb();
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    for (let v = 0; v < 2; v++) db.exec(MIGRATIONS[v]!);
    db.pragma('user_version = 2');
    db.prepare("INSERT INTO doctors VALUES ('dr.a', 'Dr A', 'x', 0)").run();
    db.prepare("INSERT INTO cabins VALUES ('cab-1', 'Cabin 1', 'x', 0)").run();
    const old = [reading(1, { measurementId: 'm-1' }), { id: 'broken', code: 5 }, reading(2)];
    db.prepare("INSERT INTO consultations (id, cabin_id, doctor_id, language, state, created_at, claimed_at, ended_at, notes, readings) VALUES ('c1', 'cab-1', 'dr.a', 'fr', 'ended', 1, 2, 3, 'notes', ?)").run(JSON.stringify(old));
    db.close();

    const store = await HubStore.open(file);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const report = (await store.report('c1'))!;
    expect(report.readings).toEqual([reading(1, { measurementId: 'm-1' }), reading(2)]);
    expect(report.notes).toBe('notes');
    await store.close();
  });
});

describe('report parts over the WebSocket', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers a part that carries a ref with the number of new readings, once they are stored', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    doc.send({ type: 'report', ref: 'p1', consultationId: id, readings: [reading(1), reading(2)] });
    expect(await doc.next('reported', (m) => m.ref === 'p1')).toEqual({ type: 'reported', ref: 'p1', consultationId: id, count: 2 });
    // Stored before the answer: the report already has them while the call goes on.
    const res = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: { authorization: `Bearer ${await doctorToken(t, 'dr.a')}` } });
    expect(((await res.json()) as { readings: Reading[] }).readings.map((r) => r.id)).toEqual(['obs-1', 'obs-2']);
    // Sent again (the answer was lost): nothing new, still answered.
    doc.send({ type: 'report', ref: 'p2', consultationId: id, readings: [reading(2), reading(3)] });
    expect((await doc.next('reported', (m) => m.ref === 'p2')).count).toBe(1);
    // Without a ref: stored, not answered.
    doc.send({ type: 'report', consultationId: id, readings: [reading(4)] });
    doc.send({ type: 'ping' });
    await doc.next('pong');
    expect(doc.pending.filter((m) => m.type === 'reported')).toHaveLength(0);
    expect((await t.hub.store.report(id))!.readings).toHaveLength(4);
    // The cabin's own parts (its outbox after the visit) and another cabin's: cabin-report.test.ts.
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('answers a part that no longer fits a full report with report-full and its ref, not reported', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    expect((await t.hub.store.addReadings(id, Array.from({ length: 100_000 }, (_, i) => reading(i))))?.refused).toBe(0);
    doc.send({ type: 'report', ref: 'full', consultationId: id, readings: [reading(7), reading(100_000)] });
    const err = await doc.next('error');
    expect(err).toMatchObject({ ref: 'full', code: 'report-full' });
    expect(err.message).toMatch(/100000 readings: 1 of this part/);
    expect(doc.pending.filter((m) => m.type === 'reported')).toHaveLength(0);
    await Promise.all([cabin.close(), doc.close()]);
  }, 60_000); // 100 000 rows written first

  it('refuses a part after the end of the consultation, with a clear error', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await doc.next('ended', (m) => m.ref === 'e');
    doc.send({ type: 'report', ref: 'late', consultationId: id, readings: [reading(1)] });
    expect(await doc.next('error')).toMatchObject({ code: 'not-active' });
    expect((await t.hub.store.report(id))!.readings).toHaveLength(0);
    await Promise.all([cabin.close(), doc.close()]);
  });
});
