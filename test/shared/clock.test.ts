import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/shared/clock.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

describe('clocks', () => {
  it('the manual clock runs timers in due order as time is advanced, intervals repeatedly, cleared ones never', () => {
    const c = new ManualClock(0);
    const log: string[] = [];
    c.setTimeout(() => log.push(`b@${c.now()}`), 20);
    c.setTimeout(() => {
      log.push(`a@${c.now()}`);
      c.setTimeout(() => log.push(`a2@${c.now()}`), 5); // set by a timer, due within the same advance
    }, 10);
    const gone = c.setTimeout(() => log.push('never'), 15);
    const every = c.setInterval(() => log.push(`i@${c.now()}`), 12);
    c.clearTimeout(gone);
    c.advance(25);
    expect(log).toEqual(['a@10', 'i@12', 'a2@15', 'b@20', 'i@24']);
    expect(c.now()).toBe(25);
    c.clearInterval(every);
    c.advance(100);
    expect(log).toHaveLength(5);
    expect(c.pending).toBe(0);
  });

  it('a jump runs each timer due once at the new time (cleared ones never), and intervals wait their period from there', () => {
    const c = new ManualClock(0);
    const log: string[] = [];
    c.setInterval(() => log.push(`i@${c.now()}`), 10);
    c.setTimeout(() => log.push(`late@${c.now()}`), 500);
    const gone = c.setTimeout(() => log.push('never'), 40);
    c.setTimeout(() => {
      log.push(`a@${c.now()}`);
      c.clearTimeout(gone);
    }, 30);
    c.jump(100);
    expect(log).toEqual(['i@100', 'a@100']);
    expect(c.now()).toBe(100);
    expect(c.nextAt()).toBe(110);
    c.advance(10);
    expect(log).toEqual(['i@100', 'a@100', 'i@110']);
    c.jump(1000);
    expect(log.slice(3)).toEqual(['i@1110', 'late@1110']);
  });

  it('the system clock follows the timers in place (so fake timers apply to it)', () => {
    vi.useFakeTimers({ now: 5000 });
    try {
      const fn = vi.fn();
      systemClock.setTimeout(fn, 100);
      expect(systemClock.now()).toBe(5000);
      vi.advanceTimersByTime(100);
      expect(fn).toHaveBeenCalledOnce();
    } finally {
      vi.useRealTimers();
    }
  });
});
