import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Lockout, TokenBucket } from '../../src/server/rate-limit.ts';

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

  it('takes another rate-limiter-flexible store (Redis for several hub nodes) with the same options', async () => {
    const seen: unknown[] = [];
    const l = new Lockout({ failures: 5, windowS: 300, lockS: 60 }, (o) => (seen.push(o), new RateLimiterMemory(o)));
    expect(seen).toEqual([{ points: 4, duration: 300, blockDuration: 60 }]);
    expect(await l.lockedFor('x')).toBe(0);
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
