import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOGIN_POLICY, LoginThrottle } from '../../src/hub/limits.ts';
import { clientAddress } from '../../src/server/client-address.ts';
import type { IncomingMessage } from 'node:http';

// LoginThrottle without HTTP: IPv6 addresses (the test hub listens on 127.0.0.1 only) and a check that answers at once.
const wrong = () => Promise.resolve(null);
const right = () => Promise.resolve('doctor');
/** The limit key of an IPv6 peer, as the hub computes it. */
const key = (address: string) => clientAddress({ socket: { remoteAddress: address }, headers: {} } as unknown as IncomingMessage);

describe('LoginThrottle: an IPv6 /48', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('60 failures from 60 of its /64s within 15 min refuse the whole /48 for 15 min; another /48 and a known device are not refused', async () => {
    const t = new LoginThrottle();
    for (let i = 0; i < LOGIN_POLICY.site.failures; i++) {
      // Each /64 fails once, each for another name: neither the address lock nor a name's delay is reached.
      expect(await t.login(`user-${i}`, key(`2001:db8:7:${i.toString(16)}::1`), wrong)).toEqual({ refused: false, value: null });
    }
    expect(await t.login('dr.a', key('2001:db8:7:ffff::1'), right)).toEqual({ refused: 'locked', seconds: LOGIN_POLICY.site.lockS });
    expect(await t.login('dr.a', key('2001:db8:8:1::1'), right)).toEqual({ refused: false, value: 'doctor' });
    expect(await t.login('dr.a', key('2001:db8:7:ffff::1'), right, 'device-id-of-dr-a-0123')).toEqual({ refused: false, value: 'doctor' });
    vi.setSystemTime(Date.now() + LOGIN_POLICY.site.lockS * 1000);
    expect(await t.login('dr.a', key('2001:db8:7:ffff::1'), right)).toEqual({ refused: false, value: 'doctor' });
  });

  it('IPv4 addresses are their own site: the address lock alone counts (15, not 60)', async () => {
    const t = new LoginThrottle();
    for (let i = 0; i < LOGIN_POLICY.address.failures; i++) await t.login(`user-${i}`, '203.0.113.5', wrong);
    expect(await t.login('dr.a', '203.0.113.5', right)).toEqual({ refused: 'locked', seconds: LOGIN_POLICY.address.lockS });
    expect(await t.login('dr.a', '203.0.113.6', right)).toEqual({ refused: false, value: 'doctor' });
    expect(t.keys.sites).toBe(0);
  });
});
