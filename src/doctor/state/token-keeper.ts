import type { TokenAnswer } from '../../shared/hub-protocol.ts';
import { refresh, renewDelayMs, type FetchLike } from '../hub/auth.ts';
import type { SessionCheck } from '../hub/client.ts';

/**
 * The doctor's access token, in memory only, renewed before it expires: with the current token (else the session
 * cookie), then handed to `onRenewed` (which gives it to the open socket as `auth`).
 */
export class TokenKeeper {
  private current: TokenAnswer | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private at = Infinity;

  constructor(
    private readonly onRenewed: (t: TokenAnswer) => void,
    private readonly fetcher?: FetchLike,
  ) {}

  get token(): TokenAnswer | undefined {
    return this.current;
  }

  set(t: TokenAnswer): void {
    this.current = t;
    this.schedule(renewDelayMs(t.expiresIn), true);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Infinity;
    this.current = undefined;
  }

  /** Renews in `delayMs`; unless `replace`, only when that is sooner than the renewal already planned. */
  schedule(delayMs: number, replace: boolean): void {
    const at = Date.now() + delayMs;
    if (!replace && at >= this.at) return;
    if (this.timer) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(() => void this.renew(), delayMs);
  }

  /** The renew timer's work; true when a new token was set. */
  async renew(): Promise<boolean> {
    const t = this.current;
    if (!t) return false;
    let r = await refresh(t.token, this.fetcher);
    if (!r.ok && r.error === 'expired' && this.current === t) r = await refresh(undefined, this.fetcher);
    if (this.current !== t) return false;
    if (r.ok) {
      this.set(r.value);
      this.onRenewed(r.value);
      return true;
    }
    // A network or server problem: try again in a while, the current token may still be good. An expired
    // session ends with the hub closing the socket (4401).
    if (r.error !== 'expired') this.schedule(30_000, true);
    return false;
  }

  /** After a 4401: a new token from the session cookie alone (the refused one is no use), for the next socket. */
  async fromCookie(): Promise<boolean> {
    return (await this.checkSession()) === 'renewed';
  }

  /**
   * Whether the hub still knows the login session, from its cookie alone: 'renewed' with a new token set, 'ended'
   * when the hub refuses it, 'unknown' when the hub did not answer (down, busy, rate-limited).
   */
  async checkSession(): Promise<SessionCheck> {
    if (!this.current) return 'ended';
    const r = await refresh(undefined, this.fetcher);
    if (!this.current) return 'ended';
    if (!r.ok) return r.error === 'expired' ? 'ended' : 'unknown';
    this.set(r.value);
    return 'renewed';
  }
}
