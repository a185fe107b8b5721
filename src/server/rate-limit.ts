import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface LockoutOptions {
  /** Failures that lock the key; the one that reaches this count locks it. */
  failures: number;
  /** Failures older than this no longer count (rate-limiter-flexible's fixed window from the first); 0: until a success. */
  windowS: number;
  /** How long a locked key stays locked. */
  lockS: number;
}

/** What `attempt` answers: the check's value (null: it failed), or the seconds left on the key's lock (it did not run). */
export type Attempt<T> = { locked: true; seconds: number } | { locked: false; value: T | null };

/**
 * Guessing slowed per key (a username, a client address, the PIN pad): `failures` failures within the window lock the
 * key for `lockS`, then it starts afresh. Counted by rate-limiter-flexible: in memory here, in Redis (RateLimiterRedis,
 * same options) when several hub nodes must share the counts. Its clock is the system's (Date.now).
 */
export class Lockout {
  private readonly limiter: RateLimiterAbstract;
  /** Each key's last attempt in this process: the next one starts when it has been counted. */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(o: LockoutOptions, limiter?: (options: { points: number; duration: number; blockDuration: number }) => RateLimiterAbstract) {
    // A failure consumes a point; the one beyond `points` is refused and blocks the key.
    const options = { points: o.failures - 1, duration: o.windowS, blockDuration: o.lockS };
    this.limiter = limiter ? limiter(options) : new RateLimiterMemory(options);
  }

  /** Seconds left on the lock, or 0 when the key may try. */
  async lockedFor(key: string): Promise<number> {
    const res = await this.limiter.get(key);
    const locked = res !== null && res.consumedPoints > this.limiter.points && res.msBeforeNext > 0;
    return locked ? Math.ceil(res.msBeforeNext / 1000) : 0;
  }

  /** Counts a failure; true when it locked the key. */
  async fail(key: string): Promise<boolean> {
    try {
      await this.limiter.consume(key);
      return false;
    } catch (err) {
      if (err instanceof RateLimiterRes) return true;
      throw err;
    }
  }

  /** A success forgets the key's failures. */
  async succeed(key: string): Promise<void> {
    await this.limiter.delete(key);
  }

  /**
   * Runs `check` unless `key` is locked and counts its answer (null: a failure; a value: a success, which forgets the
   * failures). One at a time per key in this process, so parallel guesses cannot all pass the lock check before the first
   * is counted (hub nodes sharing a store would also need the store's lock).
   */
  attempt<T>(key: string, check: () => T | null | Promise<T | null>): Promise<Attempt<T>> {
    return this.inTurn(key, async (): Promise<Attempt<T>> => {
      const seconds = await this.lockedFor(key);
      if (seconds > 0) return { locked: true, seconds };
      const value = await check();
      if (value === null) await this.fail(key);
      else await this.succeed(key);
      return { locked: false, value };
    });
  }

  private inTurn<T>(key: string, run: () => Promise<T>): Promise<T> {
    const turn = (this.turns.get(key) ?? Promise.resolve()).then(run);
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(key, settled);
    // The map keeps only keys with an attempt waiting or running.
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return turn;
  }
}

/**
 * Messages of one connection: `burst` at once, `perS` a second after that, on a monotonic clock. Synchronous, so a
 * socket decides on each frame before handling it, in order; its state lives and dies with the connection.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly perS: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perS);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
