import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { MARK_BURST } from '../../src/hub/relay.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/hub/schema.ts';
import { HubStore } from '../../src/hub/store.ts';
import { parseFrame, ToHubSchema } from '../../src/shared/hub-protocol.ts';
import { MAX_MARKED_PLETH, type PlethExcerpt } from '../../src/shared/visit-devices.ts';
import { activeConsultation, activeStore, apply, Client, DR_A, doctorToken, startHub, tempDbs, type TestHub } from './helpers.ts';

/** The doctor keeps passages of the live pleth (« Garder ce passage »): `pleth` with `marked`, and `pleth-unmark`. */

const OXI = 'ble-pulse-oximeter@ble:00:A0:50:11:22:33';
const passage = (t: number, n = 500, rate = 50): PlethExcerpt => ({ deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', t, rate, samples: Array.from({ length: n }, (_, i) => i % 90), marked: true });
const unmarked = (t: number): PlethExcerpt => {
  const { marked: _m, ...e } = passage(t);
  return e;
};
const frame = (m: unknown) => parseFrame(ToHubSchema, JSON.stringify(m));

describe('the messages', () => {
  it('take a marked passage and its removal, and refuse a `marked` other than true and a bad removal', () => {
    expect(frame({ type: 'pleth', ref: 'm1', consultationId: 'c', excerpt: passage(1) })).toMatchObject({ ok: true });
    expect(frame({ type: 'pleth-unmark', ref: 'u1', consultationId: 'c', deviceId: OXI, t: 1, count: 500 })).toMatchObject({ ok: true });
    const bad: [unknown, RegExp][] = [
      [{ type: 'pleth', consultationId: 'c', excerpt: { ...passage(1), marked: false } }, /excerpt\.marked/],
      [{ type: 'pleth', consultationId: 'c', excerpt: { ...passage(1), marked: 'yes' } }, /excerpt\.marked/],
      [{ type: 'pleth-unmark', consultationId: 'c', deviceId: OXI, t: 1, count: 0 }, /count/],
      [{ type: 'pleth-unmark', consultationId: 'c', deviceId: OXI, t: -1, count: 3 }, /\bt\b/],
      [{ type: 'pleth-unmark', consultationId: 'c', deviceId: OXI, t: 1 }, /count/],
      [{ type: 'pleth-unmark', consultationId: 'c', deviceId: OXI, t: 1, count: 3, why: 'x' }, /Unrecognized key/i],
    ];
    for (const [m, why] of bad) {
      const r = frame(m);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(why);
    }
  });
});

describe('the hub keeps them for the doctor’s own live consultation', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('kept once, removed, in the report as marked beside the cabin’s; refused to the cabin, another doctor and after the end', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    doc.send({ type: 'pleth', ref: 'm1', consultationId: id, excerpt: passage(5000) });
    expect(await doc.next('reported', (m) => m.ref === 'm1')).toEqual({ type: 'reported', ref: 'm1', consultationId: id, count: 1 });
    // Sent again (after a reconnection): kept once.
    doc.send({ type: 'pleth', ref: 'm2', consultationId: id, excerpt: passage(5000) });
    expect((await doc.next('reported', (m) => m.ref === 'm2')).count).toBe(0);
    // The same start after the same gap, longer: another passage.
    doc.send({ type: 'pleth', ref: 'm3', consultationId: id, excerpt: passage(5000, 600) });
    expect((await doc.next('reported', (m) => m.ref === 'm3')).count).toBe(1);
    // The cabin's first seconds at the very same start are their own row.
    cabin.send({ type: 'pleth', ref: 'p1', consultationId: id, excerpt: unmarked(5000) });
    expect((await cabin.next('reported', (m) => m.ref === 'p1')).count).toBe(1);
    // A cabin cannot mark; a doctor cannot send an unmarked excerpt, nor a passage over a minute.
    cabin.send({ type: 'pleth', ref: 'p2', consultationId: id, excerpt: passage(9000) });
    expect(await cabin.next('error', (m) => m.ref === 'p2')).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/Only the doctor marks/) });
    cabin.send({ type: 'pleth-unmark', ref: 'p3', consultationId: id, deviceId: OXI, t: 5000, count: 500 });
    expect(await cabin.next('error', (m) => m.ref === 'p3')).toMatchObject({ code: 'forbidden' });
    doc.send({ type: 'pleth', ref: 'm4', consultationId: id, excerpt: unmarked(7000) });
    expect(await doc.next('error', (m) => m.ref === 'm4')).toMatchObject({ code: 'invalid-message', message: expect.stringMatching(/"marked": true/) });
    doc.send({ type: 'pleth', ref: 'm5', consultationId: id, excerpt: passage(7000, 3100, 50) });
    expect(await doc.next('error', (m) => m.ref === 'm5')).toMatchObject({ code: 'too-long', message: expect.stringMatching(/at most 60 s: this one lasts 62 s/) });
    // Another doctor is told it is not theirs.
    const other = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.b'));
    other.send({ type: 'pleth', ref: 'o1', consultationId: id, excerpt: passage(8000) });
    expect(await other.next('error', (m) => m.ref === 'o1')).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/not yours/) });
    other.send({ type: 'pleth-unmark', ref: 'o2', consultationId: id, deviceId: OXI, t: 5000, count: 500 });
    expect(await other.next('error', (m) => m.ref === 'o2')).toMatchObject({ code: 'forbidden' });
    other.send({ type: 'pleth', ref: 'o3', consultationId: 'nope', excerpt: passage(8000) });
    expect(await other.next('error', (m) => m.ref === 'o3')).toMatchObject({ code: 'not-found' });

    // Removed (once: again, nothing to remove).
    doc.send({ type: 'pleth-unmark', ref: 'u1', consultationId: id, deviceId: OXI, t: 5000, count: 600 });
    expect((await doc.next('reported', (m) => m.ref === 'u1')).count).toBe(1);
    doc.send({ type: 'pleth-unmark', ref: 'u2', consultationId: id, deviceId: OXI, t: 5000, count: 600 });
    expect((await doc.next('reported', (m) => m.ref === 'u2')).count).toBe(0);

    const report = (await t.hub.store.report(id))!;
    expect(report.pleth).toEqual([unmarked(5000), passage(5000)]);

    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await doc.next('ended', (m) => m.ref === 'e');
    doc.send({ type: 'pleth', ref: 'm6', consultationId: id, excerpt: passage(9000) });
    expect(await doc.next('error', (m) => m.ref === 'm6')).toMatchObject({ code: 'not-active' });
    doc.send({ type: 'pleth-unmark', ref: 'u3', consultationId: id, deviceId: OXI, t: 5000, count: 500 });
    expect(await doc.next('error', (m) => m.ref === 'u3')).toMatchObject({ code: 'not-active' });
    expect((await t.hub.store.report(id))!.pleth).toEqual([unmarked(5000), passage(5000)]);

    // The report served over HTTP says which is marked.
    const res = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: { authorization: `Bearer ${await doctorToken(t, 'dr.a')}` } });
    const served = (await res.json()) as { pleth?: PlethExcerpt[] };
    expect(served.pleth?.map((p) => p.marked ?? false)).toEqual([false, true]);
    await Promise.all([cabin.close(), doc.close(), other.close()]);
  });

  it('the passage kept reaches the doctor’s downloads through the export worker: the PDF draws it, the Bundle notes it', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    const at = Date.now() - 60_000;
    doc.send({ type: 'pleth', ref: 'm1', consultationId: id, excerpt: passage(at, 400) });
    await doc.next('reported', (m) => m.ref === 'm1');
    const headers = { authorization: `Bearer ${await doctorToken(t, 'dr.a')}` };
    const fhir = (await (await fetch(`${t.hub.url}/api/consultations/${id}/fhir`, { headers })).json()) as { entry: { resource: { resourceType: string; note?: { text: string }[]; valueSampledData?: { data: string } } }[] };
    const kept = fhir.entry.filter((e) => e.resource.note?.some((n) => n.text === 'Passage marqué par le médecin pendant la téléconsultation'));
    expect(kept.map((e) => e.resource.valueSampledData?.data)).toEqual([passage(at, 400).samples.join(' ')]);
    const pdf = await fetch(`${t.hub.url}/api/consultations/${id}/report.pdf`, { headers });
    expect(pdf.status).toBe(200);
    const file = join(t.dir, 'marks.pdf');
    writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
    const text = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(text).toContain('Passages du pléthysmogramme marqués par le médecin');
    expect(text).toMatch(/\d\d:\d\d:\d\d — 8,0 s — ble-pulse-oximeter@ble:00:A0:50:11:22:33/);
    await Promise.all([cabin.close(), doc.close()]);
  }, 60_000);

  it('a doctor sending passages too fast is told to wait (rate-limited), the socket stays open', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    // Removals of nothing cost a token each and store nothing: the burst passes, the next is refused.
    for (let i = 0; i < MARK_BURST; i++) doc.send({ type: 'pleth-unmark', ref: `u${i}`, consultationId: id, deviceId: OXI, t: i, count: 1 });
    for (let i = 0; i < MARK_BURST; i++) expect((await doc.next('reported', (m) => m.ref === `u${i}`)).count).toBe(0);
    doc.send({ type: 'pleth', ref: 'late', consultationId: id, excerpt: passage(1) });
    expect(await doc.next('error', (m) => m.ref === 'late')).toMatchObject({ code: 'rate-limited', message: expect.stringMatching(/try again/) });
    doc.send({ type: 'ping', n: 1 });
    expect(await doc.next('pong')).toEqual({ type: 'pong', n: 1 });
    await Promise.all([cabin.close(), doc.close()]);
  });
});

