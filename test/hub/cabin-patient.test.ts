import { afterEach, describe, expect, it } from 'vitest';
import type { PatientIdentity } from '../../src/shared/patient-identity.ts';
import { CHLOE } from '../helpers/patients.ts';
import { activeConsultation, cabinToken, Client, doctorToken, startHub, type TestHub } from './helpers.ts';

/** The assistant's identity filed at the kiosk reaches the hub (issue 13): hub-protocol `patient`, cabin side. */

const PROVISIONAL: PatientIdentity = { birthName: 'Martin', firstNames: ['Chloé'], birthDate: '1992-03-12', sex: 'female', status: 'provisional' };

async function getPatient(t: TestHub, id: string, doctor: string): Promise<{ status: number; json: { patient: PatientIdentity | null } }> {
  const res = await fetch(`${t.hub.url}/api/consultations/${id}/patient`, { headers: { authorization: `Bearer ${await doctorToken(t, doctor)}` } });
  return { status: res.status, json: (await res.json()) as { patient: PatientIdentity | null } };
}

async function incidents(t: TestHub, id: string, doctor: string): Promise<string[]> {
  const res = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: { authorization: `Bearer ${await doctorToken(t, doctor)}` } });
  return ((await res.json()) as { incidents: { detail: string }[] }).incidents.map((i) => i.detail);
}

describe('the patient identity a cabin files', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('files it for the cabin’s own consultation, tells its doctor, and a resend changes nothing', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    cabin.send({ type: 'patient', ref: 'patient-1', consultationId: id, identity: PROVISIONAL });
    expect(await cabin.next('patient-filed', (m) => m.ref === 'patient-1')).toEqual({ type: 'patient-filed', ref: 'patient-1', consultationId: id, outcome: 'filed' });
    // The doctor's console hears of it, to read the card again.
    expect(await doc.next('patient-filed')).toEqual({ type: 'patient-filed', consultationId: id, outcome: 'filed' });
    expect((await getPatient(t, id, 'dr.a')).json.patient).toEqual(PROVISIONAL);
    cabin.send({ type: 'patient', ref: 'patient-1', consultationId: id, identity: PROVISIONAL });
    expect((await cabin.next('patient-filed', (m) => m.ref === 'patient-1')).outcome).toBe('unchanged');
    // The assistant corrects it (checked the ID card): replaced, as the cabin filed it.
    cabin.send({ type: 'patient', ref: 'patient-2', consultationId: id, identity: CHLOE });
    expect((await cabin.next('patient-filed', (m) => m.ref === 'patient-2')).outcome).toBe('filed');
    expect((await getPatient(t, id, 'dr.a')).json.patient).toEqual(CHLOE);
    const lines = await incidents(t, id, 'dr.a');
    expect(lines).toContain("patient identity filed by the cabin's assistant: provisional, no INS number");
    expect(lines.some((l) => l.startsWith("patient identity changed by the cabin's assistant (first names, birthplace, INS number, status): provisional → qualified"))).toBe(true);
    // The report's lines never hold the identity's values.
    expect(lines.join(' ')).not.toMatch(/Martin|Chloé|292037511604278/);
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('takes it for a consultation no doctor took yet; the doctor who claims it reads it', async () => {
    t = await startHub();
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    cabin.send({ type: 'request', ref: 'r', language: 'fr' });
    const id = (await cabin.next('consultation', (m) => m.ref === 'r')).consultation.consultationId;
    cabin.send({ type: 'patient', ref: 'patient-1', consultationId: id, identity: PROVISIONAL });
    expect((await cabin.next('patient-filed', (m) => m.ref === 'patient-1')).outcome).toBe('filed');
    const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
    doc.send({ type: 'claim', ref: 'c', consultationId: id });
    await doc.next('consultation', (m) => m.ref === 'c');
    expect((await getPatient(t, id, 'dr.a')).json.patient).toEqual(PROVISIONAL);
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('refuses another cabin’s consultation, an unknown one, and a doctor sending it, storing nothing', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    const other = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    other.send({ type: 'patient', ref: 'patient-9', consultationId: id, identity: PROVISIONAL });
    const err = await other.next('error', (m) => m.ref === 'patient-9');
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(/not yours/);
    other.send({ type: 'patient', ref: 'patient-8', consultationId: 'no-such', identity: PROVISIONAL });
    expect(await other.next('error', (m) => m.ref === 'patient-8')).toMatchObject({ code: 'not-found' });
    doc.send({ type: 'patient', ref: 'd', consultationId: id, identity: PROVISIONAL });
    expect(await doc.next('error', (m) => m.ref === 'd')).toMatchObject({ code: 'forbidden' });
    // A malformed identity (a wrong INS key) is refused by the schema.
    cabin.send({ type: 'patient', ref: 'patient-3', consultationId: id, identity: { ...CHLOE, ins: { kind: 'nir', value: '292037511604279' } } });
    expect(await cabin.next('error')).toMatchObject({ code: 'invalid-message' });
    expect((await getPatient(t, id, 'dr.a')).json.patient).toBeNull();
    expect(doc.pending.filter((m) => m.type === 'patient-filed')).toEqual([]);
    await Promise.all([cabin.close(), doc.close(), other.close()]);
  });

  it('keeps the identity the doctor filed or changed: the cabin’s is noted once in the report (which traits differ), never filed', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    cabin.send({ type: 'patient', ref: 'patient-1', consultationId: id, identity: PROVISIONAL });
    await cabin.next('patient-filed', (m) => m.ref === 'patient-1');
    // The doctor corrects it from the console.
    const put = await fetch(`${t.hub.url}/api/consultations/${id}/patient`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await doctorToken(t, 'dr.a')}`, 'content-type': 'application/json' },
      body: JSON.stringify(CHLOE),
    });
    expect(put.status).toBe(200);
    // A late resend of the assistant's first version (after a reconnection), twice: the doctor's stands.
    for (const ref of ['patient-1', 'patient-1']) {
      cabin.send({ type: 'patient', ref, consultationId: id, identity: PROVISIONAL });
      expect((await cabin.next('patient-filed', (m) => m.ref === ref)).outcome).toBe('doctor-kept');
    }
    expect((await getPatient(t, id, 'dr.a')).json.patient).toEqual(CHLOE);
    const noted = (await incidents(t, id, 'dr.a')).filter((l) => l.includes('filed a different patient identity'));
    expect(noted).toEqual(["the cabin's assistant filed a different patient identity (first names, birthplace, INS number, status): the doctor's stands"]);
    // The same identity as the doctor's: nothing to note.
    cabin.send({ type: 'patient', ref: 'patient-2', consultationId: id, identity: CHLOE });
    expect((await cabin.next('patient-filed', (m) => m.ref === 'patient-2')).outcome).toBe('unchanged');
    await Promise.all([cabin.close(), doc.close()]);
  });
});
