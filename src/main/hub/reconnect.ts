import { backoffDelay } from '../../shared/backoff.ts';
import type { Clock } from '../../shared/clock.ts';

/** A socket closed sooner than this after opening does not reset the backoff (no tight loop on a bad token). */
export const STABLE_MS = 10_000;

export interface ReconnectOptions {
  /** Reconnection backoff bounds (ms). */
  backoff: { minMs: number; maxMs: number };
  /** Delay between logins while the hub refuses the cabin's key. */
  refusedRetryMs: number;
  random?: () => number;
}

/** When the hub link logs in again: doubling backoff with jitter, reset by a socket that lasted; slow after a refusal. */
export class ReconnectPolicy {
  private attempt = 0;
  private openedAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly o: ReconnectOptions,
  ) {}

  opened(): void {
    this.openedAt = this.clock.now();
  }

  /** An open socket closed: one that lasted resets the backoff; one closed soon after opening does not. */
  closed(): void {
    if (this.clock.now() - this.openedAt >= STABLE_MS) this.attempt = 0;
  }

  /** The wait before the next login; a refused key is not fixed by trying again soon: an administrator has to act. */
  next(refused: boolean): number {
    const { minMs, maxMs } = this.o.backoff;
    const delay = backoffDelay(this.attempt, { firstMs: minMs, maxMs, jitter: [0.5, 1], random: this.o.random });
    this.attempt = Math.min(this.attempt + 1, 10);
    return refused ? this.o.refusedRetryMs : delay;
  }
}
