import { Lockout, type Attempt } from '../server/rate-limit.ts';

/** Password hashes checked at once, across all names: scrypt is slow on purpose; a flood must not queue up. */
export const MAX_CONCURRENT_CHECKS = 4;

/**
 * Slows password and key guessing: after 5 failures for one name within 5 minutes, the name is refused for 60 s
 * (counted by rate-limiter-flexible, see src/server/rate-limit.ts); and one credentials check per name at a time.
 */
export class LoginThrottle {
  private readonly lockout = new Lockout({ failures: 5, windowS: 5 * 60, lockS: 60 });
  /** Names whose check is running: one at a time per name, or parallel guesses would all pass the lock. */
  private readonly checking = new Set<string>();

  /** Seconds left on the lock, or 0 when the name may try. */
  lockedFor(name: string): Promise<number> {
    return this.lockout.lockedFor(name);
  }

  /** Runs `check` unless the name is locked, one at a time per name, and counts its answer (null: a failure). */
  attempt<T>(name: string, check: () => T | null | Promise<T | null>): Promise<Attempt<T>> {
    return this.lockout.attempt(name, check);
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
}
