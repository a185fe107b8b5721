import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEVICE_COOKIE } from '../../src/hub/device.ts';
import { LOGIN_POLICY, nameDelayS } from '../../src/hub/limits.ts';
import type { Account } from '../../src/hub/store.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { PASSWORD, api, cookiePair, leap, startHub, type ApiAnswer, type TestHub } from './helpers.ts';

// Doctor logins against strangers: limits per address, per name and per (name, address), never for the whole hub.
// The counts run on Date (rate-limiter-flexible): Date is faked and moves only with the hub's manual clock.
const clock = new ManualClock(Date.now());
let t: TestHub;
const advance = async (ms: number) => {
  await leap(clock, ms);
  vi.setSystemTime(clock.now());
};

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock.now());
  t = await startHub({ clock });
});
afterAll(async () => {
  await t.close();
  vi.useRealTimers();
});

/** A login from `from`, with a Cookie header when given (`name=value`). */
const login = (from: string, username: string, password: string, cookie?: string) =>
  api(`${t.hub.url}/api/login`, { body: { username, password }, localAddress: from, ...(cookie === undefined ? {} : { headers: { Cookie: cookie } }) });

/** The device cookie a successful login set, as `name=value`. */
function deviceCookie(r: ApiAnswer): string {
  expect(r.status).toBe(200);
  const line = r.cookies.find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
  expect(line).toBeDefined();
  return cookiePair(line!);
}

