import { siteKey } from '../server/client-address.ts';
import { FairQueue, QueueFull } from '../server/fair-queue.ts';
import { Counter, Delays, Lockout, type Attempt, type LimiterFactory } from '../server/rate-limit.ts';

/**
 * How doctor logins are slowed: every limit is per client address (or its IPv6 /48), per name, per (name, address) or
 * per known device; none is global. A browser the doctor logged in from before carries a device cookie
 * (src/hub/device.ts): with it, only that device's own budget applies, so no stranger can lock him out or slow him
 * down. Without one, strangers guessing his name make every browser without the cookie wait.
 */
export const LOGIN_POLICY = {
  /**
   * A known device (a valid device cookie for the name): 5 failures within 5 minutes lock that device for 60 s, as a
   * pair is (the doctor who mistypes on his own browser is not kept out for a quarter of an hour).
   */
  device: { failures: 5, windowS: 5 * 60, lockS: 60 },
  /** Without a device cookie, one name from one address: 5 failures within 5 minutes refuse that pair for 60 s. */
  pair: { failures: 5, windowS: 5 * 60, lockS: 60 },
  /**
   * Without a device cookie, one name from all addresses, within an hour: from the name's `afterFailures`th failure
   * on, every address without a device cookie for it waits `firstDelayS`·2^(n − afterFailures) seconds (n: the name's
   * failures in the hour) before the next try of that name, at most `maxDelayS`. So guessing one name from many
   * addresses gets about one try per 15 minutes.
   */
  name: { windowS: 60 * 60, afterFailures: 10, firstDelayS: 1, maxDelayS: 15 * 60 },
  /**
   * Without a device cookie, one address, all names (password spraying): 15 failures within 15 minutes refuse the
   * address for 15 minutes. This is also the rate of hashes a stranger's address can cost.
   */
  address: { failures: 15, windowS: 15 * 60, lockS: 15 * 60 },
  /** The same for an IPv6 /48 (a site: 65 536 /64s), with higher thresholds: 60 failures in 15 minutes. */
  site: { failures: 60, windowS: 15 * 60, lockS: 15 * 60 },
  /**
   * Hashes computed at once (scrypt is slow on purpose): 4 across the hub, taken in turn between sites (/48), then
   * between addresses (/64) of a site: a free slot goes to the waiting one served longest ago; 1 running per address
   * with 2 more waiting, 64 waiting per site; beyond that the address (only it) is answered busy for `busyS`.
   */
  queue: { slots: 4, perAddressWaiting: 2, perSiteWaiting: 64, busyS: 1 },
} as const;

/** Why a login was refused without checking its password, and for how long. */
export type Refusal = { refused: 'locked' | 'busy'; seconds: number };
export type LoginAnswer<T> = Refusal | { refused: false; value: T | null };

/** The wait for a name's next try without a device cookie, given the name's failures in the hour. */
export function nameDelayS(nameFailures: number): number {
  const p = LOGIN_POLICY.name;
  if (nameFailures < p.afterFailures) return 0;
  return Math.min(p.maxDelayS, p.firstDelayS * 2 ** Math.min(30, nameFailures - p.afterFailures));
}

/**
 * Slows password and key guessing (counted by rate-limiter-flexible, in memory, each map bounded to MAX_KEYS keys;
 * see src/server/rate-limit.ts for sharing the counts between hub nodes), with LOGIN_POLICY's numbers. Its clock is
 * the system's (Date.now).
 */
export class LoginThrottle {
  private readonly devices: Lockout;
  private readonly pairs: Lockout;
  private readonly names: Counter;
  private readonly delays: Delays;
  private readonly addresses: Lockout;
  private readonly sites: Lockout;
  readonly queue = new FairQueue(LOGIN_POLICY.queue.slots, LOGIN_POLICY.queue.perAddressWaiting, siteKey, LOGIN_POLICY.queue.perSiteWaiting);
  /**
   * Wrong cabin keys, per client address: 5 within 5 minutes lock the address's further wrong keys for 60 s (a right
   * key, 256 bits, is always let in: behind a proxy every cabin shares its address).
   */
  readonly cabins: Lockout;

