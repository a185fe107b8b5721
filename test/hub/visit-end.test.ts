import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, cabinToken, doctorToken, startHub, type TestHub } from './helpers.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startHub();
});
afterAll(() => t.close());

/** Cabin `cabinId` asks for a doctor for visit `visit`; `doctor` takes it. */
async function inCall(cabinId: string, doctor: string, visit: string): Promise<{ cabin: Client; doc: Client; id: string }> {
  const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, cabinId));
  const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, doctor));
  cabin.send({ type: 'request', ref: 'r', language: 'fr', visit });
  const waiting = (await cabin.next('consultation', (m) => m.ref === 'r')).consultation;
  expect(waiting.visit).toBe(visit);
  doc.send({ type: 'claim', ref: 'c', consultationId: waiting.consultationId });
  await doc.next('consultation', (m) => m.ref === 'c');
  await cabin.next('consultation', (m) => m.consultation.state === 'active');
  return { cabin, doc, id: waiting.consultationId };
}

describe('the end of a visit, as the doctor hears it', () => {
  it('tells the doctor at once that the patient ended the visit, and why (kept for the report, and after a reload)', async () => {
    const { cabin, doc, id } = await inCall('cab-1', 'dr.a', 'visit-1');
    cabin.send({ type: 'cancel', ref: 'bye', consultationId: id, reason: 'patient' });
    await cabin.next('ended', (m) => m.ref === 'bye');
    const seen = (await doc.next('consultation', (m) => m.consultation.cabinLeft !== undefined)).consultation;
    expect(seen).toMatchObject({ consultationId: id, state: 'active', peerPresent: false, cabinLeft: { reason: 'patient' } });
    expect(seen.visit).toBeUndefined(); // the cabin's visit is the cabin's business
    // A console that reloads gets the same.
    await doc.close();
    const again = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
    expect((await again.next('consultation')).consultation.cabinLeft).toMatchObject({ reason: 'patient' });
    expect((await t.hub.store.report(id))!.incidents.map((i) => i.detail)).toContain('the patient left the cabin (patient)');
    again.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await again.next('ended', (m) => m.ref === 'e');
    await Promise.all([cabin.close(), again.close()]);
  });

  it('never hands the next patient the previous consultation: a leave lost with the connection is done by the next request', async () => {
    const { cabin, doc, id } = await inCall('cab-2', 'dr.b', 'visit-A');
    // The cabin's connection dies before its cancel goes out (visit A ended by idleness meanwhile).
    cabin.ws.terminate();
    await doc.next('consultation', (m) => !m.consultation.peerPresent);
    const back = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    // The hub pushes what it still holds open for the cabin; the next patient's visit asks for a doctor.
    back.send({ type: 'request', ref: 'next', language: 'en', visit: 'visit-B' });
    const b = (await back.next('consultation', (m) => m.ref === 'next')).consultation;
    expect(b.consultationId).not.toBe(id);
    expect(b).toMatchObject({ state: 'waiting', visit: 'visit-B', doctorId: null });
    // Dr B is told the patient of A is gone, and A stays his for the report.
    expect((await doc.next('consultation', (m) => m.consultation.cabinLeft !== undefined)).consultation).toMatchObject({
      consultationId: id,
      cabinLeft: { reason: 'new-visit' },
    });
    // Nothing of visit B reaches the doctor of A: the cabin can no longer signal into A.
    back.send({ type: 'signal', consultationId: id, data: { pc: 'kiosk-b', hello: true } });
    expect(await back.next('error')).toMatchObject({ code: 'not-active' });
    doc.send({ type: 'ping' });
    await doc.next('pong');
    expect(doc.pending.filter((m) => m.type === 'signal' || (m.type === 'consultation' && m.consultation.consultationId !== id))).toEqual([]);
    back.send({ type: 'cancel', ref: 'x', consultationId: b.consultationId, reason: 'patient' });
    await back.next('ended', (m) => m.ref === 'x');
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await doc.next('ended', (m) => m.ref === 'e');
    await Promise.all([back.close(), doc.close()]);
  });

  it('the same visit asking again gets its own consultation back', async () => {
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-3'));
    cabin.send({ type: 'request', ref: 'a', language: 'fr', visit: 'v' });
    const first = (await cabin.next('consultation', (m) => m.ref === 'a')).consultation;
    cabin.send({ type: 'request', ref: 'b', language: 'fr', visit: 'v' });
    expect((await cabin.next('consultation', (m) => m.ref === 'b')).consultation.consultationId).toBe(first.consultationId);
    cabin.send({ type: 'cancel', ref: 'x', consultationId: first.consultationId });
    await cabin.next('ended', (m) => m.ref === 'x');
    await cabin.close();
  });

  it('shows the doctor the patient’s call for the assistant, and records it in the report', async () => {
    const { cabin, doc, id } = await inCall('cab-1', 'dr.c', 'visit-help');
    // Pressed five times in a row: the doctor is told once, and the report says it once (not a flood of alerts).
    for (let i = 0; i < 5; i++) cabin.send({ type: 'help', consultationId: id });
    expect(await doc.next('help')).toMatchObject({ consultationId: id });
    cabin.send({ type: 'ping' });
    await cabin.next('pong');
    doc.send({ type: 'ping' });
    await doc.next('pong');
    expect(doc.pending.filter((m) => m.type === 'help')).toEqual([]);
    expect((await t.hub.store.report(id))!.incidents.filter((i) => i.detail === 'the patient called the assistant')).toHaveLength(1);
    // The doctor cannot send it.
    doc.send({ type: 'help', consultationId: id });
    expect(await doc.next('error')).toMatchObject({ code: 'forbidden' });
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await doc.next('ended', (m) => m.ref === 'e');
    await Promise.all([cabin.close(), doc.close()]);
  });
});
