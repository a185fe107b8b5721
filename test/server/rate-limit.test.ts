import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Counter, Delays, KeyCap, Lockout, MAX_KEYS, TokenBucket } from '../../src/server/rate-limit.ts';

describe('Lockout', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());
  const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

  it('locks a key at its nth failure within the window, for lockS, then starts afresh', async () => {
    const l = new Lockout({ failures: 5, windowS: 300, lockS: 60 });
    for (let i = 0; i < 4; i++) expect(await l.fail('a')).toBe(false);
    expect(await l.lockedFor('a')).toBe(0);
    expect(await l.fail('a')).toBe(true);
    expect(await l.lockedFor('a')).toBe(60);
    advance(59_500);
    expect(await l.lockedFor('a')).toBe(1);
    advance(501);
    expect(await l.lockedFor('a')).toBe(0);
    // Afresh: four more failures do not lock.
    for (let i = 0; i < 4; i++) expect(await l.fail('a')).toBe(false);
    expect(await l.lockedFor('a')).toBe(0);
  });

  it('keeps keys apart (one client never locks another)', async () => {
    const l = new Lockout({ failures: 2, windowS: 300, lockS: 60 });
    await l.fail('a');
    await l.fail('a');
    expect(await l.lockedFor('a')).toBe(60);
    expect(await l.lockedFor('b')).toBe(0);
  });

  it('forgets failures older than the window', async () => {
    const l = new Lockout({ failures: 3, windowS: 300, lockS: 60 });
    await l.fail('a');
    await l.fail('a');
    advance(300_001);
    expect(await l.fail('a')).toBe(false);
    expect(await l.lockedFor('a')).toBe(0);
  });

  it('with no window, counts failures until a success', async () => {
    const l = new Lockout({ failures: 3, windowS: 0, lockS: 60 });
    await l.fail('pad');
    await l.fail('pad');
    advance(24 * 3600_000);
    await l.succeed('pad');
    expect(await l.fail('pad')).toBe(false);
    expect(await l.fail('pad')).toBe(false);
    expect(await l.fail('pad')).toBe(true);
  });

  it('attempt: runs the check unless locked and counts its answer (null a failure, a value a success)', async () => {
    const l = new Lockout({ failures: 2, windowS: 300, lockS: 60 });
    expect(await l.attempt('a', () => null)).toEqual({ locked: false, value: null });
    expect(await l.attempt('a', async () => 'me')).toEqual({ locked: false, value: 'me' });
    // The success forgot the first failure: two more lock the key.
    expect(await l.attempt('a', () => null)).toEqual({ locked: false, value: null });
    expect(await l.lockedFor('a')).toBe(0);
    expect(await l.attempt('a', () => null)).toEqual({ locked: false, value: null });
    let ran = false;
    expect(await l.attempt('a', () => ((ran = true), 'me'))).toEqual({ locked: true, seconds: 60 });
    expect(ran).toBe(false);
    expect(await l.attempt('b', () => 'other')).toEqual({ locked: false, value: 'other' });
  });

  it('attempt: parallel attempts on one key run one at a time, so none passes a lock its predecessors set', async () => {
    const l = new Lockout({ failures: 5, windowS: 300, lockS: 60 });
    let running = 0;
    let most = 0;
    const check = async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setImmediate(r));
      running--;
      return null;
    };
    const answers = await Promise.all(Array.from({ length: 30 }, () => l.attempt('a', check)));
    expect(answers.filter((a) => !a.locked)).toHaveLength(5);
    expect(answers.filter((a) => a.locked)).toHaveLength(25);
    expect(most).toBe(1);
  });

  it('attempt: a store that answers later (as Redis does) still sees each failure before the next check', async () => {
    const later = <T>(v: T) => new Promise<T>((r) => setImmediate(() => r(v)));
    class SlowMemory extends RateLimiterMemory {
      override async get(key: string | number) {
        return later(await super.get(key));
      }
      override async consume(key: string | number, points?: number) {
        return later(await super.consume(key, points));
      }
    }
    const l = new Lockout({ failures: 5, windowS: 300, lockS: 60 }, (o) => new SlowMemory(o));
    // The cabin login's case: the key is already known wrong, only the count remains.
    const answers = await Promise.all(Array.from({ length: 20 }, () => l.attempt('cabin-ip:x', () => null)));
    expect(answers.filter((a) => !a.locked)).toHaveLength(5);
    expect(await l.lockedFor('cabin-ip:x')).toBe(60);
  });

  it('attempt: a check that throws counts nothing and does not hold up the next one', async () => {
    const l = new Lockout({ failures: 1, windowS: 300, lockS: 60 });
    const boom = l.attempt('a', () => Promise.reject(new Error('db down')));
    const next = l.attempt('a', () => 'me');
    await expect(boom).rejects.toThrow('db down');
    expect(await next).toEqual({ locked: false, value: 'me' });
  });

  it('takes another rate-limiter-flexible store (Redis for several hub nodes) with the same options', async () => {
    const seen: unknown[] = [];
    const l = new Lockout({ failures: 5, windowS: 300, lockS: 60 }, (o) => (seen.push(o), new RateLimiterMemory(o)));
    expect(seen).toEqual([{ points: 4, duration: 300, blockDuration: 60 }]);
    expect(await l.lockedFor('x')).toBe(0);
  });
});

