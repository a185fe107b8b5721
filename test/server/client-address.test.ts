import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, limitKey, siteKey, trustList } from '../../src/server/client-address.ts';

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

describe('siteKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1::/48'],
    ['2001:db8:1:ffff::9', '2001:db8:1::/48'],
    ['2001:db8:1:2::/64', '2001:db8:1::/48'],
  ])('%s → %s', (address, key) => expect(siteKey(address)).toBe(key));
});

describe('clientAddress: what a trusted proxy passes on', () => {
  it("believes the proxy's own address only, not the other hosts of its /64 (nor its IPv4 neighbours)", () => {
    expect(clientAddress(req('2001:db8::1', '203.0.113.9'), ['2001:db8::1'])).toBe('203.0.113.9');
    expect(clientAddress(req('2001:db8::66', '203.0.113.9'), ['2001:db8::1'])).toBe('2001:db8:0:0::/64');
    expect(clientAddress(req('10.0.0.2', '203.0.113.9'), ['10.0.0.1'])).toBe('10.0.0.2');
  });

  it('a CIDR block names the proxies it holds', () => {
    expect(clientAddress(req('10.0.0.200', '203.0.113.9'), ['10.0.0.0/24'])).toBe('203.0.113.9');
    expect(clientAddress(req('10.0.1.1', '203.0.113.9'), ['10.0.0.0/24'])).toBe('10.0.1.1');
    expect(clientAddress(req('2001:db8::66', '203.0.113.9'), ['2001:db8::/64'])).toBe('203.0.113.9');
    expect(clientAddress(req('::ffff:10.0.0.3', '2001:db8:5:6::1, 10.0.0.4'), ['10.0.0.0/24'])).toBe('2001:db8:5:6::/64');
  });

  it('a hop it cannot read ends the walk: the peer is counted, never an address written left of it', () => {
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, garbage'), ['10.0.0.1'])).toBe('10.0.0.1');
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, ::ffff:evil'), ['10.0.0.1'])).toBe('10.0.0.1');
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, ::ffff:7.7.7.7'), ['10.0.0.1'])).toBe('7.7.7.7');
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, 203.0.113.9:4567'), ['10.0.0.1'])).toBe('10.0.0.1');
  });

  it('refuses a trusted proxy that is neither an address nor a CIDR block', () => {
    for (const bad of ['proxy.local', '10.0.0.0/33', '10.0.0.1/24/1', '::1/129', '10.0.0.0/x']) expect(() => trustList([bad])).toThrow(/trusted proxy/);
    expect(() => trustList(['10.0.0.1', '10.0.0.0/8', '2001:db8::/32', '::1'])).not.toThrow();
  });
});
