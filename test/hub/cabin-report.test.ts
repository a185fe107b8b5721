import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/hub/store.ts';
import { activeConsultation, cabinToken, Client, doctorToken, startHub, type TestHub } from './helpers.ts';

/** A cabin delivers its own outbox to its consultation's report (issue 11, fault 4). */

const reading = (i: number): Reading => ({ id: `obs-${i}`, deviceId: 'ox-1', code: 'MDC_PULS_OXIM_SAT_O2', value: 90 + (i % 10), unit: '%', t: 1_700_000_000_000 + i * 1000 });

describe('report parts sent by a cabin', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('takes a cabin’s parts for its own consultation, each id once with the doctor’s, also after the doctor ended it, marked as from the cabin', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    doc.send({ type: 'report', ref: 'd1', consultationId: id, readings: [reading(1), reading(2)] });
    await doc.next('reported', (m) => m.ref === 'd1');

    // The cabin sends what it still holds, overlapping what the doctor sent: only the new ones count.
    cabin.send({ type: 'report', ref: 'c1', consultationId: id, readings: [reading(2), reading(3)] });
    expect(await cabin.next('reported', (m) => m.ref === 'c1')).toEqual({ type: 'reported', ref: 'c1', consultationId: id, count: 1 });
    // The doctor sends later what the cabin already delivered: kept once.
    doc.send({ type: 'report', ref: 'd2', consultationId: id, readings: [reading(3)] });
    expect((await doc.next('reported', (m) => m.ref === 'd2')).count).toBe(0);

    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'ok', readings: [] });
    await doc.next('ended', (m) => m.ref === 'e');
    // After the end, readings the doctor never saw still reach the report; a resend adds nothing.
    cabin.send({ type: 'report', ref: 'c2', consultationId: id, readings: [reading(4), reading(5)] });
    expect((await cabin.next('reported', (m) => m.ref === 'c2')).count).toBe(2);
    cabin.send({ type: 'report', ref: 'c3', consultationId: id, readings: [reading(4), reading(5)] });
    expect((await cabin.next('reported', (m) => m.ref === 'c3')).count).toBe(0);

    const res = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: { authorization: `Bearer ${await doctorToken(t, 'dr.a')}` } });
    const report = (await res.json()) as { state: string; readings: (Reading & { fromCabinAt?: number })[] };
    expect(report.state).toBe('ended');
    expect(report.readings.map((r) => r.id)).toEqual(['obs-1', 'obs-2', 'obs-3', 'obs-4', 'obs-5']);
    expect(report.readings.map((r) => typeof r.fromCabinAt === 'number')).toEqual([false, false, true, true, true]);
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('refuses a part for another cabin’s consultation, or one no doctor took, with a clear error and nothing stored', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    const other = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    other.send({ type: 'report', ref: 'x', consultationId: id, readings: [reading(1)] });
    const err = await other.next('error', (m) => m.ref === 'x');
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(/not yours: a cabin may only report readings of its own consultations/);

    other.send({ type: 'request', ref: 'r', language: 'fr' });
    const waiting = (await other.next('consultation', (m) => m.ref === 'r')).consultation.consultationId;
    other.send({ type: 'report', ref: 'w', consultationId: waiting, readings: [reading(2)] });
    expect(await other.next('error', (m) => m.ref === 'w')).toMatchObject({ code: 'not-claimed' });
    other.send({ type: 'report', ref: 'n', consultationId: 'no-such-consultation', readings: [reading(3)] });
    expect(await other.next('error', (m) => m.ref === 'n')).toMatchObject({ code: 'not-found' });

    expect((await t.hub.store.report(id))!.readings).toEqual([]);
    expect((await t.hub.store.report(waiting))!.readings).toEqual([]);
    await Promise.all([cabin.close(), doc.close(), other.close()]);
  });
});
