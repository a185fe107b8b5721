import { describe, expect, it } from 'vitest';
import { cachedToken } from '../../../src/main/print/hub-token.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

describe('cachedToken: one hub login for a print’s tries', () => {
  it('logs in once while the token lasts (less a minute), again after it or after forget', async () => {
    const clock = new ManualClock();
    let logins = 0;
    const t = cachedToken(async () => ({ token: `tok-${++logins}`, expiresIn: 900 }), clock);
    expect(await t.get()).toBe('tok-1');
    clock.advance(839_000);
    expect(await t.get()).toBe('tok-1');
    clock.advance(1_000);
    expect(await t.get()).toBe('tok-2');
    t.forget();
    expect(await t.get()).toBe('tok-3');
  });

  it('a failed login is thrown and not kept', async () => {
    const clock = new ManualClock();
    let fail = true;
    const t = cachedToken(async () => {
      if (fail) throw new Error('The hub at http://x cannot be reached.');
      return { token: 'ok', expiresIn: 900 };
    }, clock);
    await expect(t.get()).rejects.toThrow('cannot be reached');
    fail = false;
    expect(await t.get()).toBe('ok');
  });
});