describe('Delays and Counter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('Delays: a key waits the seconds it was given, then may go; others never wait', async () => {
    const d = new Delays();
    await d.wait('a', 8);
    expect(await d.left('a')).toBe(8);
    expect(await d.left('b')).toBe(0);
    vi.setSystemTime(1_000_000 + 7_001);
    expect(await d.left('a')).toBe(1);
    vi.setSystemTime(1_000_000 + 8_000);
    expect(await d.left('a')).toBe(0);
  });

  it('Counter: counts per key within a window from the first, then afresh', async () => {
    const c = new Counter(60);
    expect([await c.add('n'), await c.add('n'), await c.add('m')]).toEqual([1, 2, 1]);
    expect(await c.count('n')).toBe(2);
    vi.setSystemTime(1_000_000 + 60_001);
    expect(await c.count('n')).toBe(0);
    expect(await c.add('n')).toBe(1);
  });

  it('Lockout.failures: the failures counted in the window', async () => {
    const l = new Lockout({ failures: 5, windowS: 300, lockS: 60 });
    await l.fail('a');
    await l.fail('a');
    expect(await l.failures('a')).toBe(2);
    await l.succeed('a');
    expect(await l.failures('a')).toBe(0);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then perS a second', () => {
    let t = 0;
    const b = new TokenBucket(3, 2, () => t);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    t = 499;
    expect(b.take()).toBe(false);
    t = 500;
    expect(b.take()).toBe(true);
    t = 10_000;
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
  });
});

describe('bounded key maps (a flood of random names or addresses)', () => {
  const random = () => Math.random().toString(36).slice(2);

  it('a Counter holds at most MAX_KEYS names after 100 000 random ones; the oldest are forgotten, recent ones kept', async () => {
    const c = new Counter(3600);
    await c.add('first');
    for (let i = 0; i < 100_000; i++) await c.add(`x-${i}-${random()}`);
    await c.add('target');
    await c.add('target');
    expect(c.keys).toBe(MAX_KEYS);
    expect(await c.count('first')).toBe(0);
    expect(await c.count('target')).toBe(2);
  }, 60_000);

  it('Lockout and Delays too, with a cap of their own', async () => {
    const l = new Lockout({ failures: 5, windowS: 300, lockS: 60, maxKeys: 1000 });
    const d = new Delays(1000);
    for (let i = 0; i < 100_000; i++) {
      const k = random();
      await l.fail(k);
      await d.wait(k, 60);
    }
    expect(l.keys).toBe(1000);
    expect(d.keys).toBe(1000);
  }, 60_000);

  it('a key counted again moves to the back: a name under attack stays counted while a flood passes', () => {
    const dropped: string[] = [];
    const cap = new KeyCap(3, (k) => dropped.push(k));
    for (const k of ['a', 'b', 'c', 'a', 'd', 'e']) cap.touch(k);
    expect(dropped).toEqual(['b', 'c']);
    expect(cap.size).toBe(3);
  });
});
