import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BEARER_PREFIX, HUB_CLOSE, HUB_SUBPROTOCOL, MAX_SESSION_S, SESSION_COOKIE, TokenAnswerSchema } from '../../src/shared/hub-protocol.ts';
import { logout as consoleLogout, refresh as consoleRefresh, type FetchLike } from '../../src/doctor/hub/auth.ts';
import { ManualClock, runFor } from '../helpers/manual-clock.ts';
import { Client, PASSWORD, api, cabinToken, cookiePair, leap, tokenClaims, tryUpgrade, startHub, type TestHub } from './helpers.ts';

const TTL_S = 60;
const clock = new ManualClock(Date.now());
let t: TestHub;

beforeAll(async () => {
  // Two sockets per slice of the heartbeat: its tests with three or more sockets go through several slices.
  t = await startHub({ clock, tokenTtlS: TTL_S, heartbeatMs: 250, heartbeatSlice: 2 });
});
afterAll(() => t.close());

/** A doctor's login: its token and its session cookie (`name=value`). */
async function login(username: string, headers: Record<string, string> = {}): Promise<{ token: string; cookie: string; setCookie: string }> {
  const r = await api(`${t.hub.url}/api/login`, { body: { username, password: PASSWORD }, headers });
  expect(r.status).toBe(200);
  // The session cookie, besides the device cookie (src/hub/device.ts).
  const session = r.cookies.filter((c) => c.startsWith(`${SESSION_COOKIE}=`));
  expect(session).toHaveLength(1);
  return { token: TokenAnswerSchema.parse(r.json).token, cookie: cookiePair(session[0]!), setCookie: session[0]! };
}

/** `authenticated.expiresIn` of a new token: whole seconds left, rounded down (the clock is past the token's iat). */
function expectFull(expiresIn: number): void {
  expect(expiresIn).toBeGreaterThanOrEqual(TTL_S - 1);
  expect(expiresIn).toBeLessThanOrEqual(TTL_S);
}

const refresh = (headers: Record<string, string>) => api(`${t.hub.url}/api/refresh`, { headers });
const logout = (headers: Record<string, string>) => api(`${t.hub.url}/api/logout`, { headers });

