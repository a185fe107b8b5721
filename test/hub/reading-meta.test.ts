import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { latestVitals } from '../../src/doctor/call/vitals.ts';
import { storedObservations } from '../../src/doctor/state/report-queue.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/hub/schema.ts';
import { HubStore, type Reading } from '../../src/hub/store.ts';
import { activeConsultation, activeStore, apply, doctorToken, DR_A, startHub, tempDbs, type TestHub } from './helpers.ts';

/** A BLE cuff's measurement in kPa, irregular pulse and movement, its clock 12 min ahead; a thermometer with an unset clock. */
const SYS: Reading = {
  id: 'sys-1', deviceId: 'ble-blood-pressure:aa', code: 'MDC_PRESS_BLD_NONINV_SYS', value: 142, unit: 'mm[Hg]', t: 1_700_000_000_000, measurementId: 'bp-1',
  decimals: 0, reported: { value: 18.9, unit: 'kPa', decimals: 1 }, flags: ['irregular-pulse', 'movement'], deviceClock: { state: 'skewed', offsetMs: 720_000 },
};
const DIA: Reading = { ...SYS, id: 'dia-1', code: 'MDC_PRESS_BLD_NONINV_DIA', value: 80, reported: { value: 10.7, unit: 'kPa', decimals: 1 } };
const TEMP: Reading = { id: 'temp-1', deviceId: 'ble-thermometer:bb', code: 'MDC_TEMP_EAR', value: 37.6, unit: 'Cel', t: 1_700_000_001_000, decimals: 2, deviceClock: { state: 'unset' } };
const PLAIN: Reading = { id: 'spo2-1', deviceId: 'contec-cms50-v7:/dev/ttyUSB0', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1_700_000_002_000 };

const tempDb = tempDbs('hub-meta-');

describe('what a device said beside a value, in the hub report (issue 12)', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('decimals, the device unit, flags and the device clock go from the console to the report and back to the console', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    doc.send({ type: 'report', ref: 'p1', consultationId: id, readings: [SYS, DIA, TEMP, PLAIN] });
    expect((await doc.next('reported', (m) => m.ref === 'p1')).count).toBe(4);
    const token = await doctorToken(t, 'dr.a');
    const res = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: { authorization: `Bearer ${token}` } });
    const readings = ((await res.json()) as { readings: Reading[] }).readings;
    expect(readings.find((r) => r.id === 'sys-1')).toEqual(SYS);
    expect(readings.find((r) => r.id === 'temp-1')).toEqual(TEMP);
    // A reading without any stays without: no empty fields appear.
    expect(readings.find((r) => r.id === 'spo2-1')).toEqual(PLAIN);

    // The console after a reload reads them back (its own schema on the hub's answer) and the tiles show them.
    const hubUrl = t.hub.url;
    const back = await storedObservations(id, token, (url, init) => fetch(`${hubUrl}${url}`, init));
    expect(back).not.toBeNull();
    const v = latestVitals(back!);
    expect(v.bp?.flags?.sort()).toEqual(['irregular-pulse', 'movement']);
    expect(v.bp?.reported).toEqual({ values: [18.9, 10.7], unit: 'kPa', decimals: 1 });
    expect(v.bp?.deviceClock).toEqual({ state: 'skewed', offsetMs: 720_000 });
    expect(v.temp).toMatchObject({ code: 'MDC_TEMP_EAR', decimals: 2, deviceClock: { state: 'unset' } });
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('keeps them for readings the cabin delivers itself after the visit', async () => {
    const { store, id } = await activeStore();
    expect((await apply(store, DR_A, { type: 'end', consultationId: id, notes: '', readings: [] })).out.next?.state).toBe('ended');
    expect(await store.addCabinReadings('cab-1', id, [TEMP])).toEqual({ added: 1, refused: 0 });
    const [r] = (await store.report(id))!.readings;
    expect(r).toMatchObject({ ...TEMP, fromCabinAt: expect.any(Number) });
    await store.close();
  });

  it('a stored meta this version cannot read loses only what it cannot read, never the reading', async () => {
    const { store, id } = await activeStore(tempDb());
    await store.addReadings(id, [SYS, PLAIN]);
    // A newer version's flag and clock state, and a damaged column on another row.
    store.db
      .prepare('UPDATE report_readings SET meta = ? WHERE id = ?')
      .run(JSON.stringify({ decimals: 0, flags: ['irregular-pulse', 'new-flag-of-2030'], deviceClock: { state: 'drifting' }, reported: { value: 18.9, unit: 'kPa', decimals: 1 } }), 'sys-1');
    store.db.pragma('ignore_check_constraints = ON');
    store.db.prepare('UPDATE report_readings SET meta = ? WHERE id = ?').run('{not json', 'spo2-1');
    const readings = (await store.report(id))!.readings;
    expect(readings.map((r) => r.id)).toEqual(['sys-1', 'spo2-1']);
    expect(readings[0]).toEqual({ ...SYS, flags: ['irregular-pulse'], deviceClock: undefined });
    expect(readings[0]).not.toHaveProperty('deviceClock');
    expect(readings[1]).toEqual(PLAIN);
    await store.close();
  });

  it('a file of the previous version gains the column; its readings read as before', async () => {
    const file = tempDb();
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    // The file as the hub left it just before the meta column.
    const before = MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN meta'));
    expect(before).toBeGreaterThan(0);
    for (let v = 0; v < before; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${before}`);
    db.prepare("INSERT INTO doctors (id, name, password_hash, created_at) VALUES ('dr.a', 'Dr A', 'x', 0)").run();
    db.prepare("INSERT INTO cabins (id, name, key_hash, created_at) VALUES ('cab-1', 'Cabin 1', 'x', 0)").run();
    db.prepare("INSERT INTO consultations (id, cabin_id, doctor_id, language, state, created_at, claimed_at, ended_at) VALUES ('c1', 'cab-1', 'dr.a', 'fr', 'ended', 1, 2, 3)").run();
    db.prepare("INSERT INTO report_readings (consultation_id, id, code, value, unit, t) VALUES ('c1', 'old-1', 'MDC_TEMP_BODY', 37.2, 'Cel', 5)").run();
    db.close();
    const store = await HubStore.open(file);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect((await store.report('c1'))!.readings).toEqual([{ id: 'old-1', code: 'MDC_TEMP_BODY', value: 37.2, unit: 'Cel', t: 5 }]);
    await store.close();
  });
});
