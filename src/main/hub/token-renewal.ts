import type { Clock, TimerHandle } from '../../shared/clock.ts';
import { LoginRefused } from './cabin-login.ts';

export interface TokenRenewalHooks {
  /** A fresh login, as for connecting. */
  login(): Promise<{ token: string }>;
  /** The socket this renewal serves is still the link's (and the link is running). */
  current(): boolean;
  fresh(token: string): void;
  refused(err: LoginRefused): void;
}

/**
 * The token of one open socket: at about 2/3 of its life a fresh login is sent on the socket (`auth`); network
 * errors are retried while the token is still valid (after that the hub closes the socket, 4401, and the link
 * logs in again).
 */
export class TokenRenewal {
  private timer: TimerHandle | undefined;
  /** When the token expires (ms since the epoch); 0 when unknown. */
  private expiresAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly retryMs: number,
    private readonly hooks: TokenRenewalHooks,
  ) {}

  /** The hub told how long the socket's token lives (s). */
  authenticated(expiresIn: number): void {
    this.clock.clearTimeout(this.timer);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) return;
    this.expiresAt = this.clock.now() + expiresIn * 1000;
    this.timer = this.clock.setTimeout(() => void this.renew(), (expiresIn * 1000 * 2) / 3);
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.expiresAt = 0;
  }

  private async renew(): Promise<void> {
    if (!this.hooks.current()) return;
    let fresh: { token: string };
    try {
      fresh = await this.hooks.login();
    } catch (err) {
      if (!this.hooks.current()) return;
      // Keep the call going until the hub ends the socket; the next login waits (slowly) for the key to be valid.
      if (err instanceof LoginRefused) return this.hooks.refused(err);
      const left = this.expiresAt - this.clock.now();
      if (left <= 0) return;
      this.timer = this.clock.setTimeout(() => void this.renew(), Math.max(100, Math.min(this.retryMs, left / 3)));
      return;
    }
    if (this.hooks.current()) this.hooks.fresh(fresh.token);
  }
}
