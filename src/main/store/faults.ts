import type { Logger } from '../../server/log.ts';
import { toStoreError, type StoreError } from './errors.ts';

/** A lasting store fault the assistant and the doctor are told about (today: the disk is full). */
export type StoreFault = 'disk-full';

/** One log line per kind of failure per this many ms; the ones in between are counted, not written. */
export const FAULT_LOG_EVERY_MS = 30_000;
/**
 * While the disk is full and no write has failed for this long (no reading comes: the patient left, a device is
 * unplugged), a small write is tried (the notice clears within it once there is room).
 */
export const PROBE_EVERY_MS = 5_000;

export interface StoreFaultsOptions {
  log: Logger;
  now: () => number;
  /** The fault started or ended (the session view carries it to the assistant panel and the doctor). */
  onChange?: (fault: StoreFault | null) => void;
  everyMs?: number;
  /**
   * A small write (it throws while the disk is full): once it goes through, the fault ends without waiting for a
   * reading. Tried only while no write fails: a small line may still fit where a reading does not.
   */
  probe?: () => void;
  probeEveryMs?: number;
}

/**
 * Watches the store's writes that run many times a second (readings, waveforms, audit lines): a full disk becomes a
 * state the kiosk shows, and the log gets one line per kind of failure per 30 s with the count of those not written,
 * instead of one line per reading (64 lines/s were measured).
 */
export class StoreFaults {
  private fault: StoreFault | null = null;
  private readonly kinds = new Map<string, { loggedAt: number; suppressed: number }>();
  /** Failures since the fault started, for the line that says writing works again. */
  private failures = 0;
  private readonly everyMs: number;
  private probedAt = 0;

  constructor(private readonly o: StoreFaultsOptions) {
    this.everyMs = o.everyMs ?? FAULT_LOG_EVERY_MS;
  }

  current(): StoreFault | null {
    return this.fault;
  }

  /** A write failed: logged (rate-limited) and, for a full disk, the fault state begins. Returns the StoreError. */
  failed(what: string, err: unknown, file = 'cabin.db'): StoreError {
    const e = toStoreError(err, file);
    const now = this.o.now();
    const key = `${what}\u0000${e.code}`;
    const k = this.kinds.get(key);
    this.failures++;
    if (!k || now - k.loggedAt >= this.everyMs) {
      const suppressed = k?.suppressed ?? 0;
      this.kinds.set(key, { loggedAt: now, suppressed: 0 });
      this.o.log.error({ err: e, code: e.code, suppressed }, `${what} could not be stored${suppressed > 0 ? ` (and ${suppressed} more since the last line)` : ''}`);
    } else {
      k.suppressed++;
    }
    if (e.code !== 'disk-full') return e;
    // While writes keep failing they are the probe: only one that goes through ends the fault (succeeded()).
    this.probedAt = now;
    if (this.fault !== 'disk-full') {
      this.fault = 'disk-full';
      this.o.onChange?.(this.fault);
    }
    return e;
  }

  /**
   * Called often (cabin main's one-second tick): while the disk is full, tries the probe every `probeEveryMs` with no
   * failed write, so the notice clears once there is room again even when no reading comes (the patient left, a
   * device unplugged), and does not clear and come back while readings are still refused (a disk nearly full).
   */
  check(): void {
    const probe = this.o.probe;
    if (this.fault === null || !probe) return;
    const now = this.o.now();
    if (now - this.probedAt < (this.o.probeEveryMs ?? PROBE_EVERY_MS)) return;
    this.probedAt = now;
    try {
      probe();
    } catch {
      return; // Still full (its failures are the ones already counted): the notice stays.
    }
    this.succeeded();
  }

  /** A write went through: a full disk has room again. */
  succeeded(): void {
    if (this.fault === null) return;
    const notLogged = [...this.kinds.values()].reduce((n, k) => n + k.suppressed, 0);
    this.o.log.warn({ failures: this.failures, notLogged }, `the store writes again after ${this.failures} failed writes`);
    this.fault = null;
    this.failures = 0;
    this.kinds.clear();
    this.o.onChange?.(null);
  }
}