describe('the store', () => {
  const db = tempDbs('hub-marks-');

  it('keeps at most MAX_MARKED_PLETH passages (report-full), the cabin’s excerpts counted apart', async () => {
    const { store, id } = await activeStore();
    try {
      for (let i = 0; i < MAX_MARKED_PLETH; i++) expect(await store.addDoctorPleth('dr.a', id, passage(i * 1000, 10))).toEqual({ stored: true });
      expect(await store.addDoctorPleth('dr.a', id, passage(1e6, 10))).toMatchObject({ code: 'report-full', message: expect.stringMatching(/remove one/) });
      expect(await store.addCabinPleth('cab-1', id, unmarked(1e6))).toEqual({ stored: true });
      expect(await store.removeDoctorPleth('dr.a', id, { deviceId: OXI, t: 0, count: 10 })).toEqual({ removed: true });
      expect(await store.addDoctorPleth('dr.a', id, passage(1e6, 10))).toEqual({ stored: true });
      const pleth = (await store.report(id))!.pleth!;
      expect(pleth.filter((p) => p.marked)).toHaveLength(MAX_MARKED_PLETH);
      expect(pleth.filter((p) => !p.marked)).toHaveLength(1);
      // Still the doctor's to change while active only.
      await apply(store, DR_A, { type: 'end', consultationId: id, notes: '', readings: [] });
      expect(await store.removeDoctorPleth('dr.a', id, { deviceId: OXI, t: 1000, count: 10 })).toMatchObject({ code: 'not-active' });
    } finally {
      await store.close();
    }
  });

  it('a file of the previous version keeps its cabin excerpts, unmarked, and takes marked ones', async () => {
    const file = db();
    const raw = new Database(file);
    raw.pragma('foreign_keys = ON');
    const before = MIGRATIONS.findIndex((m) => m.includes('consultation_pleth_marked'));
    expect(before).toBeGreaterThan(0);
    for (let v = 0; v < before; v++) raw.exec(MIGRATIONS[v]!);
    raw.pragma(`user_version = ${before}`);
    raw.prepare("INSERT INTO doctors (id, name, password_hash, created_at) VALUES ('dr.a', 'Dr A', 'x', 0)").run();
    raw.prepare("INSERT INTO cabins (id, name, key_hash, created_at) VALUES ('cab-1', 'Cabin 1', 'x', 0)").run();
    raw.prepare("INSERT INTO consultations (id, cabin_id, doctor_id, language, state, created_at, claimed_at) VALUES ('c1', 'cab-1', 'dr.a', 'fr', 'active', 1, 2)").run();
    raw.prepare("INSERT INTO consultation_pleth (consultation_id, device_id, t, excerpt) VALUES ('c1', ?, 5000, ?)").run(OXI, JSON.stringify(unmarked(5000)));
    raw.close();
    const store = await HubStore.open(file);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(store.db.prepare('SELECT marked, count FROM consultation_pleth').all()).toEqual([{ marked: 0, count: 500 }]);
      expect(await store.addCabinPleth('cab-1', 'c1', unmarked(5000))).toEqual({ stored: false });
      expect(await store.addDoctorPleth('dr.a', 'c1', passage(5000))).toEqual({ stored: true });
      expect((await store.report('c1'))!.pleth).toEqual([unmarked(5000), passage(5000)]);
    } finally {
      await store.close();
    }
    // Still deleted with its consultation.
    const again = new Database(file);
    again.pragma('foreign_keys = ON');
    again.prepare("DELETE FROM consultations WHERE id = 'c1'").run();
    expect(again.prepare('SELECT COUNT(*) AS n FROM consultation_pleth').get()).toEqual({ n: 0 });
    again.close();
  });
});
