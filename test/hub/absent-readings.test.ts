import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/hub/schema.ts';
import { HubStore, type Reading } from '../../src/hub/store.ts';
import { ToHubSchema } from '../../src/shared/hub-protocol.ts';
import { activeConsultation, activeStore, apply, doctorToken, DR_A, startHub, tempDbs, type TestHub } from './helpers.ts';

/** A cuff that computed no MAP (SFLOAT NaN) beside its systolic; a thermometer that answered NRes. */
const SYS: Reading = { id: 'sys-1', deviceId: 'ble-blood-pressure:aa', code: 'MDC_PRESS_BLD_NONINV_SYS', value: 128, unit: 'mm[Hg]', t: 1_700_000_000_000, measurementId: 'bp-1' };
const MEAN: Reading = { id: 'mean-1', deviceId: 'ble-blood-pressure:aa', code: 'MDC_PRESS_BLD_NONINV_MEAN', absent: 'nan', unit: 'mm[Hg]', t: 1_700_000_000_000, measurementId: 'bp-1' };
const TEMP: Reading = { id: 'temp-1', deviceId: 'ble-thermometer:bb', code: 'MDC_TEMP_BODY', absent: 'nres', unit: 'Cel', t: 1_700_000_001_000, measurementId: 'th-1' };

const tempDb = tempDbs('hub-absent-');

describe('a device’s special value in the hub report: the reading without a number, its reason kept (issue 13)', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('the console’s report part carries it; the report gives it back as sent, with no value', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    doc.send({ type: 'report', ref: 'p1', consultationId: id, readings: [SYS, MEAN, TEMP] });
    expect((await doc.next('reported', (m) => m.ref === 'p1')).count).toBe(3);
    const token = await doctorToken(t, 'dr.a');
    const res = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: { authorization: `Bearer ${token}` } });
    const readings = ((await res.json()) as { readings: Reading[] }).readings;
    expect(readings.find((r) => r.id === 'mean-1')).toEqual(MEAN);
    expect(readings.find((r) => r.id === 'temp-1')).toEqual(TEMP);
    expect(readings.find((r) => r.id === 'sys-1')).toEqual(SYS);
    expect(readings.find((r) => r.id === 'temp-1')).not.toHaveProperty('value');
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('the protocol refuses a reading with neither a value nor a reason, or with both', () => {
    const { absent: _, ...neither } = TEMP;
    const part = (r: unknown) => ({ type: 'report', ref: 'p', consultationId: 'c1', readings: [r] });
    expect(ToHubSchema.safeParse(part(TEMP)).success).toBe(true);
    expect(ToHubSchema.safeParse(part(neither)).success).toBe(false);
    expect(ToHubSchema.safeParse(part({ ...TEMP, value: 37 })).success).toBe(false);
    expect(ToHubSchema.safeParse(part({ ...TEMP, absent: 'maybe' })).success).toBe(false);
  });

  it('the cabin’s own delivery keeps it too, and the table refuses both or neither', async () => {
    const { store, id } = await activeStore(tempDb());
    expect((await apply(store, DR_A, { type: 'end', consultationId: id, notes: '', readings: [] })).out.next?.state).toBe('ended');
    expect(await store.addCabinReadings('cab-1', id, [TEMP, SYS])).toEqual({ added: 2, refused: 0 });
    expect((await store.report(id))!.readings.map((r) => r.absent ?? r.value)).toEqual([128, 'nres']);
    const insert = store.db.prepare("INSERT INTO report_readings (consultation_id, id, code, value, absent, unit, t) VALUES (?, ?, 'MDC_TEMP_BODY', ?, ?, 'Cel', 1)");
    expect(() => insert.run(id, 'x1', null, null)).toThrow(/CHECK/);
    expect(() => insert.run(id, 'x2', 37, 'nan')).toThrow(/CHECK/);
    await store.close();
  });

  it('a file of the step before keeps its readings (all of their columns) and can take absent ones', async () => {
    const file = tempDb();
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    const before = MIGRATIONS.findIndex((m) => m.includes('report_readings_v16'));
    expect(before).toBeGreaterThan(0);
    for (let v = 0; v < before; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${before}`);
    db.prepare("INSERT INTO doctors (id, name, password_hash, created_at) VALUES ('dr.a', 'Dr A', 'x', 0)").run();
    db.prepare("INSERT INTO cabins (id, name, key_hash, created_at) VALUES ('cab-1', 'Cabin 1', 'x', 0)").run();
    db.prepare("INSERT INTO consultations (id, cabin_id, doctor_id, language, state, created_at, claimed_at, ended_at) VALUES ('c1', 'cab-1', 'dr.a', 'fr', 'ended', 1, 2, 3)").run();
    db.prepare(
      "INSERT INTO report_readings (consultation_id, id, code, value, unit, t, device_id, measurement_id, from_cabin_at, meta) VALUES ('c1', 'old-1', 'MDC_TEMP_BODY', 37.2, 'Cel', 5, 'th', 'm', 7, '{\"decimals\":1}')",
    ).run();
    db.close();
    const store = await HubStore.open(file);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect((await store.report('c1'))!.readings).toEqual([
      { id: 'old-1', code: 'MDC_TEMP_BODY', value: 37.2, unit: 'Cel', t: 5, deviceId: 'th', measurementId: 'm', fromCabinAt: 7, decimals: 1 },
    ]);
    store.db.prepare("INSERT INTO report_readings (consultation_id, id, code, absent, unit, t) VALUES ('c1', 'new-1', 'MDC_TEMP_BODY', 'nres', 'Cel', 6)").run();
    expect((await store.report('c1'))!.readings.map((r) => r.absent ?? r.value)).toEqual([37.2, 'nres']);
    await store.close();
  });
});
