import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOGIN_POLICY } from '../../src/hub/limits.ts';
import type { Account } from '../../src/hub/store.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { PASSWORD, api, leap, startHub, type TestHub } from './helpers.ts';

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

const login = (from: string, username: string, password: string) => api(`${t.hub.url}/api/login`, { body: { username, password }, localAddress: from });

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

  it('guessing one name from many addresses: each address that keeps failing waits longer (Retry-After 2, 8, 32… s, at most 15 min); a clean address is let in', async () => {
    const waits: (number | 'in')[] = [];
    for (let k = 1; k <= 8; k++) {
      const from = `127.0.2.${k}`;
      for (let i = 0; i < 2; i++) expect((await login(from, 'dr.c', `guess-${k}-${i}`)).status).toBe(401);
      // The right password, tried by the same address right after its two failures.
      const probe = await login(from, 'dr.c', PASSWORD);
      if (probe.status === 200) waits.push('in');
      else {
        expect(probe.status).toBe(429);
        waits.push(Number(probe.headers['retry-after']));
      }
    }
    // The name's failures after address k: 2k; from the 5th on, an address with 2 failures waits 2^(n−5) s.
    expect(waits).toEqual(['in', 'in', 2, 8, 32, 128, 512, LOGIN_POLICY.name.maxDelayS]);
    // The doctor from an address that has not failed for his name.
    expect((await login('127.0.0.9', 'dr.c', PASSWORD)).status).toBe(200);
    // And the delayed address, once its wait is over.
    await advance(LOGIN_POLICY.name.maxDelayS * 1000);
    expect((await login('127.0.2.8', 'dr.c', PASSWORD)).status).toBe(200);
  }, 60_000);

  it('spraying many names from one address: after 15 failures the address is refused for 15 minutes; other addresses are not', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof login>> | undefined;
    for (let i = 0; i < 20; i++) {
      last = await login('127.0.0.5', `user-${i}`, 'Summer2026!');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array<number>(LOGIN_POLICY.address.failures).fill(401), ...Array<number>(20 - LOGIN_POLICY.address.failures).fill(429)]);
    expect(last!.headers['retry-after']).toBe(String(LOGIN_POLICY.address.lockS));
    expect((await login('127.0.0.5', 'dr.a', PASSWORD)).status).toBe(429);
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
