import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus, MemoryNetwork, type ClusterBus, type RoutedFrame } from '../../src/hub/cluster/bus.ts';
import { PresenceView } from '../../src/hub/cluster/presence.ts';
import { RedisBus } from '../../src/hub/cluster/redis-bus.ts';
import { PrivateRedis } from '../helpers/redis.ts';

/** Resolves with what `subscribe` hands its callback first, or rejects after `ms`. */
function first<T>(subscribe: (fn: (v: T) => void) => void, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    subscribe((v) => (clearTimeout(timer), resolve(v)));
  });
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await PrivateRedis.start();
});
afterAll(() => redis.close());

let prefixes = 0;
/** Three nodes on one network: in memory, or on the test's Redis (each test with its own key prefix). */
type OnError = (err: unknown, what: string) => void;
const kinds: [string, (onError?: OnError, presenceTtlS?: number) => Promise<ClusterBus[]>][] = [
  [
    'MemoryBus',
    (onError) => {
      const net = new MemoryNetwork();
      return Promise.resolve(['a', 'b', 'c'].map((n) => new MemoryBus(n, net, onError)));
    },
  ],
  [
    'RedisBus',
    async (onError, presenceTtlS) => {
      const prefix = `t${++prefixes}`;
      return Promise.all(['a', 'b', 'c'].map((n) => RedisBus.connect(redis.url, n, { prefix, ...(onError && { onError }), ...(presenceTtlS && { presenceTtlS }) })));
    },
  ],
];