/** Waits (real time, a few ms at a time) until `cond` holds: for requests to reach the hub, not a timed assertion. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`never: ${what}`);
}

describe('a flood of wrong logins from other addresses', () => {
  it('never refuses the doctor with the right password from his address; his check waits at most one of each other address', async () => {
    const store = t.hub.store;
    const verify = store.verifyDoctor.bind(store);
    // Wrong passwords hang until released: the hub's slots are all taken by strangers when the doctor arrives.
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    let inFlight = 0;
    const order: string[] = [];
    store.verifyDoctor = async (username: string, password: string): Promise<Account | null> => {
      order.push(username);
      if (password === PASSWORD) return verify(username, password);
      // A stranger's guess: held, then wrong (without the hash, to keep the test quick on a busy machine).
      inFlight++;
      await gate;
      inFlight--;
      return null;
    };
    try {
      for (let round = 0; round < 3; round++) {
        order.length = 0;
        gate = new Promise<void>((r) => (release = r));
        // 8 addresses, 3 logins each at once, every one for another name.
        const flood = Array.from({ length: 8 }, (_, a) => Array.from({ length: 3 }, (_, j) => login(`127.0.1.${a + 1}`, `x${round}-${a}-${j}`, 'guess'))).flat();
        await until(() => inFlight >= LOGIN_POLICY.queue.slots, 'the strangers fill the slots');
        const doctor = login('127.0.0.2', 'dr.a', PASSWORD);
        // The doctor's request reaches the hub while every slot is busy (today's hub answered it 429 « busy » at once).
        await new Promise((r) => setTimeout(r, 200));
        release();
        const answer = await doctor;
        expect(answer.status, `round ${round}: ${JSON.stringify(answer.json)}`).toBe(200);
        const answers = await Promise.all(flood);
        // Each stranger's address had 2 checks waiting (and 1 running, if it got a slot): the rest was refused to it
        // alone (busy), and it was refused nothing else.
        const checked = answers.filter((r) => r.status === 401).length;
        expect(checked).toBeGreaterThanOrEqual(8 * LOGIN_POLICY.queue.perAddressWaiting);
        expect(checked).toBeLessThanOrEqual(8 * (1 + LOGIN_POLICY.queue.perAddressWaiting));
        expect(answers.filter((r) => r.status !== 401).map((r) => [r.status, r.json.error.code, r.headers['retry-after']])).toEqual(
          Array.from({ length: answers.length - checked }, () => [429, 'busy', String(LOGIN_POLICY.queue.busyS)]),
        );
        // Taken in turn: before the doctor's check, at most the 4 running and one of each other address.
        expect(order.indexOf('dr.a')).toBeLessThanOrEqual(LOGIN_POLICY.queue.slots + 8);
      }
    } finally {
      release();
      store.verifyDoctor = verify;
    }
  }, 60_000);
});

describe('a known doctor cannot be locked out', () => {
  it('five and more wrong passwords from one address lock that address for the name only: the doctor gets in from his', async () => {
    for (let i = 0; i < 5; i++) expect((await login('127.0.0.3', 'dr.b', `wrong-${i}`)).status).toBe(401);
    const locked = await login('127.0.0.3', 'dr.b', 'wrong-again');
    expect(locked.status).toBe(429);
    expect(locked.json.error.code).toBe('too-many-attempts');
    expect(locked.headers['retry-after']).toBe(String(LOGIN_POLICY.pair.lockS));
    // The guesser's address is refused even the right password (so its guesses learn nothing)…
    expect((await login('127.0.0.3', 'dr.b', PASSWORD)).status).toBe(429);
    // …the doctor, from his own address, is not.
    expect((await login('127.0.0.4', 'dr.b', PASSWORD)).status).toBe(200);
  }, 60_000);

  it("guessing one name from many addresses, once each: from the name's 10th failure every browser without its device cookie waits 1, 2, 4… s (at most 15 min); the doctor's known browser gets in at once", async () => {
    // The doctor logged in from his browser before: it carries a device cookie for his name.
    const known = deviceCookie(await login('127.0.0.9', 'dr.c', PASSWORD));
    const waits: number[] = [];
    for (let k = 1; k <= 21; k++) {
      const from = `127.0.2.${k}`;
      let r = await login(from, 'dr.c', `guess-${k}`);
      if (r.status === 429) {
        waits.push(Number(r.headers['retry-after']));
        await advance(waits.at(-1)! * 1000);
        r = await login(from, 'dr.c', `guess-${k}`);
      }
      expect(r.status).toBe(401);
    }
    // One failure per address, never twice: the name's 10th failure on makes every address wait (the previous code let
    // each new address in at once).
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, LOGIN_POLICY.name.maxDelayS]);
    // An address that never failed, without the cookie (a new browser): waits too, the right password or not.
    const fresh = await login('127.0.2.100', 'dr.c', PASSWORD);
    expect(fresh.status).toBe(429);
    expect(fresh.headers['retry-after']).toBe(String(LOGIN_POLICY.name.maxDelayS));
    // The doctor's browser, from any address: in.
    expect((await login('127.0.2.101', 'dr.c', PASSWORD, known)).status).toBe(200);
    expect((await login('127.0.0.9', 'dr.c', PASSWORD, known)).status).toBe(200);
    // And the new browser once the wait is over.
    await advance(LOGIN_POLICY.name.maxDelayS * 1000);
    expect((await login('127.0.2.100', 'dr.c', PASSWORD)).status).toBe(200);
  }, 60_000);

  it("strangers' failures and then the doctor's own typos: his known browser still gets in (the reviewer's case); a new browser waits", async () => {
    await t.hub.store.addDoctor({ username: 'dr.d', name: 'Dr D', password: PASSWORD });
    const first = await login('127.0.3.1', 'dr.d', PASSWORD);
    const known = deviceCookie(first);
    // The cookie: HttpOnly, Secure, SameSite=Strict, for the API only, 90 days.
    expect(first.cookies.find((c) => c.startsWith(`${DEVICE_COOKIE}=`))).toMatch(/; HttpOnly; Secure; SameSite=Strict; Path=\/api; Max-Age=7776000$/);
    // 20 wrong passwords from 20 addresses (each waiting out the name's delay when it must): all counted.
    for (let k = 1; k <= 20; k++) {
      let r = await login(`127.0.4.${k}`, 'dr.d', `guess-${k}`);
      if (r.status === 429) {
        await advance(Number(r.headers['retry-after']) * 1000);
        r = await login(`127.0.4.${k}`, 'dr.d', `guess-${k}`);
      }
      expect(r.status).toBe(401);
    }
    // Two typos from his own browser, then the right password.
    expect((await login('127.0.3.1', 'dr.d', 'typo-1', known)).status).toBe(401);
    expect((await login('127.0.3.1', 'dr.d', 'typo-2', known)).status).toBe(401);
    const inside = await login('127.0.3.1', 'dr.d', PASSWORD, known);
    expect(inside.status, JSON.stringify(inside.json)).toBe(200);
    // The renewed cookie keeps working.
    expect((await login('127.0.3.1', 'dr.d', PASSWORD, deviceCookie(inside))).status).toBe(200);
    // Without it (a new browser), or with another doctor's cookie, the same address waits the name's delay.
    const other = deviceCookie(await login('127.0.3.2', 'dr.a', PASSWORD));
    for (const cookie of [undefined, other, `${DEVICE_COOKIE}=forged.value.here`]) {
      const r = await login('127.0.3.1', 'dr.d', PASSWORD, cookie);
      expect(r.status).toBe(429);
      expect(r.headers['retry-after']).toBe(String(nameDelayS(20)));
    }
  }, 60_000);

  it('a known browser has its own budget: 5 wrong passwords lock that browser for 15 min, not the doctor elsewhere', async () => {
    await t.hub.store.addDoctor({ username: 'dr.e', name: 'Dr E', password: PASSWORD });
    const known = deviceCookie(await login('127.0.5.1', 'dr.e', PASSWORD));
    for (let i = 0; i < LOGIN_POLICY.device.failures; i++) expect((await login('127.0.5.1', 'dr.e', `wrong-${i}`, known)).status).toBe(401);
    const locked = await login('127.0.5.2', 'dr.e', PASSWORD, known);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe(String(LOGIN_POLICY.device.lockS));
    expect((await login('127.0.5.3', 'dr.e', PASSWORD)).status).toBe(200);
  }, 60_000);

  it('spraying many names from one address: after 15 failures the address is refused for 15 minutes, except for known browsers; other addresses are not', async () => {
    const natDoctor = deviceCookie(await login('127.0.0.5', 'dr.b', PASSWORD));
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof login>> | undefined;
    for (let i = 0; i < 20; i++) {
      last = await login('127.0.0.5', `user-${i}`, 'Summer2026!');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array<number>(LOGIN_POLICY.address.failures).fill(401), ...Array<number>(20 - LOGIN_POLICY.address.failures).fill(429)]);
    expect(last!.headers['retry-after']).toBe(String(LOGIN_POLICY.address.lockS));
    expect((await login('127.0.0.5', 'dr.a', PASSWORD)).status).toBe(429);
    // A doctor behind the same address (a hospital's NAT) from a browser he logged in from before: in.
    expect((await login('127.0.0.5', 'dr.b', PASSWORD, natDoctor)).status).toBe(200);
    expect((await login('127.0.0.6', 'dr.a', PASSWORD)).status).toBe(200);
    await advance(LOGIN_POLICY.address.lockS * 1000);
    expect((await login('127.0.0.5', 'dr.a', PASSWORD)).status).toBe(200);
  }, 60_000);
});

describe('behind a trusted reverse proxy (HUB_TRUSTED_PROXIES)', () => {
  let p: TestHub;
  beforeAll(async () => {
    p = await startHub({ clock, trustedProxies: ['127.0.0.7'] });
  });
  afterAll(() => p.close());
  const via = (peer: string, client: string, username: string, password: string) =>
    api(`${p.hub.url}/api/login`, { body: { username, password }, localAddress: peer, headers: { 'X-Forwarded-For': client } });

  it('counts the client the proxy names, so one client spraying does not lock the others out; others cannot pick their address', async () => {
    for (let i = 0; i < LOGIN_POLICY.address.failures; i++) expect((await via('127.0.0.7', '203.0.113.1', `user-${i}`, 'Summer2026!')).status).toBe(401);
    expect((await via('127.0.0.7', '203.0.113.1', 'dr.a', PASSWORD)).status).toBe(429);
    expect((await via('127.0.0.7', '203.0.113.2', 'dr.a', PASSWORD)).status).toBe(200);
    // From an address that is not the proxy, X-Forwarded-For is the client's own word: not believed.
    for (let i = 0; i < LOGIN_POLICY.address.failures; i++) expect((await via('127.0.0.8', `198.51.100.${i}`, `user-${i}`, 'Summer2026!')).status).toBe(401);
    expect((await via('127.0.0.8', '198.51.100.200', 'dr.a', PASSWORD)).status).toBe(429);
  }, 60_000);
});