describe('the doctor session cookie', () => {
  it('is HttpOnly, Secure (whatever Host a proxy passes; browsers keep it on http://localhost), SameSite=Strict, Path=/api, lives MAX_SESSION_S', async () => {
    for (const host of [undefined, 'localhost:8440', '127.0.0.1:1234', 'hub.example.org']) {
      const { setCookie } = await login('dr.a', host ? { Host: host } : {});
      const attrs = setCookie.split(';').map((a) => a.trim());
      expect(attrs[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}$`));
      expect(attrs.slice(1).sort(), host).toEqual(['HttpOnly', `Max-Age=${MAX_SESSION_S}`, 'Path=/api', 'SameSite=Strict', 'Secure']);
    }
  });

  it('refuses what another site makes a browser send: a form body (text/plain), a foreign Origin, Sec-Fetch-Site cross-site', async () => {
    const form = await api(`${t.hub.url}/api/login`, { body: JSON.stringify({ username: 'dr.a', password: PASSWORD }), headers: { 'Content-Type': 'text/plain' } });
    expect(form.status).toBe(415);
    expect(form.cookies).toHaveLength(0);
    const host = new URL(t.hub.url).host;
    for (const headers of <Record<string, string>[]>[{ Origin: 'https://evil.example' }, { Origin: 'null' }, { Origin: `http://${host}.evil.example` }, { 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }]) {
      for (const path of ['/api/login', '/api/refresh', '/api/logout']) {
        const r = await api(`${t.hub.url}${path}`, { body: { username: 'dr.a', password: PASSWORD }, headers });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(r.json.error.code).toBe('cross-site');
        expect(r.cookies).toHaveLength(0);
      }
    }
    // Behind a reverse proxy that passes its own upstream as Host (nginx's default): the browser's Sec-Fetch-Site
    // decides; without it, the proxy's X-Forwarded-Host names the hub the Origin must be.
    const proxied = { Host: '127.0.0.1:8440', Origin: 'https://hub.example.org' };
    expect((await api(`${t.hub.url}/api/login`, { body: { username: 'dr.a', password: PASSWORD }, headers: { ...proxied, 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(200);
    expect((await api(`${t.hub.url}/api/login`, { body: { username: 'dr.a', password: PASSWORD }, headers: { ...proxied, 'X-Forwarded-Host': 'hub.example.org' } })).status).toBe(200);
    expect((await api(`${t.hub.url}/api/login`, { body: { username: 'dr.a', password: PASSWORD }, headers: { ...proxied, 'X-Forwarded-Host': 'other.example.org' } })).status).toBe(403);
    // The console itself (same origin) and cabin main (no Origin, no Sec-Fetch-Site) get in.
    expect((await api(`${t.hub.url}/api/login`, { body: { username: 'dr.a', password: PASSWORD }, headers: { Origin: `http://${host}`, 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(200);
    expect((await api(`${t.hub.url}/api/cabin/token`, { body: { cabinId: 'cab-1', key: t.keys['cab-1'] } })).status).toBe(200);
  });

  it("the console's own logout and refresh (src/doctor/hub/auth.ts, bodiless POSTs) are accepted and end the session", async () => {
    const s = await login('dr.b');
    // The console's fetch, as the browser sends it from the hub's own page: relative URL, the cookie, same origin.
    const consoleFetch: FetchLike = (url, init) =>
      fetch(new URL(url, t.hub.url), { ...init, headers: { ...(init?.headers as Record<string, string>), cookie: s.cookie, 'sec-fetch-site': 'same-origin' } }) as ReturnType<FetchLike>;
    const renewed = await consoleRefresh(undefined, consoleFetch);
    expect(renewed.ok).toBe(true);
    expect(await consoleLogout(s.token, consoleFetch)).toBe(true);
    expect((await refresh({ Cookie: s.cookie })).status).toBe(401);
  });

  it('keeps at most 10 open sessions per account: the oldest logins end first', async () => {
    const first = await login('dr.c');
    const sid = (token: string) => String(tokenClaims(token).sid);
    const later: Awaited<ReturnType<typeof login>>[] = [];
    for (let i = 0; i < 10; i++) {
      await leap(clock, 1);
      later.push(await login('dr.c'));
    }
    expect(await t.hub.store.session(sid(first.token))).toBeNull();
    expect((await refresh({ Cookie: first.cookie })).status).toBe(401);
    for (const s of later) expect(await t.hub.store.session(sid(s.token)), 'a recent login').not.toBeNull();
  });

  it('gets a new token of the same session from the cookie alone (a reloaded console), and only from a valid cookie', async () => {
    const first = await login('dr.a');
    await leap(clock, 2000);
    const r = await refresh({ Cookie: `other=1; ${first.cookie}` });
    expect(r.status).toBe(200);
    const renewed = TokenAnswerSchema.parse(r.json);
    expect(renewed).toMatchObject({ role: 'doctor', id: 'dr.a', name: 'Dr A', expiresIn: TTL_S });
    expect(tokenClaims(renewed.token).sid).toBe(tokenClaims(first.token).sid);
    expect(renewed.token).not.toBe(first.token);
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + renewed.token])).toBe('open');

    const none = await refresh({});
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('bad-token');
    const forged = await refresh({ Cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}` });
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe('session-expired');
    expect(forged.json.error.message).toMatch(/log in again/);
    // The refresh secret is kept only as a hash.
    const secret = first.cookie.split('=')[1]!;
    expect(JSON.stringify(await t.hub.store.kysely.db.selectFrom('sessions').selectAll().execute())).not.toContain(secret);
  });

  it('logout ends the session: no more refresh (token or cookie), the cookie is cleared and the open socket is closed with 4401', async () => {
    const s = await login('dr.b');
    const ws = await Client.open(t.hub.wsUrl, s.token);
    await ws.next('hello');
    expectFull((await ws.next('authenticated')).expiresIn);
    const out = await logout({ Authorization: `Bearer ${s.token}` });
    expect(out.status).toBe(200);
    expect(out.json).toEqual({ ended: true });
    expect(out.cookies[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
    expect((await ws.closed).code).toBe(HUB_CLOSE.badToken);
    for (const headers of [{ Authorization: `Bearer ${s.token}` }, { Cookie: s.cookie }] as Record<string, string>[]) {
      const r = await refresh(headers);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('session-expired');
    }
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + s.token])).toBe(401);
    // Logging out with the cookie only (the token is lost) works too.
    const again = await login('dr.b');
    expect((await logout({ Cookie: again.cookie })).json).toEqual({ ended: true });
    expect((await refresh({ Authorization: `Bearer ${again.token}` })).status).toBe(401);
    expect((await logout({})).json).toEqual({ ended: false });
  });

  it('refuses a session older than MAX_SESSION_S, and no token outlives its session', async () => {
    const s = await login('dr.a');
    await leap(clock, (MAX_SESSION_S - 30) * 1000);
    const late = await refresh({ Cookie: s.cookie });
    expect(late.status).toBe(200);
    const last = TokenAnswerSchema.parse(late.json);
    expect(last.expiresIn).toBeLessThanOrEqual(30);
    expect(last.expiresIn).toBeGreaterThan(0);
    const ws = await Client.open(t.hub.wsUrl, last.token);
    await leap(clock, 31_000);
    expect((await ws.closed).code).toBe(HUB_CLOSE.badToken);
    for (const headers of [{ Cookie: s.cookie }, { Authorization: `Bearer ${last.token}` }] as Record<string, string>[]) {
      const r = await refresh(headers);
      expect(r.status).toBe(401);
    }
    expect((await refresh({ Cookie: s.cookie })).json.error.code).toBe('session-expired');
    // A new login starts a new session.
    expect((await refresh({ Cookie: (await login('dr.a')).cookie })).status).toBe(200);
  });

  it('prunes ended and expired sessions so the table does not grow with every cabin login', async () => {
    for (let i = 0; i < 5; i++) await cabinToken(t, 'cab-1');
    const count = async () => Number((await t.hub.store.kysely.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    expect(before).toBeGreaterThanOrEqual(5);
    await leap(clock, MAX_SESSION_S * 1000 + 1000);
    await cabinToken(t, 'cab-1');
    expect(await count()).toBe(1);
  });
});

describe('token lifetime on an open socket', () => {
  it('closes a socket with 4401 when its token expires without auth', async () => {
    const ws = await Client.open(t.hub.wsUrl, (await login('dr.a')).token);
    await ws.next('authenticated');
    await leap(clock, (TTL_S - 5) * 1000);
    ws.send({ type: 'ping' });
    await ws.next('pong');
    await leap(clock, 6000);
    const closed = await ws.closed;
    expect(closed.code).toBe(HUB_CLOSE.badToken);
    expect(closed.reason).toMatch(/token expired/);
  });

  it('keeps a socket open past the first token with a valid auth, and answers authenticated', async () => {
    const s = await login('dr.a');
    const ws = await Client.open(t.hub.wsUrl, s.token);
    await ws.next('authenticated');
    await leap(clock, 40_000);
    const fresh = TokenAnswerSchema.parse((await refresh({ Authorization: `Bearer ${s.token}` })).json).token;
    ws.send({ type: 'auth', token: fresh });
    expectFull((await ws.next('authenticated')).expiresIn);
    await leap(clock, 40_000); // the first token expired 20 s ago
    await runFor(clock, 600); // a few heartbeats
    ws.send({ type: 'ping' });
    await ws.next('pong');
    expect(ws.ws.readyState).toBe(ws.ws.OPEN);
    await leap(clock, 21_000); // and now the fresh one too
    expect((await ws.closed).code).toBe(HUB_CLOSE.badToken);
  });

  it('accepts a cabin’s token of a new login (another session of the same cabin), and ends the old session', async () => {
    const old = await cabinToken(t, 'cab-2');
    const ws = await Client.open(t.hub.wsUrl, old);
    await ws.next('authenticated');
    const next = await cabinToken(t, 'cab-2');
    ws.send({ type: 'auth', token: next });
    expectFull((await ws.next('authenticated')).expiresIn);
    expect(await t.hub.store.session(String(tokenClaims(old).sid))).toBeNull();
    expect(await t.hub.store.session(String(tokenClaims(next).sid))).not.toBeNull();
    await runFor(clock, 600); // heartbeats: the socket lives on its new session
    ws.send({ type: 'ping' });
    await ws.next('pong');
    await ws.close();
  });

  it('a cabin’s older new login arriving after a newer one is ended, the socket stays on the newest', async () => {
    const ws = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-3'));
    await ws.next('authenticated');
    const older = await cabinToken(t, 'cab-3');
    await leap(clock, 5000);
    const newer = await cabinToken(t, 'cab-3');
    ws.send({ type: 'auth', token: newer });
    await ws.next('authenticated');
    ws.send({ type: 'auth', token: older });
    await ws.next('authenticated');
    expect(await t.hub.store.session(String(tokenClaims(older).sid))).toBeNull();
    expect(await t.hub.store.session(String(tokenClaims(newer).sid))).not.toBeNull();
    await ws.close();
  });

  it('keeps a doctor’s socket to its own login: a token of another login of the same doctor closes it', async () => {
    const ws = await Client.open(t.hub.wsUrl, (await login('dr.a')).token);
    await ws.next('authenticated');
    ws.send({ type: 'auth', token: (await login('dr.a')).token });
    expect((await ws.closed).code).toBe(HUB_CLOSE.badToken);
  });

  it('keeps the later expiry when two auth messages finish out of order', async () => {
    const s = await login('dr.b');
    const ws = await Client.open(t.hub.wsUrl, s.token);
    await ws.next('authenticated');
    await leap(clock, 30_000);
    const newer = TokenAnswerSchema.parse((await refresh({ Authorization: `Bearer ${s.token}` })).json).token;
    ws.send({ type: 'auth', token: newer });
    expectFull((await ws.next('authenticated')).expiresIn);
    // The older token (30 s left) arrives after: accepted, but the socket keeps the later expiry.
    ws.send({ type: 'auth', token: s.token });
    expect((await ws.next('authenticated')).expiresIn).toBeGreaterThanOrEqual(TTL_S - 1);
    await ws.close();
  });

  it('closes the socket on auth with another account’s token, a cabin token on a doctor socket, or garbage', async () => {
    const other = (await login('dr.b')).token;
    const cases = [other, await cabinToken(t, 'cab-1'), 'not-a-token'];
    for (const token of cases) {
      const ws = await Client.open(t.hub.wsUrl, (await login('dr.a')).token);
      await ws.next('authenticated');
      ws.send({ type: 'auth', token });
      expect((await ws.closed).code).toBe(HUB_CLOSE.badToken);
    }
  });
});

function hubCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'src/hub/cli/main.ts', ...args], { cwd: resolve(import.meta.dirname, '../..') });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.stdin.end();
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('disabled accounts', () => {
  it('a doctor disabled from the CLI (another process) cannot log in or refresh, and the open socket closes', async () => {
    const s = await login('dr.c');
    const ws = await Client.open(t.hub.wsUrl, s.token);
    await ws.next('authenticated');
    const db = t.db;
    const r = await hubCli(['disable-doctor', 'dr.c', '--db', db]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/doctor dr.c disabled/);
    await runFor(clock, 250); // a heartbeat reads the store
    const closed = await ws.closed;
    expect(closed.code).toBe(HUB_CLOSE.badToken);
    expect(closed.reason).toMatch(/session ended/);
    const again = await api(`${t.hub.url}/api/login`, { body: { username: 'dr.c', password: PASSWORD } });
    expect(again.status).toBe(401);
    expect(again.json.error.code).toBe('bad-credentials');
    for (const headers of [{ Authorization: `Bearer ${s.token}` }, { Cookie: s.cookie }] as Record<string, string>[]) expect((await refresh(headers)).status).toBe(401);
    expect(await tryUpgrade(t.hub.wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + s.token])).toBe(401);
    expect((await hubCli(['disable-doctor', 'dr.c', '--db', db])).stdout).toMatch(/already disabled/);
  }, 60_000);

  it('a heartbeat closes only the sockets whose session ended (one query per slice of sockets): the others stay open', async () => {
    const a = await login('dr.a');
    const b = await login('dr.b');
    // The socket whose session ends opens last: the heartbeat (two sockets a slice here) reaches it in a later slice.
    const docB = await Client.open(t.hub.wsUrl, b.token);
    const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    const docA = await Client.open(t.hub.wsUrl, a.token);
    for (const c of [docA, docB, cabin]) await c.next('authenticated');
    // Ended by another process (as the CLI would): only the store knows, until the next beat.
    expect(await t.hub.store.endSession(tokenClaims(a.token).sid as string)).toBe(true);
    expect((await t.hub.store.validSessions()).has(tokenClaims(a.token).sid as string)).toBe(false);
    expect((await t.hub.store.validSessions()).get(tokenClaims(b.token).sid as string)).toBe('doctor:dr.b');
    // The heartbeat asks for a slice of sockets at a time: only the sessions asked for come back, ended ones left out.
    const sidA = tokenClaims(a.token).sid as string;
    const sidB = tokenClaims(b.token).sid as string;
    expect([...(await t.hub.store.validSessions([sidA, sidB, 'no-such-session'])).entries()]).toEqual([[sidB, 'doctor:dr.b']]);
    expect((await t.hub.store.validSessions([])).size).toBe(0);
    await runFor(clock, 250);
    const closed = await docA.closed;
    expect(closed.code).toBe(HUB_CLOSE.badToken);
    expect(closed.reason).toMatch(/session ended/);
    for (const c of [docB, cabin]) {
      c.send({ type: 'ping', n: 7 });
      expect((await c.next('pong')).n).toBe(7);
    }
    await Promise.all([docB.close(), cabin.close()]);
  });

  it('a heartbeat spreads its slices over the first half of its interval, and every socket still gets its ping', async () => {
    const a = await login('dr.a');
    const clients = [await Client.open(t.hub.wsUrl, a.token), await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1')), await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'))];
    for (const c of clients) await c.next('authenticated');
    const pinged: number[] = [];
    for (const c of clients) c.ws.once('ping', () => pinged.push(performance.now()));
    // Three sockets, two a slice: two slices or more, 250 / 2 / slices ms apart at least 62.5 ms from first to last
    // (real time, whatever the manual clock does).
    await runFor(clock, 250);
    await vi.waitFor(() => expect(pinged).toHaveLength(3), { timeout: 2000, interval: 5 });
    // Not one burst: the last slice came a pause after the first (at least 62.5 ms, whatever else is connected).
    expect(Math.max(...pinged) - Math.min(...pinged)).toBeGreaterThanOrEqual(55);
    // They answered: the next beat pings them all again, none dropped.
    for (const c of clients) c.ws.once('ping', () => pinged.push(performance.now()));
    await runFor(clock, 250);
    await vi.waitFor(() => expect(pinged).toHaveLength(6), { timeout: 2000, interval: 5 });
    for (const c of clients) {
      c.send({ type: 'ping', n: 1 });
      expect((await c.next('pong')).n).toBe(1);
    }
    await Promise.all(clients.map((c) => c.close()));
  });

  it('a disabled cabin cannot get a token; unknown ids and a missing database are clear errors', async () => {
    const ws = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-3'));
    await ws.next('authenticated');
    const db = t.db;
    expect((await hubCli(['disable-cabin', 'cab-3', '--db', db])).code).toBe(0);
    await runFor(clock, 250); // a heartbeat reads the store
    expect((await ws.closed).code).toBe(HUB_CLOSE.badToken);
    expect((await api(`${t.hub.url}/api/cabin/token`, { body: { cabinId: 'cab-3', key: t.keys['cab-3'] } })).status).toBe(401);
    const [unknown, noDb, noId] = await Promise.all([
      hubCli(['disable-cabin', 'cab-9', '--db', db]),
      hubCli(['disable-doctor', 'dr.a', '--db', join(t.dir, 'nope.db')]),
      hubCli(['disable-doctor', '--db', db]),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no cabin cab-9/);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toMatch(/There is no hub database/);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(/Give one USERNAME/);
  }, 60_000);
});
