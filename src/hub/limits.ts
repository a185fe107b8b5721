import { FairQueue, QueueFull } from '../server/fair-queue.ts';
import { Counter, Delays, Lockout, type Attempt } from '../server/rate-limit.ts';

/**
 * How doctor logins are slowed: every limit is per client address, per name or per (name, address); none is global,
 * so strangers failing elsewhere never refuse a doctor with the right password from his own address.
 */
export const LOGIN_POLICY = {
  /** One name from one address: 5 failures within 5 minutes refuse that pair for 60 s. */
  pair: { failures: 5, windowS: 5 * 60, lockS: 60 },
  /**
   * One name from all addresses, within an hour: from its `afterFailures`th failure on, an address that has failed
   * `fromPairFailures` times or more for that name (within the pair's window) waits `firstDelayS`·2^(n − afterFailures)
   * seconds before its next try of that name (n: the name's failures in the hour), at most `maxDelayS`. An address
   * that has not failed for the name (the real doctor, or one typo of his) is not delayed.
   */
  name: { windowS: 60 * 60, afterFailures: 5, fromPairFailures: 2, firstDelayS: 1, maxDelayS: 15 * 60 },
  /**
   * One address, all names (password spraying): 15 failures within 15 minutes refuse the address for 15 minutes. This
   * is also the rate of hashes a stranger's address can cost: a hash that succeeds needs a right password.
   */
  address: { failures: 15, windowS: 15 * 60, lockS: 15 * 60 },
  /**
   * Hashes computed at once (scrypt is slow on purpose): 4 across the hub, taken in turn between addresses (a free
   * slot goes to the waiting address served longest ago), 1 per address with 2 more waiting; beyond that the
   * address (only it) is answered busy for `busyS`.
   */
  queue: { slots: 4, perAddressWaiting: 2, busyS: 1 },
} as const;

/** Why a login was refused without checking its password, and for how long. */
export type Refusal = { refused: 'locked' | 'busy'; seconds: number };
export type LoginAnswer<T> = Refusal | { refused: false; value: T | null };

/** The delay an address that keeps failing for a name waits, given the name's failures in the hour. */
export function nameDelayS(nameFailures: number): number {
  const p = LOGIN_POLICY.name;
  if (nameFailures < p.afterFailures) return 0;
  return Math.min(p.maxDelayS, p.firstDelayS * 2 ** Math.min(30, nameFailures - p.afterFailures));
}

/**
 * Slows password and key guessing (counted by rate-limiter-flexible, in memory; see src/server/rate-limit.ts for
 * sharing the counts between hub nodes), with LOGIN_POLICY's numbers. Its clock is the system's (Date.now).
 */
export class LoginThrottle {
  private readonly pairs = new Lockout(LOGIN_POLICY.pair);
  private readonly names = new Counter(LOGIN_POLICY.name.windowS);
  private readonly delays = new Delays();
  private readonly addresses = new Lockout(LOGIN_POLICY.address);
  readonly queue = new FairQueue(LOGIN_POLICY.queue.slots, LOGIN_POLICY.queue.perAddressWaiting);
  /**
   * Wrong cabin keys, per client address: 5 within 5 minutes lock the address's further wrong keys for 60 s (a right
   * key, 256 bits, is always let in: behind a proxy every cabin shares its address).
   */
  readonly cabins = new Lockout({ failures: 5, windowS: 5 * 60, lockS: 60 });

  /**
   * A doctor login: refused at once when the address, the (name, address) pair or its delay for the name is locked;
   * else `check` (the password hash: null when wrong) runs in the address's turn, after the same look again (a check
   * that just ended may have set a lock), and its answer is counted.
   */
  async login<T>(name: string, address: string, check: () => Promise<T | null>): Promise<LoginAnswer<T>> {
    const early = await this.refusal(name, address);
    if (early) return early;
    try {
      // One check per address at a time: its counts are read and written by one check at a time.
      return await this.queue.run(address, async (): Promise<LoginAnswer<T>> => {
        const locked = await this.refusal(name, address);
        if (locked) return locked;
        const value = await check();
        if (value === null) await this.failed(name, address);
        else await this.pairs.succeed(pairKey(name, address));
        return { refused: false, value };
      });
    } catch (err) {
      if (err instanceof QueueFull) return { refused: 'busy', seconds: LOGIN_POLICY.queue.busyS };
      throw err;
    }
  }

  /** Seconds before this address may try this name (0: now), whatever the password. */
  async waitFor(name: string, address: string): Promise<number> {
    const pair = pairKey(name, address);
    const s = await Promise.all([this.addresses.lockedFor(address), this.pairs.lockedFor(pair), this.delays.left(pair)]);
    return Math.max(...s);
  }

  /** Wrong cabin keys from `address`: counted unless the address is locked (then the seconds left). */
  cabinFailure(address: string): Promise<Attempt<null>> {
    return this.cabins.attempt(`cabin-ip:${address}`, () => null);
  }

  private async refusal(name: string, address: string): Promise<Refusal | undefined> {
    const seconds = await this.waitFor(name, address);
    return seconds > 0 ? { refused: 'locked', seconds } : undefined;
  }

  private async failed(name: string, address: string): Promise<void> {
    const pair = pairKey(name, address);
    await this.pairs.fail(pair);
    await this.addresses.fail(address);
    const n = await this.names.add(name);
    const delay = nameDelayS(n);
    // A locked pair has failed at least its limit times.
    const pairFailures = (await this.pairs.lockedFor(pair)) > 0 ? LOGIN_POLICY.pair.failures : await this.pairs.failures(pair);
    if (delay > 0 && pairFailures >= LOGIN_POLICY.name.fromPairFailures) await this.delays.wait(pair, delay);
  }
}

/** A name and an address as one key (unambiguous: an address never holds a newline). */
const pairKey = (name: string, address: string): string => `${name}\n${address}`;
