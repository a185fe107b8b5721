const FAIL_WINDOW_MS = 5 * 60_000;
const MAX_FAILS = 5;
const LOCK_MS = 60_000;
const MAX_TRACKED = 10_000;
/** Password hashes checked at once, across all names: scrypt is slow on purpose; a flood must not queue up. */
export const MAX_CONCURRENT_CHECKS = 4;

/** Slows password guessing: after 5 failures for one name within 5 minutes, the name is refused for 60 s. */
export class LoginThrottle {
  private readonly entries = new Map<string, { fails: number[]; lockedUntil: number }>();
  /** Names whose check is running: one at a time per name, or parallel guesses would all pass the lock. */
  private readonly checking = new Set<string>();

  constructor(private readonly now: () => number) {}

  /** Seconds left on the lock, or 0 when the name may try. */
  lockedFor(name: string): number {
    const e = this.entries.get(name);
    const left = e ? e.lockedUntil - this.now() : 0;
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  fail(name: string): void {
    const t = this.now();
    if (this.entries.size >= MAX_TRACKED) this.prune(t);
    const e = this.entries.get(name) ?? { fails: [], lockedUntil: 0 };
    e.fails = e.fails.filter((f) => t - f < FAIL_WINDOW_MS);
    e.fails.push(t);
    if (e.fails.length >= MAX_FAILS) {
      e.lockedUntil = t + LOCK_MS;
      e.fails = [];
    }
    this.entries.set(name, e);
  }

  succeed(name: string): void {
    this.entries.delete(name);
  }

  /** Starts a credentials check; false when one for this name is running or too many are. Pair with `end`. */
  begin(name: string): boolean {
    if (this.checking.has(name) || this.checking.size >= MAX_CONCURRENT_CHECKS) return false;
    this.checking.add(name);
    return true;
  }

  end(name: string): void {
    this.checking.delete(name);
  }

  private prune(t: number): void {
    for (const [k, e] of this.entries) if (e.lockedUntil <= t && e.fails.every((f) => t - f >= FAIL_WINDOW_MS)) this.entries.delete(k);
    // Still full (a spray of names): forget the oldest rather than grow without bound.
    for (const k of this.entries.keys()) {
      if (this.entries.size < MAX_TRACKED) break;
      this.entries.delete(k);
    }
  }
}

/** Token bucket on a monotonic clock: `burst` messages at once, `perS` a second after that. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly burst = 60,
    private readonly perS = 20,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const t = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perS);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
