import { Redis } from 'ioredis';
import { Handlers, TOPICS, presenceKey, type ClusterBus, type Presence, type RoutedFrame, type Topic } from './bus.ts';

export interface RedisBusOptions {
  /** Prefix of every key and channel, so hubs that share a Redis do not mix. Default `cabin-hub`. */
  prefix?: string;
  /** Time to live of a presence entry, seconds; the heartbeat refreshes it well before. Default 30. */
  presenceTtlS?: number;
  /** How long `connect` waits for Redis before it gives up with a clear error. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** A handler that threw, a malformed message on a channel: logged by the caller, never thrown. */
  onError?: (err: unknown, what: string) => void;
}

/** Sets each key to this node, with the time to live, unless another node holds it now (the client moved there). */
const REFRESH = `local n = 0
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if (not v) or v == ARGV[1] then
    redis.call('SET', k, ARGV[1], 'EX', ARGV[2])
    n = n + 1
  end
end
return n`;
/** Deletes the key only if this node holds it. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
/** Keys per refresh script call: a heartbeat of 10 000 sockets is 10 calls, none holding Redis long. */
const REFRESH_CHUNK = 1000;

/**
 * The bus of a region's hub nodes on Redis (ioredis): presence as keys with a time to live (`SET … EX`), a frame for
 * another node's socket on that node's channel, news on one channel per topic, both by pub/sub (one subscriber
 * connection per node, not per socket). ioredis reconnects and subscribes again by itself after Redis restarts;
 * then `onReconnect` lets the node claim its sockets again (a restarted Redis without persistence forgot them).
 * Commands fail fast while Redis is away (two tries), so a node keeps serving its own sockets meanwhile.
 */
export class RedisBus implements ClusterBus {
  private readonly handlers: Handlers;
  private readonly prefix: string;
  private readonly ttlS: number;
  private readyOnce = false;
  private closing = false;

  private constructor(
    readonly nodeId: string,
    private readonly cmd: Redis,
    private readonly sub: Redis,
    o: RedisBusOptions,
  ) {
    this.prefix = o.prefix ?? 'cabin-hub';
    this.ttlS = o.presenceTtlS ?? 30;
    const onError = o.onError ?? (() => {});
    this.handlers = new Handlers(onError);
    cmd.defineCommand('cabinRefresh', { lua: REFRESH });
    cmd.defineCommand('cabinRelease', { numberOfKeys: 1, lua: RELEASE });
    sub.on('message', (channel: string, message: string) => this.received(channel, message, onError));
    sub.on('ready', () => {
      if (this.readyOnce && !this.closing) this.handlers.emitReconnect();
      this.readyOnce = true;
    });
    // ioredis reports each failed reconnection as an error event: without a listener it would be thrown.
    cmd.on('error', (err: unknown) => onError(err, 'the Redis command link'));
    sub.on('error', (err: unknown) => onError(err, 'the Redis subscriber link'));
  }

  /** Connects both links (commands, subscriber) and subscribes; a clear error when Redis does not answer in time. */
  static async connect(url: string, nodeId: string, o: RedisBusOptions = {}): Promise<RedisBus> {
    const opts = { maxRetriesPerRequest: 2, retryStrategy: (times: number) => Math.min(times * 200, 2000), lazyConnect: true, connectionName: `cabin-hub:${nodeId}` };
    const cmd = new Redis(url, opts);
    const sub = new Redis(url, opts);
    const bus = new RedisBus(nodeId, cmd, sub, o);
    const timeoutMs = o.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          await Promise.all([cmd.connect(), sub.connect()]);
          await sub.subscribe(bus.channel('node', nodeId), ...TOPICS.map((t) => bus.channel('topic', t)));
        })(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis at ${redacted(url)} did not answer within ${timeoutMs / 1000} s.`)), timeoutMs))),
      ]);
    } catch (err) {
      cmd.disconnect();
      sub.disconnect();
      throw err instanceof Error && err.message.startsWith('Redis at') ? err : new Error(`Cannot reach Redis at ${redacted(url)}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
    return bus;
  }

  private channel(kind: 'node' | 'topic', name: string): string {
    return `${this.prefix}:${kind}:${name}`;
  }

  private key(p: Presence): string {
    return `${this.prefix}:presence:${presenceKey(p)}`;
  }

  private received(channel: string, message: string, onError: (err: unknown, what: string) => void): void {
    let m: unknown;
    try {
      m = JSON.parse(message);
    } catch (err) {
      return onError(err, `a message on ${channel} that is not JSON`);
    }
    const o = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
    if (channel === this.channel('node', this.nodeId)) {
      const to = o.to as Record<string, unknown> | undefined;
      if (typeof o.frame !== 'string' || !to || (to.role !== 'cabin' && to.role !== 'doctor') || typeof to.id !== 'string') return onError(new Error('malformed'), `a routed frame on ${channel}`);
      return this.handlers.emitRouted({ to: { role: to.role, id: to.id }, frame: o.frame });
    }
    const topic = TOPICS.find((t) => channel === this.channel('topic', t));
    if (!topic || typeof o.payload !== 'string' || typeof o.from !== 'string') return onError(new Error('malformed'), `news on ${channel}`);
    this.handlers.emitTopic(topic, o.payload, o.from);
  }

  async claim(p: Presence): Promise<void> {
    await this.cmd.set(this.key(p), this.nodeId, 'EX', this.ttlS);
  }

  async release(p: Presence): Promise<void> {
    await (this.cmd as unknown as { cabinRelease(key: string, node: string): Promise<number> }).cabinRelease(this.key(p), this.nodeId);
  }

  async refresh(ps: readonly Presence[]): Promise<void> {
    const run = this.cmd as unknown as { cabinRefresh(numKeys: number, ...args: (string | number)[]): Promise<number> };
    for (let i = 0; i < ps.length; i += REFRESH_CHUNK) {
      const keys = ps.slice(i, i + REFRESH_CHUNK).map((p) => this.key(p));
      await run.cabinRefresh(keys.length, ...keys, this.nodeId, this.ttlS);
    }
  }

  where(p: Presence): Promise<string | null> {
    return this.cmd.get(this.key(p));
  }

  /** SCAN over the presence keys (never KEYS, which blocks Redis), then their values in batches. */
  async all(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const head = `${this.prefix}:presence:`;
    let cursor = '0';
    do {
      const [next, keys] = await this.cmd.scan(cursor, 'MATCH', `${head}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const nodes = await this.cmd.mget(...keys);
      keys.forEach((k, i) => {
        const node = nodes[i];
        if (node) out.set(k.slice(head.length), node);
      });
    } while (cursor !== '0');
    return out;
  }

  async route(node: string, m: RoutedFrame): Promise<void> {
    await this.cmd.publish(this.channel('node', node), JSON.stringify(m));
  }

  onRouted(fn: (m: RoutedFrame) => void): void {
    this.handlers.routed.push(fn);
  }

  async publish(topic: Topic, payload: string): Promise<void> {
    await this.cmd.publish(this.channel('topic', topic), JSON.stringify({ from: this.nodeId, payload }));
  }

  on(topic: Topic, fn: (payload: string, fromNode: string) => void): void {
    this.handlers.on(topic, fn);
  }

  onReconnect(fn: () => void): void {
    this.handlers.reconnect.push(fn);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.allSettled([this.cmd.quit(), this.sub.quit()]);
    this.cmd.disconnect();
    this.sub.disconnect();
  }
}

/** A Redis URL without its password, for messages and logs. */
export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(a malformed Redis URL)';
  }
}
