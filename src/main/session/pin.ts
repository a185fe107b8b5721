import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../../shared/clock.ts';

/** `scrypt$<salt>$<hash>` for the cabin config's `assistantPinHash`. */
export function hashPin(pin: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(pin, salt, 32).toString('base64')}`;
}

export function verifyPin(pin: string, stored: string): boolean {
  const [, salt, hash] = stored.split('$');
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const got = scryptSync(pin, Buffer.from(salt, 'base64'), expected.length);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** Wrong PINs in a row before the first lock, and how long it lasts; each further wrong PIN doubles it, up to the cap. */
export const PIN_FAILURES_BEFORE_LOCK = 5;
export const PIN_FIRST_LOCK_MS = 60_000;
export const PIN_MAX_LOCK_MS = 15 * 60_000;

/** What must outlive a restart of cabin main: the wrong PINs in a row and the end of the lock (ms, epoch). */
export interface PinLockState {
  failures: number;
  lockedUntil: number;
}

/** Where the state is kept (pin-lock.ts: a small file beside the store). Saving may fail (a full disk): the guard goes on. */
export interface PinLockStore {
  load(): PinLockState | undefined;
  save(state: PinLockState): void;
}

/** The lock after the `failures`-th wrong PIN in a row: none before 5, then 1 min, 2, 4, 8, 15 (the cap). */
export function lockMs(failures: number): number {
  if (failures < PIN_FAILURES_BEFORE_LOCK) return 0;
  return Math.min(PIN_MAX_LOCK_MS, PIN_FIRST_LOCK_MS * 2 ** Math.min(20, failures - PIN_FAILURES_BEFORE_LOCK));
}

/**
 * Wrong PINs in a row (5) lock the pad for a minute, and every further wrong PIN doubles the lock up to 15 minutes (a
 * PIN of 4 digits must not be guessable by trying); only the right PIN starts the count again. The count and the lock
 * survive a restart of cabin main (`persist`). One pad in one process: a synchronous counter, so guesses sent in
 * parallel are counted one by one and cannot pass the lock together.
 */
export class PinGuard {
  private failures = 0;
  private lockedUntil = 0;

  constructor(
    private readonly stored: string | undefined,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
    private readonly persist?: PinLockStore,
  ) {
    const kept = persist?.load();
    if (kept) {
      this.failures = kept.failures;
      // A clock set back must not lengthen the lock beyond the cap.
      this.lockedUntil = Math.min(kept.lockedUntil, this.clock.now() + PIN_MAX_LOCK_MS);
    }
  }

  /** ms until the pad takes a PIN again (0: it does now). */
  waitMs(): number {
    return Math.max(0, this.lockedUntil - this.clock.now());
  }

  check(pin: string): 'ok' | 'wrong' | 'locked' | 'unset' {
    if (!this.stored) return 'unset';
    if (this.clock.now() < this.lockedUntil) return 'locked';
    if (verifyPin(pin, this.stored)) {
      if (this.failures > 0 || this.lockedUntil > 0) this.keep(0, 0);
      return 'ok';
    }
    const failures = this.failures + 1;
    const lock = lockMs(failures);
    this.keep(failures, lock > 0 ? this.clock.now() + lock : this.lockedUntil);
    return 'wrong';
  }

  private keep(failures: number, lockedUntil: number): void {
    this.failures = failures;
    this.lockedUntil = lockedUntil;
    try {
      this.persist?.save({ failures, lockedUntil });
    } catch {
      // A full or read-only disk: the lock holds in this process all the same.
    }
  }
}