describe.each(kinds)('%s: the nodes of a region', (_name, make) => {
  it('know which node holds each socket; a node releases only its own entry', async () => {
    const [a, b, c] = await make();
    const cabin = { role: 'cabin' as const, id: 'cab-1' };
    expect(await c!.where(cabin)).toBeNull();
    await a!.claim(cabin);
    expect(await c!.where(cabin)).toBe('a');
    // The cabin reconnects through node b: b holds it now; a's late release of its old socket leaves b's entry.
    await b!.claim(cabin);
    await a!.release(cabin);
    expect(await c!.where(cabin)).toBe('b');
    // Nor does a's heartbeat take it back.
    await a!.refresh([cabin]);
    expect(await c!.where(cabin)).toBe('b');
    await b!.release(cabin);
    expect(await c!.where(cabin)).toBeNull();
    // An entry that vanished is made again by its node's heartbeat.
    await b!.refresh([cabin, { role: 'doctor', id: 'dr.a' }]);
    expect(await a!.where({ role: 'doctor', id: 'dr.a' })).toBe('b');
    await Promise.all([a, b, c].map((n) => n!.close()));
  });

  it('route a frame to the node that holds the socket only, and news to every node (the sender too)', async () => {
    const [a, b, c] = await make();
    const gotA: RoutedFrame[] = [];
    const gotC: RoutedFrame[] = [];
    a!.onRouted((m) => gotA.push(m));
    c!.onRouted((m) => gotC.push(m));
    const atB = first<RoutedFrame>((fn) => b!.onRouted(fn));
    const frame = JSON.stringify({ type: 'signal', consultationId: 'x', data: { pc: 'p', candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host' } } });
    await a!.route('b', { to: { role: 'doctor', id: 'dr.a' }, frame });
    expect(await atB).toEqual({ to: { role: 'doctor', id: 'dr.a' }, frame });
    const news = [a, b, c].map((n) => first<[string, string]>((fn) => n!.on('revoke', (payload, from) => fn([payload, from]))));
    await c!.publish('revoke', 'sid-123');
    expect(await Promise.all(news)).toEqual([
      ['sid-123', 'c'],
      ['sid-123', 'c'],
      ['sid-123', 'c'],
    ]);
    expect(gotA).toEqual([]);
    expect(gotC).toEqual([]);
    await Promise.all([a, b, c].map((n) => n!.close()));
  });

  it('a handler that throws is reported and does not stop the others', async () => {
    const errors: string[] = [];
    const [a, b, c] = await make((err, what) => errors.push(`${what}: ${(err as Error).message}`));
    b!.on('queue', () => {
      throw new Error('boom');
    });
    const second = first<string>((fn) => b!.on('queue', (p) => fn(p)));
    await a!.publish('queue', 'changed');
    expect(await second).toBe('changed');
    expect(errors).toEqual(['news on queue: boom']);
    await Promise.all([a, b, c].map((n) => n!.close()));
  });
});

describe('RedisBus against a real redis-server', () => {
  it('lets a dead node’s entries expire by themselves (time to live)', async () => {
    const a = await RedisBus.connect(redis.url, 'a', { prefix: 'ttl', presenceTtlS: 1 });
    const b = await RedisBus.connect(redis.url, 'b', { prefix: 'ttl' });
    await a.claim({ role: 'cabin', id: 'cab-9' });
    expect(await b.where({ role: 'cabin', id: 'cab-9' })).toBe('a');
    await until(async () => (await b.where({ role: 'cabin', id: 'cab-9' })) === null, 4000);
    await Promise.all([a.close(), b.close()]);
  });

  it('after Redis restarts (empty), each node hears it, claims its sockets again, and routing works again', async () => {
    const a = await RedisBus.connect(redis.url, 'a', { prefix: 'restart' });
    const b = await RedisBus.connect(redis.url, 'b', { prefix: 'restart' });
    const mine = [{ role: 'doctor' as const, id: 'dr.b' }];
    await b.claim(mine[0]!);
    const back = first<void>((fn) => b.onReconnect(() => fn(undefined)), 15_000);
    b.onReconnect(() => void b.refresh(mine));
    await redis.restart();
    await back;
    await until(async () => (await a.where(mine[0]!).catch(() => null)) === 'b', 10_000);
    // b's subscription came back with the link: a frame for its doctor reaches it.
    const atB = first<RoutedFrame>((fn) => b.onRouted(fn), 10_000);
    await until(async () => {
      await a.route('b', { to: mine[0]!, frame: '{"type":"pong"}' }).catch(() => undefined);
      return Promise.race([atB.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
    }, 10_000);
    expect((await atB).frame).toBe('{"type":"pong"}');
    await Promise.all([a.close(), b.close()]);
  }, 30_000);

  it('fails to connect with a clear error, without the password, when Redis is not there', async () => {
    const down = `redis://:s3cret@127.0.0.1:${redis.port + 1}`;
    const err = await RedisBus.connect(down, 'a', { connectTimeoutMs: 1500 }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    expect(err?.message).not.toContain('s3cret');
  });
});

describe.each(kinds)('%s: every node’s view of who is connected', (_name, make) => {
  it('hears the other nodes at once, ignores a late departure from a node the account left, and catches a dead node at the sync', async () => {
    const [a, b, c] = await make(undefined, 2);
    let t = 1_000;
    const changes: string[] = [];
    const [va, vb, vc] = [a, b, c].map((bus, i) => new PresenceView(bus!, () => t, { onChange: (k, on) => i === 2 && changes.push(`${k} ${on ? 'on' : 'off'}`) }));
    const cabin = { role: 'cabin' as const, id: 'cab-1' };
    await va!.connected(cabin);
    expect(va!.isOnline(cabin)).toBe(true); // its own node knows at once
    await until(() => Promise.resolve(vc!.isOnline(cabin) && vb!.nodeOf(cabin) === 'a'));
    // The cabin moves to node b (a's old socket closes later): nobody sees it away.
    t = 2_000;
    await vb!.connected(cabin);
    await until(() => Promise.resolve(vc!.nodeOf(cabin) === 'b' && va!.nodeOf(cabin) === 'b'));
    await va!.disconnected(cabin);
    await new Promise((r) => setTimeout(r, 100));
    expect(vc!.nodeOf(cabin)).toBe('b');
    expect(await c!.where(cabin)).toBe('b');
    // Node b dies without a word (no news, no release): c finds out at its sync, once the entry expired.
    t = 3_000;
    await b!.close();
    await until(async () => (await c!.where(cabin)) === null, 8000);
    expect(vc!.isOnline(cabin)).toBe(true);
    await vc!.sync([]);
    expect(vc!.isOnline(cabin)).toBe(false);
    expect(vc!.awaySince(cabin)).toBe(3_000);
    expect(changes).toEqual(['cabin:cab-1 on', 'cabin:cab-1 off']);
    await Promise.all([a, c].map((n) => n!.close()));
  });

  it('a sync re-creates this node’s own entries that the bus forgot (Redis restarted empty)', async () => {
    const [a, b] = await make();
    const va = new PresenceView(a!, () => 5);
    const vb = new PresenceView(b!, () => 5);
    const doctor = { role: 'doctor' as const, id: 'dr.a' };
    await va.connected(doctor);
    await a!.release(doctor); // as if the bus lost it
    expect(await b!.where(doctor)).toBeNull();
    await va.sync([doctor]);
    expect(await b!.where(doctor)).toBe('a');
    await vb.sync([]);
    expect(vb.nodeOf(doctor)).toBe('a');
    await Promise.all([a, b].map((n) => n!.close()));
  });
});
