import type { Clock } from '../../shared/clock.ts';

/**
 * A cabin token reused while it lasts (less a minute): each login is a hub session, and the hub keeps only a cabin's 10
 * newest open, so a print retried every few seconds must not log in each time (the link's socket must stay among
 * them). `forget` after the hub refused the token. `get` throws what the login threw.
 */
export function cachedToken(login: () => Promise<{ token: string; expiresIn: number }>, clock: Pick<Clock, 'now'>): { get(): Promise<string>; forget(): void } {
  let held: { token: string; until: number } | undefined;
  return {
    async get() {
      if (held && held.until > clock.now()) return held.token;
      const fresh = await login();
      held = { token: fresh.token, until: clock.now() + Math.max(0, fresh.expiresIn - 60) * 1000 };
      return fresh.token;
    },
    forget() {
      held = undefined;
    },
  };
}
