import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsultationView, IceServer } from '../../src/shared/hub-protocol.ts';
import { ManualClock, runFor } from '../helpers/manual-clock.ts';
import { Client, cabinToken, doctorToken, leap, startHub, type TestHub } from './helpers.ts';

const TURN_SECRET = 'turn-secret-for-renewal';
const TTL_S = 40;
const STUN = { urls: ['stun:127.0.0.1:3478'] };
const clock = new ManualClock(Date.now());
let t: TestHub;

beforeAll(async () => {
  t = await startHub({
    clock,
    heartbeatMs: 250,
    iceServers: { stunUrls: STUN.urls, turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: TURN_SECRET, ttlS: TTL_S } },
  });
});
afterAll(() => t.close());

/** The TURN entry of a view, checked against the shared secret (coturn REST scheme), with its expiry. */
function turnOf(view: ConsultationView, role: 'cabin' | 'doctor'): IceServer & { expiry: number } {
  expect(view.iceServers[0]).toEqual(STUN);
  const turn = view.iceServers[1]!;
  expect(view.iceServers).toHaveLength(2);
  const [expiry, user] = turn.username!.split(':');
  expect(user).toBe(`${view.consultationId}-${role}`);
  expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username!).digest('base64'));
  return { ...turn, expiry: Number(expiry) };
}

const nowS = () => Math.floor(clock.now() / 1000);

describe('TURN credentials', () => {
  it('are absent while waiting, given once claimed, the same on every push, and renewed and pushed before they expire', async () => {
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
    cabin.send({ type: 'request', ref: 'r', language: 'fr' });
    const waiting = (await cabin.next('consultation', (m) => m.ref === 'r')).consultation;
    expect(waiting.state).toBe('waiting');
    expect(waiting.iceServers).toEqual([STUN]);
    const id = waiting.consultationId;

    doc.send({ type: 'claim', ref: 'c', consultationId: id });
    const first = {
      doctor: turnOf((await doc.next('consultation', (m) => m.ref === 'c')).consultation, 'doctor'),
      cabin: turnOf((await cabin.next('consultation', (m) => m.consultation.state === 'active')).consultation, 'cabin'),
    };
    expect(first.doctor.expiry).toBe(nowS() + TTL_S);

    // More pushes (a join of each side; the doctor leaving and coming back): the same credentials.
    await leap(clock, 5000);
    cabin.send({ type: 'join', ref: 'j1', consultationId: id });
    doc.send({ type: 'join', ref: 'j2', consultationId: id });
    expect(turnOf((await cabin.next('consultation', (m) => m.ref === 'j1')).consultation, 'cabin')).toEqual(first.cabin);
    expect(turnOf((await doc.next('consultation', (m) => m.ref === 'j2')).consultation, 'doctor')).toEqual(first.doctor);
    await doc.close();
    expect(turnOf((await cabin.next('consultation', (m) => !m.consultation.peerPresent)).consultation, 'cabin')).toEqual(first.cabin);
    const doc2 = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
    expect(turnOf((await doc2.next('consultation')).consultation, 'doctor')).toEqual(first.doctor);
    await cabin.next('consultation', (m) => m.consultation.peerPresent);
    await runFor(clock, 600); // heartbeats: nothing to renew yet
    expect(cabin.pending.filter((m) => m.type === 'consultation')).toEqual([]);
    expect(doc2.pending.filter((m) => m.type === 'consultation')).toEqual([]);

    // Less than a quarter of the lifetime left: fresh credentials, pushed to both sides unasked.
    await leap(clock, (TTL_S - 5 - 9) * 1000);
    const renewed = {
      cabin: turnOf((await cabin.next('consultation', (m) => m.ref === undefined)).consultation, 'cabin'),
      doctor: turnOf((await doc2.next('consultation', (m) => m.ref === undefined)).consultation, 'doctor'),
    };
    for (const role of ['cabin', 'doctor'] as const) {
      expect(renewed[role].expiry).toBe(nowS() + TTL_S);
      expect(renewed[role].expiry).toBeGreaterThan(first[role].expiry);
      expect(renewed[role].credential).not.toBe(first[role].credential);
    }
    // A side that reconnects gets the current ones.
    await cabin.close();
    const cabin2 = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    expect(turnOf((await cabin2.next('consultation')).consultation, 'cabin')).toEqual(renewed.cabin);

    doc2.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await doc2.next('ended', (m) => m.ref === 'e');
    await Promise.all([doc2.close(), cabin2.close()]);
  });

  it('a side away at renewal time gets fresh ones on its return; the side present is pushed', async () => {
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.b'));
    cabin.send({ type: 'request', ref: 'r', language: 'en' });
    const id = (await cabin.next('consultation', (m) => m.ref === 'r')).consultation.consultationId;
    doc.send({ type: 'claim', ref: 'c', consultationId: id });
    const before = turnOf((await doc.next('consultation', (m) => m.ref === 'c')).consultation, 'doctor');
    await cabin.next('consultation', (m) => m.consultation.state === 'active');
    await doc.close();
    await cabin.next('consultation', (m) => !m.consultation.peerPresent);
    await leap(clock, (TTL_S - 5) * 1000);
    const pushed = turnOf((await cabin.next('consultation', (m) => m.ref === undefined)).consultation, 'cabin');
    expect(pushed.expiry).toBe(nowS() + TTL_S);
    const back = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.b'));
    const fresh = turnOf((await back.next('consultation')).consultation, 'doctor');
    expect(fresh.expiry).toBe(nowS() + TTL_S);
    expect(fresh.credential).not.toBe(before.credential);
    back.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await back.next('ended', (m) => m.ref === 'e');
    await Promise.all([back.close(), cabin.close()]);
  });
});
