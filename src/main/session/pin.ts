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

const MAX_FAILURES = 5;
const LOCKOUT_MS = 60_000;

/**
 * Wrong PINs in a row (5) lock the pad for a minute (a PIN of 4 digits must not be guessable by trying). One pad in one
 * process: a synchronous counter, so guesses sent in parallel are counted one by one and cannot pass the lock together.
 */
export class PinGuard {
  private failures = 0;
  private lockedUntil = 0;

  constructor(
    private readonly stored: string | undefined,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {}

  check(pin: string): 'ok' | 'wrong' | 'locked' | 'unset' {
    if (!this.stored) return 'unset';
    if (this.clock.now() < this.lockedUntil) return 'locked';
    if (verifyPin(pin, this.stored)) {
      this.failures = 0;
      return 'ok';
    }
    if (++this.failures >= MAX_FAILURES) {
      this.failures = 0;
      this.lockedUntil = this.clock.now() + LOCKOUT_MS;
    }
    return 'wrong';
  }
}
