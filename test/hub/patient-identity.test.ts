import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/hub/http.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/hub/schema.ts';
import { HubStore } from '../../src/hub/store.ts';
import { ConsultationReportSchema } from '../../src/shared/hub-protocol.ts';
import { PatientAnswerSchema, type PatientIdentity } from '../../src/shared/patient-identity.ts';
import { captureLogger } from '../helpers/log-capture.ts';
import { activeConsultation, activeStore, api, apply, cabinToken, doctorToken, DR_A, startHub, tempDbs, type TestHub } from './helpers.ts';
import { CHLOE } from '../helpers/patients.ts';

/** Key 78 computed by the rule (97 − 2920375116042 mod 97). */
const PROVISIONAL: PatientIdentity = { birthName: 'بن علي', firstNames: ['محمد'], birthDate: '1970-01-01', sex: 'male', status: 'provisional' };

const tempDb = tempDbs('hub-patient-');

describe('patient identity in the hub store', () => {
  it('files, reads back, carries it in the report, and records each change (not its values) as a report line', async () => {
    const { store, id } = await activeStore();
    expect(await store.patientIdentity(id)).toBeNull();
    expect((await store.report(id))!.patient).toBeNull();

    const first = (await store.setPatientIdentity(id, PROVISIONAL, 'dr.a'))!;
    expect(first).toMatchObject({ previous: null, filed: { identity: PROVISIONAL, updatedBy: 'dr.a' }, audit: 'patient identity filed by the doctor: provisional, no INS number' });
    expect(await store.patientIdentity(id)).toEqual(PROVISIONAL);

    // The same identity again changes nothing and adds no line.
    expect((await store.setPatientIdentity(id, structuredClone(PROVISIONAL), 'dr.a'))!.audit).toBeNull();

    // After the end the doctor still files it (the identity checked later against a document and INSi).
    expect((await apply(store, DR_A, { type: 'end', consultationId: id, notes: '', readings: [] })).out.next?.state).toBe('ended');
    const second = (await store.setPatientIdentity(id, CHLOE, 'dr.a'))!;
    expect(second.previous).toEqual(PROVISIONAL);
    expect(second.audit).toBe('patient identity changed by the doctor (birth name, first names, date of birth, sex, birthplace, INS number, status): provisional → qualified, INS NIR');

    const report = (await store.report(id))!;
    expect(ConsultationReportSchema.parse(report).patient).toEqual(CHLOE);
    const lines = report.incidents.filter((i) => i.detail.startsWith('patient identity'));
    expect(lines.map((i) => i.side)).toEqual(['doctor', 'doctor']);
    // No name, date or number in the lines: they say which traits changed.
    for (const word of ['Martin', 'Chloé', 'محمد', '1992', '292037511604278', '75056']) expect(JSON.stringify(lines)).not.toContain(word);
    await store.close();
  });

  it('refuses an identity the schema refuses and a consultation that does not exist; the row goes with its consultation', async () => {
    const { store, id } = await activeStore();
    const patients = async () => Number((await store.kysely.db.selectFrom('patients').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    await expect(store.setPatientIdentity(id, { ...CHLOE, ins: { kind: 'nir', value: '292037511604279' } }, 'dr.a')).rejects.toThrow();
    expect(await store.patientIdentity(id)).toBeNull();
    expect(await store.setPatientIdentity('no-such', CHLOE, 'dr.a')).toBeNull();
    expect(await patients()).toBe(0);

    await store.setPatientIdentity(id, CHLOE, 'dr.a');
    expect(await patients()).toBe(1);
    await store.kysely.db.deleteFrom('consultations').where('id', '=', id).execute();
    expect(await patients()).toBe(0);
    await store.close();
  });

  it('a damaged stored identity reads as absent and is logged (without patient data); the consultation and its report still read', async () => {
    const file = tempDb();
    const { store: seed, id } = await activeStore(file);
    await seed.addReadings(id, [{ id: 'o1', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1 }]);
    await seed.setPatientIdentity(id, CHLOE, 'dr.a');
    await seed.close();
    const { log, lines } = captureLogger('hub');
    const store = await HubStore.open(file, Date.now, log);

    // A newer version's status, then a number whose key no longer matches, then text that is not JSON.
    store.db.prepare('UPDATE patients SET identity = ?').run(JSON.stringify({ ...CHLOE, status: 'certified-2030' }));
    expect(await store.patientIdentity(id)).toBeNull();
    store.db.prepare('UPDATE patients SET identity = ?').run(JSON.stringify({ ...CHLOE, ins: { kind: 'nir', value: '292037511604200' } }));
    expect(await store.filedPatient(id)).toBeNull();
    store.db.pragma('ignore_check_constraints = ON');
    store.db.prepare('UPDATE patients SET identity = ?').run('{not json');
    const report = (await store.report(id))!;
    expect(report).toMatchObject({ consultationId: id, state: 'active', patient: null, readings: [{ id: 'o1' }] });
    expect((await store.consultation(id))?.state).toBe('active');

    await new Promise((r) => setTimeout(r, 20));
    const warned = lines.filter((l) => l.msg === 'patient identity left out: its stored row cannot be read');
    expect(warned.map((l) => l.path)).toEqual(['status', 'ins.value', 'identity']);
    expect(JSON.stringify(lines)).not.toMatch(/Martin|Chloé|292037511604/);

    // The doctor files it again over the damaged row.
    expect((await store.setPatientIdentity(id, CHLOE, 'dr.a'))!.audit).toMatch(/^patient identity filed/);
    expect(await store.patientIdentity(id)).toEqual(CHLOE);
    await store.close();
  });

  it('a file of the version before the patients table gains it; its consultations read as not identified', async () => {
    const file = tempDb();
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    // The step that adds it, wherever later steps put the current version.
    const before = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE patients'));
    expect(before).toBeGreaterThan(0);
    for (let v = 0; v < before; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${before}`);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'patients'").get()).toBeUndefined();
    db.prepare("INSERT INTO doctors (id, name, password_hash, created_at) VALUES ('dr.a', 'Dr A', 'x', 0)").run();
    db.prepare("INSERT INTO cabins (id, name, key_hash, created_at) VALUES ('cab-1', 'Cabin 1', 'x', 0)").run();
    db.prepare("INSERT INTO consultations (id, cabin_id, doctor_id, language, state, created_at, claimed_at, ended_at) VALUES ('c1', 'cab-1', 'dr.a', 'fr', 'ended', 1, 2, 3)").run();
    db.close();
    const store = await HubStore.open(file);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(await store.report('c1')).toMatchObject({ consultationId: 'c1', patient: null });
    expect((await store.setPatientIdentity('c1', PROVISIONAL, 'dr.a'))?.filed.identity).toEqual(PROVISIONAL);
    await store.close();
  });
});

describe('GET / PUT /api/consultations/:id/patient', () => {
  let t: TestHub;
  let c: Awaited<ReturnType<typeof activeConsultation>>;
  let id: string;
  beforeAll(async () => {
    t = await startHub();
    c = await activeConsultation(t, 'cab-1', 'dr.a');
    id = c.id;
  });
  afterAll(async () => {
    await Promise.all([c.cabin.close(), c.doc.close()]);
    await t.close();
  });

  const url = () => `${t.hub.url}/api/consultations/${id}/patient`;
  const as = async (who: string) => ({ authorization: `Bearer ${await doctorToken(t, who)}` });
  const put = async (body: unknown, headers: Record<string, string> = {}, who = 'dr.a') => api(url(), { method: 'PUT', body, headers: { ...(await as(who)), ...headers } });
  const get = async (who = 'dr.a') => api(url(), { method: 'GET', headers: await as(who) });

  it('the assigned doctor reads "not identified", files an identity, reads it back, and the report carries it', async () => {
    const before = await get();
    expect(before.status).toBe(200);
    expect(PatientAnswerSchema.parse(before.json)).toEqual({ patient: null, updatedAt: null });

    const filed = await put(CHLOE);
    expect(filed.status).toBe(200);
    expect(PatientAnswerSchema.parse(filed.json)).toEqual({ patient: CHLOE, updatedAt: expect.any(Number), changed: true });
    expect((await put(CHLOE)).json).toMatchObject({ changed: false });

    expect(PatientAnswerSchema.parse((await get()).json).patient).toEqual(CHLOE);
    const report = await api(`${t.hub.url}/api/consultations/${id}/report`, { method: 'GET', headers: await as('dr.a') });
    expect(report.status).toBe(200);
    const parsed = ConsultationReportSchema.parse(report.json);
    expect(parsed.patient).toEqual(CHLOE);
    expect(parsed.incidents.filter((i) => i.detail.startsWith('patient identity'))).toHaveLength(1);
  });

  it('another doctor, a cabin, no token: refused as the report is', async () => {
    for (const r of [await get('dr.b'), await put(PROVISIONAL, {}, 'dr.b')]) expect([r.status, r.json.error.code]).toEqual([403, 'forbidden']);
    const cabin = { authorization: `Bearer ${await cabinToken(t, 'cab-1')}` };
    expect((await api(url(), { method: 'GET', headers: cabin })).status).toBe(403);
    expect((await api(url(), { method: 'PUT', body: PROVISIONAL, headers: cabin })).status).toBe(403);
    expect((await api(url(), { method: 'PUT', body: PROVISIONAL })).status).toBe(401);
    expect((await api(url(), { method: 'GET', headers: { authorization: 'Bearer not.a.token' } })).status).toBe(401);
    const none = await api(`${t.hub.url}/api/consultations/no-such/patient`, { method: 'PUT', body: PROVISIONAL, headers: await as('dr.a') });
    expect([none.status, none.json.error.code]).toEqual([404, 'not-found']);
    expect((await api(url(), { method: 'DELETE', headers: await as('dr.a') })).status).toBe(405);
    // Nothing the refused ones sent was filed.
    expect(PatientAnswerSchema.parse((await get()).json).patient).toEqual(CHLOE);
  });

  it('a bad body gets a 400 naming the field; a wrong type, a cross-site request and an oversized body are refused', async () => {
    const cases: [unknown, string][] = [
      [{ ...CHLOE, ins: { kind: 'nir', value: '292037511604279' } }, 'ins.value'],
      [{ ...CHLOE, birthDate: '1992-02-30' }, 'birthDate'],
      [{ ...CHLOE, firstNames: [] }, 'firstNames'],
      [{ ...CHLOE, birthName: 'Martin3' }, 'birthName'],
      [{ ...CHLOE, status: 'sure' }, 'status'],
      [{ ...PROVISIONAL, status: 'recovered' }, 'ins'],
      [[CHLOE], 'body'],
    ];
    for (const [body, path] of cases) {
      const r = await put(body);
      expect(r.status, path).toBe(400);
      expect(r.json.error.code).toBe('invalid-body');
      expect(r.json.error.message, path).toMatch(new RegExp(`not valid: ${path.replace('.', '\\.')}: `));
    }
    expect((await put('{"birthName":')).json.error).toMatchObject({ code: 'invalid-body', message: 'The request body is not JSON.' });
    expect((await put(CHLOE, { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await put(CHLOE, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    const big = await put({ ...PROVISIONAL, usedName: 'A'.repeat(MAX_BODY_BYTES) });
    expect([big.status, big.json.error.code]).toEqual([413, 'too-large']);
    expect(PatientAnswerSchema.parse((await get()).json).patient).toEqual(CHLOE);
  });

  it('after the end the doctor still files it, and the report has the change', async () => {
    c.doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Vu.', readings: [] });
    expect(await c.doc.next('ended', (m) => m.ref === 'e')).toMatchObject({ consultationId: id, reason: 'ended' });
    const r = await put({ ...CHLOE, usedFirstName: 'Marie' });
    expect(r.status).toBe(200);
    const report = (await t.hub.store.report(id))!;
    expect(report).toMatchObject({ state: 'ended', patient: { usedFirstName: 'Marie' } });
    expect(report.incidents.at(-1)?.detail).toBe('patient identity changed by the doctor (used first name): qualified, INS NIR');
  });
});
