import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/shared/backoff.ts';

describe('backoffDelay', () => {
  it('doubles from firstMs and stops at maxMs', () => {
    const o = { firstMs: 250, maxMs: 10_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((n) => backoffDelay(n, o))).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('treats a negative attempt as the first and never overflows', () => {
    expect(backoffDelay(-3, { firstMs: 500, maxMs: 30_000 })).toBe(500);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, { firstMs: 500, maxMs: 30_000 })).toBe(30_000);
  });

  it('spreads the delay over the jitter range, the random value choosing where', () => {
    const o = { firstMs: 1000, maxMs: 30_000, jitter: [0.8, 1.2] as const };
    expect(backoffDelay(0, { ...o, random: () => 0 })).toBe(800);
    expect(backoffDelay(0, { ...o, random: () => 0.5 })).toBe(1000);
    expect(backoffDelay(0, { ...o, random: () => 1 })).toBe(1200);
    expect(backoffDelay(2, { firstMs: 1000, maxMs: 30_000, jitter: [0.5, 1], random: () => 0 })).toBe(2000);
  });

  it('stays within [low · base, min(max, high · base)] for every attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, firstMs, extra, r) => {
          const maxMs = firstMs + extra;
          const base = Math.min(maxMs, firstMs * 2 ** attempt);
          const d = backoffDelay(attempt, { firstMs, maxMs, jitter: [0.8, 1.2], random: () => r });
          expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
          expect(d).toBeLessThanOrEqual(maxMs);
          expect(Number.isInteger(d)).toBe(true);
        },
      ),
    );
  });
});
