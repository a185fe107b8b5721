import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, limitKey } from '../../src/server/client-address.ts';

const req = (peer: string, xff?: string) => ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('limitKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s → %s', (address, key) => expect(limitKey(address)).toBe(key));
});

describe('clientAddress', () => {
  it('is the peer, whatever X-Forwarded-For says, unless the peer is a trusted proxy', () => {
    expect(clientAddress(req('198.51.100.1', '203.0.113.9'))).toBe('198.51.100.1');
    expect(clientAddress(req('198.51.100.1', '203.0.113.9'), ['10.0.0.1'])).toBe('198.51.100.1');
  });

  it("from a trusted proxy: the last address the proxies did not add (a client's own X-Forwarded-For is not believed)", () => {
    expect(clientAddress(req('::ffff:10.0.0.1', '203.0.113.9'), ['10.0.0.1'])).toBe('203.0.113.9');
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, 203.0.113.9'), ['10.0.0.1'])).toBe('203.0.113.9');
    expect(clientAddress(req('10.0.0.1', '203.0.113.9, 10.0.0.2'), ['10.0.0.1', '10.0.0.2'])).toBe('203.0.113.9');
    expect(clientAddress(req('10.0.0.1', 'garbage'), ['10.0.0.1'])).toBe('10.0.0.1');
    expect(clientAddress(req('10.0.0.1'), ['10.0.0.1'])).toBe('10.0.0.1');
  });
});
