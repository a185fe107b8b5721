import type { Clock, TimerHandle } from '../../src/shared/clock.ts';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every?: number;
}

/** A `Clock` that only moves when the test says so: `advance(ms)` runs every timer due on the way, in order. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers = new Map<number, Timer>();

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now = (): number => this.t;

  setTimeout = (fn: () => void, ms: number): TimerHandle => this.add(fn, ms);
  setInterval = (fn: () => void, ms: number): TimerHandle => this.add(fn, ms, Math.max(1, ms));
  clearTimeout = (h: TimerHandle | undefined): void => void this.timers.delete(h as number);
  clearInterval = (h: TimerHandle | undefined): void => void this.timers.delete(h as number);

  /** Timers waiting (intervals included). */
  get pending(): number {
    return this.timers.size;
  }

  /** When the next timer is due, if any. */
  nextAt(): number | undefined {
    let first: number | undefined;
    for (const x of this.timers.values()) if (first === undefined || x.at < first) first = x.at;
    return first;
  }

  /** Moves time forward by `ms`, running the timers that fall due (a timer set by a timer runs too if due). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let next = this.due(end); next; next = this.due(end)) {
      this.t = Math.max(this.t, next.at);
      if (next.every) next.at += next.every;
      else this.timers.delete(next.id);
      next.fn();
    }
    this.t = end;
  }

  /**
   * Moves time forward by `ms` at once, as a clock set forward or a machine waking from sleep: each timer due by
   * then runs once, in due order, at the new time; an interval then waits its period from there.
   */
  jump(ms: number): void {
    this.t += ms;
    const due = [...this.timers.values()].filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at || a.id - b.id);
    for (const x of due) {
      if (!this.timers.has(x.id)) continue; // cleared by a timer that ran before it
      if (x.every) x.at = this.t + x.every;
      else this.timers.delete(x.id);
      x.fn();
    }
  }

  private due(end: number): Timer | undefined {
    let first: Timer | undefined;
    for (const x of this.timers.values()) if (x.at <= end && (!first || x.at < first.at || (x.at === first.at && x.id < first.id))) first = x;
    return first;
  }

  private add(fn: () => void, ms: number, every?: number): number {
    const id = ++this.seq;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), fn, every });
    return id;
  }
}

/** Lets the promises and `setImmediate` callbacks that the last timers started run to their next wait. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Real time left for the I/O the last timers started (a database on a socket: PostgreSQL) once `ms` has passed. */
const IO_GRACE_MS = 5_000;

/**
 * Moves `clock` in steps of `stepMs` (settling the I/O in between) until `cond` holds, for at most `ms` of its time;
 * then waits up to IO_GRACE_MS of real time with the clock stopped there, for I/O that settling alone does not finish
 * (a query to PostgreSQL is a socket's round trip, not a turn of the event loop).
 */
export async function runUntil(clock: ManualClock, cond: () => boolean | Promise<boolean>, ms = 5000, stepMs = 10): Promise<void> {
  const end = clock.now() + ms;
  await settle();
  while (!(await cond())) {
    if (clock.now() >= end) {
      const realEnd = Date.now() + IO_GRACE_MS;
      while (!(await cond())) {
        if (Date.now() >= realEnd) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 10));
      }
      return;
    }
    clock.advance(stepMs);
    await settle();
  }
}

/** Lets `ms` of `clock`'s time pass in steps of `stepMs`, settling the I/O in between. */
export async function runFor(clock: ManualClock, ms: number, stepMs = 10): Promise<void> {
  const end = clock.now() + ms;
  await settle();
  while (clock.now() < end) {
    clock.advance(Math.min(stepMs, end - clock.now()));
    await settle();
  }
}
