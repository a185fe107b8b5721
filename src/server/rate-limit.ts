import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Makes a rate-limiter-flexible limiter from its options: in memory by default (one process), or in a store several
 * hub nodes share (Redis: src/hub/cluster/redis-limits.ts), where `keyPrefix` keeps each limiter's keys apart.
 */
export type LimiterFactory = (options: { points: number; duration: number; blockDuration?: number; keyPrefix?: string }) => RateLimiterAbstract;

export interface LockoutOptions {
  /** The limiter's name: its keys' prefix in a shared store. */
  name?: string;
  /** Failures that lock the key; the one that reaches this count locks it. */
  failures: number;
  /** Failures older than this no longer count (rate-limiter-flexible's fixed window from the first); 0: until a success. */
  windowS: number;
  /** How long a locked key stays locked. */
  lockS: number;
  /** Keys kept at most (the least recently counted is forgotten first); MAX_KEYS by default. */
  maxKeys?: number;
}

/** Keys a limiter keeps by default: bounded memory under a flood of random names or addresses (a few hundred bytes each). */
export const MAX_KEYS = 50_000;

/**
 * The keys a limiter holds, least recently counted first: past `max`, the oldest is forgotten (deleted from the
 * store). So memory stays bounded whatever a flood sends; a key forgotten this way starts afresh (a flood big enough
 * to push out a name being guessed costs the flooder that many counted failures, each a hash in its address's turn).
 */
export class KeyCap {
  private readonly keys = new Map<string, true>();

  constructor(
    private readonly max: number,
    private readonly drop: (key: string) => unknown,
  ) {}

  /** Marks the key as just counted; forgets the oldest beyond the cap. */
  touch(key: string): void {
    this.keys.delete(key);
    this.keys.set(key, true);
    while (this.keys.size > this.max) {
      const oldest = this.keys.keys().next().value as string;
      this.keys.delete(oldest);
      void this.drop(oldest);
    }
  }

  forget(key: string): void {
    this.keys.delete(key);
  }

  get size(): number {
    return this.keys.size;
  }
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
  private readonly cap: KeyCap;

  constructor(o: LockoutOptions, limiter?: LimiterFactory) {
    // A failure consumes a point; the one beyond `points` is refused and blocks the key.
    const options = { points: o.failures - 1, duration: o.windowS, blockDuration: o.lockS, ...(o.name !== undefined && { keyPrefix: o.name }) };
    this.limiter = limiter ? limiter(options) : new RateLimiterMemory(options);
    this.cap = new KeyCap(o.maxKeys ?? MAX_KEYS, (k) => this.limiter.delete(k));
  }

  /** Keys held (at most the cap). */
  get keys(): number {
    return this.cap.size;
  }

  /** Seconds left on the lock, or 0 when the key may try. */
  async lockedFor(key: string): Promise<number> {
    return blockedFor(this.limiter, await this.limiter.get(key));
  }

  /** Failures counted for the key in its window (0 after its lock ended or a success). */
  async failures(key: string): Promise<number> {
    return live(await this.limiter.get(key));
  }

  /** Counts a failure; true when it locked the key. */
  async fail(key: string): Promise<boolean> {
    this.cap.touch(key);
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
    this.cap.forget(key);
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

/** Seconds left, rounded up, on a key a rate-limiter-flexible store says is blocked; 0 when it is not. */
function blockedFor(limiter: RateLimiterAbstract, res: RateLimiterRes | null): number {
  return res !== null && res.consumedPoints > limiter.points && res.msBeforeNext > 0 ? Math.ceil(res.msBeforeNext / 1000) : 0;
}

/** The points of a key's window, 0 once it is over (the memory store answers a record until its timer deletes it). */
function live(res: RateLimiterRes | null): number {
  return res !== null && res.msBeforeNext > 0 ? res.consumedPoints : 0;
}

/** Keys made to wait a given time (a growing delay computed by the caller), in a rate-limiter-flexible store. */
export class Delays {
  private readonly limiter: RateLimiterAbstract;
  private readonly cap: KeyCap;

  constructor(maxKeys = MAX_KEYS, limiter?: LimiterFactory, name?: string) {
    const options = { points: 1, duration: 1, ...(name !== undefined && { keyPrefix: name }) };
    this.limiter = limiter ? limiter(options) : new RateLimiterMemory(options);
    this.cap = new KeyCap(maxKeys, (k) => this.limiter.delete(k));
  }

  get keys(): number {
    return this.cap.size;
  }

  /** The key waits `seconds` from now (replacing a shorter or longer wait it had). */
  async wait(key: string, seconds: number): Promise<void> {
    this.cap.touch(key);
    await this.limiter.block(key, seconds);
  }

  /** Seconds left before the key may try again; 0 when it may. */
  async left(key: string): Promise<number> {
    return blockedFor(this.limiter, await this.limiter.get(key));
  }
}

/** Events per key within a fixed window from the key's first one (rate-limiter-flexible), e.g. failures for a name. */
export class Counter {
  private readonly limiter: RateLimiterAbstract;
  private readonly cap: KeyCap;

  constructor(windowS: number, maxKeys = MAX_KEYS, limiter?: LimiterFactory, name?: string) {
    const options = { points: Number.MAX_SAFE_INTEGER, duration: windowS, ...(name !== undefined && { keyPrefix: name }) };
    this.limiter = limiter ? limiter(options) : new RateLimiterMemory(options);
    this.cap = new KeyCap(maxKeys, (k) => this.limiter.delete(k));
  }

  get keys(): number {
    return this.cap.size;
  }

  /** Counts one and answers the key's count in its window, this one included. */
  async add(key: string): Promise<number> {
    this.cap.touch(key);
    return (await this.limiter.consume(key)).consumedPoints;
  }

  async count(key: string): Promise<number> {
    return live(await this.limiter.get(key));
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