  /**
   * `limiter`: where the counts live; this process's memory by default, a store shared by all the hub nodes of a region
   * otherwise (Redis: src/hub/cluster/redis-limits.ts), so a guesser gains nothing by spreading tries over nodes. The
   * queue of hashes stays per node: it shares this node's CPU.
   */
  constructor(limiter?: LimiterFactory) {
    this.devices = new Lockout({ ...LOGIN_POLICY.device, name: 'login-device' }, limiter);
    this.pairs = new Lockout({ ...LOGIN_POLICY.pair, name: 'login-pair' }, limiter);
    this.names = new Counter(LOGIN_POLICY.name.windowS, undefined, limiter, 'login-name');
    this.delays = new Delays(undefined, limiter, 'login-delay');
    this.addresses = new Lockout({ ...LOGIN_POLICY.address, name: 'login-address' }, limiter);
    this.sites = new Lockout({ ...LOGIN_POLICY.site, name: 'login-site' }, limiter);
    this.cabins = new Lockout({ failures: 5, windowS: 5 * 60, lockS: 60, name: 'cabin-key' }, limiter);
  }

  /**
   * A doctor login: refused at once when locked (see `waitFor`); else `check` (the password hash: null when wrong)
   * runs in the address's turn, after the same look again (a check that just ended may have set a lock), and its
   * answer is counted. `device`: the id of a valid device cookie for this name, if the request carries one.
   */
  async login<T>(name: string, address: string, check: () => Promise<T | null>, device?: string): Promise<LoginAnswer<T>> {
    const early = await this.refusal(name, address, device);
    if (early) return early;
    try {
      // One check per address at a time: its counts are read and written by one check at a time.
      return await this.queue.run(address, async (): Promise<LoginAnswer<T>> => {
        const locked = await this.refusal(name, address, device);
        if (locked) return locked;
        const value = await check();
        if (value === null) await this.failed(name, address, device);
        else if (device !== undefined) await this.devices.succeed(deviceKey(name, device));
        else await this.pairs.succeed(pairKey(name, address));
        return { refused: false, value };
      });
    } catch (err) {
      if (err instanceof QueueFull) return { refused: 'busy', seconds: LOGIN_POLICY.queue.busyS };
      throw err;
    }
  }

  /**
   * Seconds before this address (or this known device) may try this name (0: now), whatever the password. A known
   * device waits only for its own lock; otherwise the address, its site, the (name, address) pair and the name's
   * delay count.
   */
  async waitFor(name: string, address: string, device?: string): Promise<number> {
    if (device !== undefined) return this.devices.lockedFor(deviceKey(name, device));
    const site = siteKey(address);
    const s = await Promise.all([
      this.addresses.lockedFor(address),
      site === address ? 0 : this.sites.lockedFor(site),
      this.pairs.lockedFor(pairKey(name, address)),
      this.delays.left(name),
    ]);
    return Math.max(...s);
  }

  /** Keys held by the login maps (each at most MAX_KEYS), for tests and a status page. */
  get keys(): Record<'devices' | 'pairs' | 'names' | 'delays' | 'addresses' | 'sites', number> {
    return { devices: this.devices.keys, pairs: this.pairs.keys, names: this.names.keys, delays: this.delays.keys, addresses: this.addresses.keys, sites: this.sites.keys };
  }

  /** Wrong cabin keys from `address`: counted unless the address is locked (then the seconds left). */
  cabinFailure(address: string): Promise<Attempt<null>> {
    return this.cabins.attempt(`cabin-ip:${address}`, () => null);
  }

  private async refusal(name: string, address: string, device: string | undefined): Promise<Refusal | undefined> {
    const seconds = await this.waitFor(name, address, device);
    return seconds > 0 ? { refused: 'locked', seconds } : undefined;
  }

  private async failed(name: string, address: string, device: string | undefined): Promise<void> {
    if (device !== undefined) {
      await this.devices.fail(deviceKey(name, device));
      return;
    }
    await this.pairs.fail(pairKey(name, address));
    await this.addresses.fail(address);
    const site = siteKey(address);
    if (site !== address) await this.sites.fail(site);
    const delay = nameDelayS(await this.names.add(name));
    if (delay > 0) await this.delays.wait(name, delay);
  }
}

/** A name and an address (or a device id) as one key (unambiguous: neither holds a newline). */
const pairKey = (name: string, address: string): string => `${name}\n${address}`;
const deviceKey = (name: string, device: string): string => `${name}\n#${device}`;
