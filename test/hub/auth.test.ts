import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BEARER_PREFIX, HUB_SUBPROTOCOL, TokenAnswerSchema } from '../../src/shared/hub-protocol.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { Client, PASSWORD, activeConsultation, api, cabinToken, doctorToken, leap, post, startHub, tryUpgrade, type TestHub } from './helpers.ts';

const clock = new ManualClock(Date.now());
let t: TestHub;
const secret = new Uint8Array(32).fill(7);
// The login lockout counts on the system clock (rate-limiter-flexible): Date moves with the hub's clock.
const advance = async (ms: number) => {
  await leap(clock, ms);
  vi.setSystemTime(clock.now());
};

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock.now());
  t = await startHub({ clock, tokenTtlS: 60, jwtSecret: secret });
});
afterAll(async () => {
  await t.close();
  vi.useRealTimers();
});

describe('doctor login', () => {
  it('answers a token for the right password', async () => {
    const r = await post(`${t.hub.url}/api/login`, { username: 'dr.a', password: PASSWORD });
    expect(r.status).toBe(200);
    const a = TokenAnswerSchema.parse(r.json);
    expect(a).toMatchObject({ role: 'doctor', id: 'dr.a', name: 'Dr A', expiresIn: 60 });
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + a.token])).toBe('open');
  });

  it('refuses a wrong password and an unknown user alike (401)', async () => {
    const bad = await post(`${t.hub.url}/api/login`, { username: 'dr.a', password: 'wrong password' });
    const unknown = await post(`${t.hub.url}/api/login`, { username: 'nobody', password: PASSWORD });
    expect(bad.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(bad.json.error.code).toBe('bad-credentials');
    expect(unknown.json.error).toEqual(bad.json.error);
  });

  it('locks a username out of the address that failed 5 times in 5 minutes, for 60 s (429), even with the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await post(`${t.hub.url}/api/login`, { username: 'dr.c', password: `wrong-${i}` })).status).toBe(401);
    const locked = await post(`${t.hub.url}/api/login`, { username: 'dr.c', password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.json.error.code).toBe('too-many-attempts');
    // Another name is not affected.
    expect((await post(`${t.hub.url}/api/login`, { username: 'dr.b', password: PASSWORD })).status).toBe(200);
    await advance(61_000);
    expect((await post(`${t.hub.url}/api/login`, { username: 'dr.c', password: PASSWORD })).status).toBe(200);
  });

  it('guesses sent in parallel cannot slip past the lockout: one check per address at a time', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => post(`${t.hub.url}/api/login`, { username: 'dr.a', password: `guess-${i}` })));
    const statuses = answers.map((a) => a.status);
    // Each guess that was really checked failed (401); the others were turned away (429) without a hash.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it('answers 400 for an invalid body and 413 for an oversized one', async () => {
    expect((await post(`${t.hub.url}/api/login`, '{not json')).status).toBe(400);
    const extra = await post(`${t.hub.url}/api/login`, { username: 'dr.a', password: PASSWORD, admin: true });
    expect(extra.status).toBe(400);
    expect(extra.json.error.code).toBe('invalid-body');
    const big = await post(`${t.hub.url}/api/login`, { username: 'dr.a', password: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    const missing = await fetch(`${t.hub.url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not-found');
  });
});

describe('cabin token', () => {
  it('answers a token for the right key and 401 for a wrong one or an unknown cabin', async () => {
    const ok = await post(`${t.hub.url}/api/cabin/token`, { cabinId: 'cab-1', key: t.keys['cab-1'] });
    expect(ok.status).toBe(200);
    expect(TokenAnswerSchema.parse(ok.json)).toMatchObject({ role: 'cabin', id: 'cab-1', name: 'Cabin cab-1' });
    expect((await post(`${t.hub.url}/api/cabin/token`, { cabinId: 'cab-1', key: t.keys['cab-2'] })).status).toBe(401);
    expect((await post(`${t.hub.url}/api/cabin/token`, { cabinId: 'cab-9', key: t.keys['cab-1'] })).status).toBe(401);
  });

  it('locks a client address out of further guesses after 5 wrong keys; a right key is always let in', async () => {
    const from = (localAddress: string, cabinId: string, key: string) => api(`${t.hub.url}/api/cabin/token`, { body: { cabinId, key }, localAddress });
    for (let i = 0; i < 5; i++) expect((await from('127.0.0.2', 'cab-3', `bad-${i}`)).status).toBe(401);
    // Locked: more guesses from that address are refused without being checked, whatever the cabin id…
    const locked = await from('127.0.0.2', 'cab-1', 'bad-again');
    expect(locked.status).toBe(429);
    expect(locked.json.error.code).toBe('too-many-attempts');
    // …but a cabin with its right key gets in even from that address (behind a reverse proxy every cabin shares the
    // proxy's address: failures must not lock the real cabins out)…
    expect((await from('127.0.0.2', 'cab-3', t.keys['cab-3']!)).status).toBe(200);
    expect((await from('127.0.0.2', 'cab-1', t.keys['cab-1']!)).status).toBe(200);
    // …and a right key does not reset the lock for the guesser.
    expect((await from('127.0.0.2', 'cab-1', 'bad-after')).status).toBe(429);
    // Other addresses are not locked.
    expect((await from('127.0.0.3', 'cab-3', 'bad-elsewhere')).status).toBe(401);
    await advance(61_000);
    expect((await from('127.0.0.2', 'cab-3', 'bad-later')).status).toBe(401);
  });

  it('counts wrong keys sent in parallel one by one: 5 are checked, the rest refused; a right key still gets in', async () => {
    const from = (localAddress: string, cabinId: string, key: string) => api(`${t.hub.url}/api/cabin/token`, { body: { cabinId, key }, localAddress });
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => from('127.0.0.4', 'cab-2', `bad-${i}`)),
      from('127.0.0.4', 'cab-2', t.keys['cab-2']!),
    ]);
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 20).filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.slice(0, 20).filter((s) => s === 429)).toHaveLength(15);
    expect(statuses[20]).toBe(200);
    // The lock is the guessing address's only.
    expect((await from('127.0.0.5', 'cab-2', 'bad-elsewhere')).status).toBe(401);
  });
});

describe('tokens on the WebSocket upgrade and /api/refresh', () => {
  it('refuses a missing token, a missing subprotocol, a forged and an expired token with HTTP 401', async () => {
    const good = await doctorToken(t, 'dr.a');
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL])).toBe(401);
    expect(await tryUpgrade(t.hub.wsUrl, [BEARER_PREFIX + good])).toBe(401);
    const forged = await new SignJWT({ role: 'doctor', name: 'Dr A' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('cabin-hub')
      .setSubject('dr.a')
      .setIssuedAt(Math.floor(clock.now() / 1000))
      .setExpirationTime(Math.floor(clock.now() / 1000) + 600)
      .sign(new Uint8Array(32).fill(8));
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + forged])).toBe(401);
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + 'not.a.token'])).toBe(401);
    // Signed with the hub's own key but without a session: refused too (every token belongs to a login session).
    const sessionless = await new SignJWT({ role: 'doctor', name: 'Dr A' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('cabin-hub')
      .setSubject('dr.a')
      .setIssuedAt(Math.floor(clock.now() / 1000))
      .setExpirationTime(Math.floor(clock.now() / 1000) + 600)
      .sign(secret);
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + sessionless])).toBe(401);
    expect((await post(`${t.hub.url}/api/refresh`, {}, { Authorization: `Bearer ${sessionless}` })).status).toBe(401);
    // …and so is one whose session id is made up.
    const unknownSession = await new SignJWT({ role: 'doctor', name: 'Dr A', sid: 'made-up' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('cabin-hub')
      .setSubject('dr.a')
      .setIssuedAt(Math.floor(clock.now() / 1000))
      .setExpirationTime(Math.floor(clock.now() / 1000) + 600)
      .sign(secret);
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + unknownSession])).toBe(401);
    const refused = await post(`${t.hub.url}/api/refresh`, {}, { Authorization: `Bearer ${unknownSession}` });
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe('session-expired');
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + good])).toBe('open');
    await advance(61_000);
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + good])).toBe(401);
  });

  it('renews an unexpired token and refuses an expired one', async () => {
    const token = await cabinToken(t, 'cab-1');
    await advance(30_000);
    const r = await post(`${t.hub.url}/api/refresh`, {}, { Authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    const renewed = TokenAnswerSchema.parse(r.json);
    expect(renewed).toMatchObject({ role: 'cabin', id: 'cab-1' });
    await advance(45_000); // the first token has expired, the renewed one has not
    expect((await post(`${t.hub.url}/api/refresh`, {}, { Authorization: `Bearer ${token}` })).status).toBe(401);
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + renewed.token])).toBe('open');
    expect((await post(`${t.hub.url}/api/refresh`, {})).status).toBe(401);
  });
});

describe('the sessions of upgrades', () => {
  it('are read from the store together, not one query a socket', async () => {
    const tokens = [await doctorToken(t, 'dr.b'), await cabinToken(t, 'cab-1'), await cabinToken(t, 'cab-2'), await cabinToken(t, 'cab-3')];
    // Each read of the sessions takes 300 ms, as a busy database would: the upgrades that arrive meanwhile wait for
    // the next read together (with a fast read on a loaded machine, the 40 could arrive one read apart each).
    const read = t.hub.store.validSessions.bind(t.hub.store);
    const spy = vi.spyOn(t.hub.store, 'validSessions').mockImplementation(async (sids) => {
      await new Promise((r) => setTimeout(r, 300));
      return read(sids);
    });
    const single = vi.spyOn(t.hub.store, 'session');
    try {
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + tokens[i % 4]!])));
      expect(results).toEqual(Array.from({ length: 40 }, () => 'open'));
      expect(single).not.toHaveBeenCalled();
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(spy.mock.calls.length).toBeLessThanOrEqual(10);
    } finally {
      spy.mockRestore();
      single.mockRestore();
    }
  });

  it('a database that fails the check is 503 with Retry-After, not 401: the same token opens once it is back', async () => {
    const token = await cabinToken(t, 'cab-1');
    const spy = vi.spyOn(t.hub.store, 'validSessions').mockRejectedValueOnce(new Error('timeout exceeded when trying to connect'));
    try {
      const answer = await new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
        const ws = new WebSocket(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + token]);
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
        });
        ws.once('open', () => reject(new Error('opened')));
        ws.once('error', () => undefined);
      });
      expect(answer.status).toBe(503);
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(2);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(5);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'unavailable' } });
      expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + token])).toBe('open');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('roles', () => {
  it('forbids a cabin to claim or end, a doctor to request, and a cabin token on the report route', async () => {
    const { cabin, doc, id } = await activeConsultation(t, 'cab-2', 'dr.a');
    cabin.send({ type: 'claim', ref: 'x', consultationId: id });
    expect(await cabin.next('error', (m) => m.ref === 'x')).toMatchObject({ code: 'forbidden' });
    cabin.send({ type: 'end', ref: 'y', consultationId: id, notes: '', readings: [] });
    expect(await cabin.next('error', (m) => m.ref === 'y')).toMatchObject({ code: 'forbidden' });
    doc.send({ type: 'request', ref: 'z', language: 'en' });
    expect(await doc.next('error', (m) => m.ref === 'z')).toMatchObject({ code: 'forbidden' });

    const cabinBearer = { Authorization: `Bearer ${await cabinToken(t, 'cab-2')}` };
    const asCabin = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: cabinBearer });
    expect(asCabin.status).toBe(403);
    expect((await asCabin.json()).error.code).toBe('forbidden');
    const otherDoctor = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: { Authorization: `Bearer ${await doctorToken(t, 'dr.b')}` } });
    expect(otherDoctor.status).toBe(403);
    const assigned = { Authorization: `Bearer ${await doctorToken(t, 'dr.a')}` };
    expect((await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: assigned })).status).toBe(200);
    expect((await fetch(`${t.hub.url}/api/consultations/nope/report`, { headers: assigned })).status).toBe(404);
    expect((await fetch(`${t.hub.url}/api/consultations/${id}/report`)).status).toBe(401);
    await cabin.close();
    await doc.close();
  });

  it('keeps a doctor who is not assigned out of another doctor’s consultation', async () => {
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    const intruder = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.b'));
    intruder.send({ type: 'join', ref: 'j', consultationId: id });
    expect(await intruder.next('error', (m) => m.ref === 'j')).toMatchObject({ code: 'forbidden' });
    intruder.send({ type: 'signal', consultationId: id, data: { pc: 'evil', hello: true } });
    intruder.send({ type: 'incident', consultationId: id, detail: 'fake' });
    intruder.send({ type: 'cancel', ref: 'k', consultationId: id });
    expect(await intruder.next('error', (m) => m.ref === 'k')).toMatchObject({ code: 'forbidden' });
    intruder.send({ type: 'join', ref: 'n', consultationId: 'does-not-exist' });
    expect(await intruder.next('error', (m) => m.ref === 'n')).toMatchObject({ code: 'not-found' });
    // A ping round trip after: nothing of the intruder reached the cabin.
    cabin.send({ type: 'ping' });
    await cabin.next('pong');
    expect(cabin.pending.filter((m) => m.type === 'signal')).toEqual([]);
    expect((await t.hub.store.report(id))!.incidents.map((i) => i.detail)).not.toContain('fake');
    expect((await t.hub.store.consultation(id))!.state).toBe('active');
    await Promise.all([cabin.close(), doc.close(), intruder.close()]);
  });
});
