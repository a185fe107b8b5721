import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { Lockout } from '../../server/rate-limit.ts';

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

/** The pad is one key: the cabin has one PIN pad. */
const PAD = 'assistant-pin';

/** Wrong PINs in a row (5) lock the pad for a minute (a PIN of 4 digits must not be guessable by trying). */
export class PinGuard {
  private readonly lockout = new Lockout({ failures: 5, windowS: 0, lockS: 60 });

  constructor(private readonly stored: string | undefined) {}

  async check(pin: string): Promise<'ok' | 'wrong' | 'locked' | 'unset'> {
    if (!this.stored) return 'unset';
    if ((await this.lockout.lockedFor(PAD)) > 0) return 'locked';
    if (verifyPin(pin, this.stored)) {
      await this.lockout.succeed(PAD);
      return 'ok';
    }
    await this.lockout.fail(PAD);
    return 'wrong';
  }
}
