import { describe, expect, it } from 'vitest';
import { ReconnectPolicy, STABLE_MS } from '../../../src/main/hub/reconnect.ts';
import { LoginRefused } from '../../../src/main/hub/cabin-login.ts';
import { TokenRenewal } from '../../../src/main/hub/token-renewal.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

const policy = (clock: ManualClock, random: () => number) => new ReconnectPolicy(clock, { backoff: { minMs: 1000, maxMs: 30_000 }, refusedRetryMs: 300_000, random });

describe('ReconnectPolicy', () => {
  it('doubles from the first delay to the cap, jittered within [½, 1] of it', () => {
    const low = policy(new ManualClock(), () => 0);
    const high = policy(new ManualClock(), () => 0.999999);
    const lows = Array.from({ length: 8 }, () => low.next(false));
    const highs = Array.from({ length: 8 }, () => high.next(false));
    expect(lows).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect(highs).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts again from the first delay only after a socket that lasted', () => {
    const clock = new ManualClock();
    const p = policy(clock, () => 0);
    p.next(false);
    p.next(false);
    p.opened();
    clock.advance(STABLE_MS - 1);
    p.closed();
    expect(p.next(false)).toBe(2000); // closed too soon: no reset
    p.opened();
    clock.advance(STABLE_MS);
    p.closed();
    expect(p.next(false)).toBe(500);
  });

  it('waits the slow delay after a refused key', () => {
    expect(policy(new ManualClock(), () => 0).next(true)).toBe(300_000);
  });
});

function renewal(clock: ManualClock, logins: (() => Promise<{ token: string }>)[]) {
  const seen = { fresh: [] as string[], refused: [] as string[], tries: [] as number[], current: true };
  const r = new TokenRenewal(clock, 10_000, {
    login: () => {
      seen.tries.push(clock.now());
      return logins.shift()!();
    },
    current: () => seen.current,
    fresh: (t) => seen.fresh.push(t),
    refused: (e) => seen.refused.push(e.message),
  });
  return { r, seen };
}
const flush = () => new Promise((res) => setImmediate(res));
const netError = () => Promise.reject(new Error('socket hang up'));

describe('TokenRenewal', () => {
  it('logs in again at 2/3 of the token’s life and hands over the fresh token', async () => {
    const clock = new ManualClock(0);
    const { r, seen } = renewal(clock, [async () => ({ token: 't1' })]);
    r.authenticated(900);
    clock.advance(599_999);
    expect(seen.tries).toEqual([]);
    clock.advance(1);
    await flush();
    expect(seen).toMatchObject({ tries: [600_000], fresh: ['t1'] });
  });

  it('retries network errors while the token lasts (at most every renewRetryMs, a third of what is left), then stops', async () => {
    const clock = new ManualClock(0);
    const { r, seen } = renewal(clock, Array.from({ length: 100 }, () => netError));
    r.authenticated(30); // renewal at 20 s, expiry at 30 s
    for (let at = clock.nextAt(); at !== undefined; at = clock.nextAt()) {
      clock.advance(at - clock.now());
      await flush();
    }
    // 10 s left: a third of it (3.3 s); then 6.7 s left: 2.2 s; … 100 ms apart at least, none once the token expired.
    expect(seen.tries.slice(0, 3).map(Math.round)).toEqual([20_000, 23_333, 25_556]);
    expect(seen.tries.every((t, i) => i === 0 || t - seen.tries[i - 1]! >= 100)).toBe(true);
    expect(seen.tries.slice(0, -1).every((t) => t < 30_000)).toBe(true);
    expect(seen.tries.at(-1)).toBeLessThan(30_100);
    expect(seen.tries.length).toBeGreaterThan(5);
    expect(seen.fresh).toEqual([]);
  });

  it('reports a refused key once and does not retry; does nothing for a socket the link no longer has', async () => {
    const clock = new ManualClock(0);
    const { r, seen } = renewal(clock, [() => Promise.reject(new LoginRefused('The hub refused this cabin’s key.'))]);
    r.authenticated(3);
    clock.advance(2000);
    await flush();
    clock.advance(10_000);
    expect(seen.refused).toEqual(['The hub refused this cabin’s key.']);
    expect(seen.tries).toHaveLength(1);

    const other = renewal(clock, [async () => ({ token: 't' })]);
    other.seen.current = false;
    other.r.authenticated(3);
    clock.advance(2000);
    await flush();
    expect(other.seen.tries).toEqual([]);
  });

  it('stops with its socket', () => {
    const clock = new ManualClock(0);
    const { r, seen } = renewal(clock, []);
    r.authenticated(3);
    r.stop();
    clock.advance(10_000);
    expect(seen.tries).toEqual([]);
  });
});
