import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as its IPv4 address; anything else as is. */
const unmapped = (address: string): string => /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;

/** The 8 groups of an IPv6 address, as numbers (an embedded IPv4 tail stands for two groups). */
function groups6(address: string): number[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!isIPv4(g)) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
          return [a * 256 + b, c * 256 + d];
        });
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The first `n` groups of an IPv6 address as a prefix key (`2001:db8:1::/48`-like, groups written in full). */
const prefix6 = (address: string, n: number): string => `${groups6(address).slice(0, n).map((g) => g.toString(16)).join(':')}::/${n * 16}`;

/**
 * The address that limits count per client: IPv4 as is (an IPv4-mapped IPv6 address too), IPv6 by its /64 prefix
 * (one subscriber commonly holds a whole /64: counting single addresses would give him 2^64 budgets). Anything that
 * is not an address is answered as is (the caller only passes what the socket or a parsed hop gave).
 */
export function limitKey(address: string): string {
  const a = unmapped(address);
  return isIPv6(a) ? prefix6(a, 4) : a;
}

/**
 * The wider block a client's address is part of, for limits with higher thresholds and fairness between sites: an
 * IPv6 address's /48 (a site commonly holds one: 65 536 /64s), an IPv4 address itself.
 */
export function siteKey(address: string): string {
  // A limit key (`…::/64`) names its prefix's first address.
  const a = unmapped(address.replace(/\/\d{1,3}$/, ''));
  return isIPv6(a) ? prefix6(a, 3) : a;
}

/** An IP address (v4 or v6), without brackets or port; undefined when it is not one. */
function parsed(hop: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const a = unmapped(hop.trim());
  if (isIPv4(a)) return { address: a, family: 'ipv4' };
  if (isIPv6(a)) return { address: a, family: 'ipv6' };
  return undefined;
}

/**
 * The trusted proxies as a block list: an address is trusted exactly (never its /64: other hosts of the proxy's
 * network are not the proxy), a CIDR (`10.0.0.0/24`, `2001:db8::/64`) as the block it names. Entries that parse as
 * neither throw (a deployer's typo must not silently trust nobody or everybody).
 */
export function trustList(trustedProxies: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of trustedProxies) {
    const [addr, bits, extra] = entry.trim().split('/');
    const p = parsed(addr ?? '');
    const n = bits === undefined ? undefined : Number(bits);
    const max = p?.family === 'ipv4' ? 32 : 128;
    if (!p || extra !== undefined || (n !== undefined && (!/^\d{1,3}$/.test(bits!) || n > max))) throw new Error(`The trusted proxy ${entry} is neither an IP address nor a CIDR block.`);
    if (n === undefined) list.addAddress(p.address, p.family);
    else list.addSubnet(p.address, n, p.family);
  }
  return list;
}

const trustLists = new WeakMap<readonly string[], BlockList>();

/**
 * Who sent the request, as limits count it (limitKey of it): the peer's address, or, when the peer is one of
 * `trustedProxies` (the reverse proxies in front of the hub), the first hop of X-Forwarded-For from the right that is
 * not a trusted proxy. When that hop is not an IP address (a client's garbage passed on), the peer's address: the
 * walk never skips a hop it cannot read. Without trusted proxies, X-Forwarded-For is ignored (anyone can write it).
 */
export function clientAddress(req: IncomingMessage, trustedProxies: readonly string[] = []): string {
  const peerRaw = req.socket.remoteAddress ?? 'unknown';
  const peer = parsed(peerRaw);
  let trusted = trustLists.get(trustedProxies);
  if (!trusted) trustLists.set(trustedProxies, (trusted = trustList(trustedProxies)));
  if (!peer || trustedProxies.length === 0 || !trusted.check(peer.address, peer.family)) return limitKey(peer?.address ?? peerRaw);
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').filter((h) => h.trim() !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parsed(hops[i]!);
    if (!hop) return limitKey(peer.address);
    if (!trusted.check(hop.address, hop.family)) return limitKey(hop.address);
  }
  return limitKey(peer.address);
}
