import { isIPv4, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * The address that limits count per client: IPv4 as is (an IPv4-mapped IPv6 address too), IPv6 by its /64 prefix
 * (one subscriber commonly holds a whole /64: counting single addresses would give him 2^64 budgets).
 */
export function limitKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (::a.b.c.d) stands for two groups; it is after the prefix, so only its count matters.
  const width = (g: string[]) => g.reduce((n, x) => n + (isIPv4(x) ? 2 : 1), 0);
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Who sent the request, as limits count it: the peer's address, or, when the peer is one of `trustedProxies` (the
 * reverse proxy in front of the hub), the last address of X-Forwarded-For that is not a trusted proxy. Without
 * trusted proxies, X-Forwarded-For is ignored (anyone can write it).
 */
export function clientAddress(req: IncomingMessage, trustedProxies: readonly string[] = []): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  const trusted = new Set(trustedProxies.map(limitKey));
  if (!trusted.has(limitKey(peer))) return limitKey(peer);
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter((h) => isIPv4(h) || isIPv6(h) || /^::ffff:/i.test(h));
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(limitKey(hops[i]!))) return limitKey(hops[i]!);
  return limitKey(peer);
}
