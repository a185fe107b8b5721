import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_BURST, PROBE_TTL_S } from '../../src/hub/ice.ts';
import type { NetCheck } from '../../src/shared/netcheck.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { Client, cabinToken, doctorToken, leap, startHub, type TestHub } from './helpers.ts';

const TURN_SECRET = 'turn-secret-for-probes';
const TURN_URLS = ['turn:127.0.0.1:3478?transport=udp', 'turns:127.0.0.1:443?transport=tcp'];
const clock = new ManualClock(Date.now());
let t: TestHub;

beforeAll(async () => {
  t = await startHub({ clock, heartbeatMs: 60_000, iceServers: { stunUrls: ['stun:127.0.0.1:3478'], turn: { urls: TURN_URLS, secret: TURN_SECRET } } });
});
afterAll(() => t.close());

const reduced: NetCheck = { at: 1_700_000_000_000, verdict: 'reduced', turn: { udp: true, tcp: null, tls: false }, hubRttMs: 40, pathRttMs: 320, pathLossPct: 4.7, uplinkKbps: 266, downlinkKbps: 266 };

describe('probe TURN credentials for the pre-call check', () => {
  it('a cabin gets TURN alone with short-lived credentials of its own, before any consultation', async () => {
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    cabin.send({ type: 'probe', ref: 'p1' });
    const p = await cabin.next('probe', (m) => m.ref === 'p1');
    expect(p.expiresIn).toBe(PROBE_TTL_S);
    expect(p.iceServers).toHaveLength(1);
    const s = p.iceServers[0]!;
    expect(s.urls).toEqual(TURN_URLS);
    const [expiry, user] = s.username!.split(':');
    expect(user).toBe('probe-cab-1');
    expect(Number(expiry)).toBe(Math.floor(clock.now() / 1000) + PROBE_TTL_S);
    expect(s.credential).toBe(createHmac('sha1', TURN_SECRET).update(s.username!).digest('base64'));
    await cabin.close();
  });

  it('a doctor is refused', async () => {
    const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
    doc.send({ type: 'probe', ref: 'd1' });
    const err = await doc.next('error', (m) => m.ref === 'd1');
    expect(err.code).toBe('forbidden');
    expect(doc.pending.some((m) => m.type === 'probe')).toBe(false);
    await doc.close();
  });

  it('is limited per cabin: past the burst one a minute, while another cabin still gets its own', async () => {
    const cab2 = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    const cab3 = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-3'));
    for (let i = 0; i < PROBE_BURST; i++) {
      cab2.send({ type: 'probe', ref: `b${i}` });
      await cab2.next('probe', (m) => m.ref === `b${i}`);
    }
    cab2.send({ type: 'probe', ref: 'over' });
    expect((await cab2.next('error', (m) => m.ref === 'over')).code).toBe('rate-limited');
    cab3.send({ type: 'probe', ref: 'other' });
    await cab3.next('probe', (m) => m.ref === 'other');
    await leap(clock, 61_000);
    cab2.send({ type: 'probe', ref: 'later' });
    await cab2.next('probe', (m) => m.ref === 'later');
    await Promise.all([cab2.close(), cab3.close()]);
  });

  it('pings carry a number back (the check times them one by one)', async () => {
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    cabin.send({ type: 'ping', n: 7 });
    expect((await cabin.next('pong')).n).toBe(7);
    await cabin.close();
  });
});

describe("the request's network check", () => {
  it('reaches the doctors in the queue, is replaced by a later request, and a bad one is refused', async () => {
    const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.b'));
    await doc.next('queue');
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-3'));
    cabin.send({ type: 'request', ref: 'r1', language: 'fr', visit: 'v1', netcheck: reduced });
    const id = (await cabin.next('consultation', (m) => m.ref === 'r1')).consultation.consultationId;
    const q = await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id));
    expect(q.items.find((i) => i.consultationId === id)!.netcheck).toEqual(reduced);

    // Checked again while waiting: the same request with the new check; the doctors see it at once.
    const audio: NetCheck = { ...reduced, at: reduced.at + 60_000, verdict: 'audio-only', pathRttMs: 700 };
    cabin.send({ type: 'request', ref: 'r2', language: 'fr', visit: 'v1', netcheck: audio });
    expect((await cabin.next('consultation', (m) => m.ref === 'r2')).consultation.consultationId).toBe(id);
    const q2 = await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id && i.netcheck?.verdict === 'audio-only'));
    expect(q2.items.find((i) => i.consultationId === id)!.netcheck).toEqual(audio);

    // A doctor connecting later gets it too.
    const late = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.c'));
    expect((await late.next('queue')).items.find((i) => i.consultationId === id)!.netcheck?.verdict).toBe('audio-only');

    cabin.send({ type: 'request', ref: 'bad', language: 'fr', visit: 'v1', netcheck: { ...audio, verdict: 'great' } } as Record<string, unknown>);
    expect((await cabin.next('error')).code).toBe('invalid-message');
    cabin.send({ type: 'cancel', consultationId: id, reason: 'patient' });
    await doc.next('queue', (m) => !m.items.some((i) => i.consultationId === id));
    await Promise.all([doc.close(), late.close(), cabin.close()]);
  });
});
