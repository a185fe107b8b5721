import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { trustList } from '../server/client-address.ts';
import { silentLogger, type Logger } from '../server/log.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { DeviceCookies } from './device.ts';
import { handleHttp } from './http.ts';
import { LoginThrottle } from './limits.ts';
import { IceServers, type IceConfig } from './ice.ts';
import { HubMetrics } from './metrics.ts';
import { Relay } from './relay.ts';
import { WorkerExporter, type ConsultationExporter } from './fhir/exporter.ts';
import { FhirPusher, type FhirPushConfig } from './fhir/push.ts';
import { HubStore } from './store.ts';
import { Tokens } from './tokens.ts';
import type { ClusterBus } from './cluster/bus.ts';
import { RedisBus, redacted } from './cluster/redis-bus.ts';
import { redisLimiters } from './cluster/redis-limits.ts';

/**
 * An active consultation's grace for its cabin: cabin main retries within 30 s of a link's return, so this outlasts a
 * cut of several minutes (a router or a radio link coming back), yet a cabin that is really gone (power cut) is said
 * to the doctor within minutes. The doctor may end the consultation at any time meanwhile.
 */
export const ACTIVE_GRACE_MS = 10 * 60_000;

export interface HubOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The database: a SQLite file (':memory:' allowed) or a postgres:// URL (issue 14: the nodes of a region share it). */
  dbPath: string;
  /** HS256 key for the tokens; random (tokens die with the process) when absent. */
  jwtSecret?: Uint8Array;
  /** Token lifetime, default 900 s. */
  tokenTtlS?: number;
  iceServers?: IceConfig;
  /** The built doctor console (e.g. dist/doctor). */
  consoleDir?: string;
  /** Time and timers of the whole hub (heartbeats, token and session expiry, TURN renewal, the graces of an absent cabin); the system's by default. */
  clock?: Clock;
  /** The hub's logger (a child per component is made here); nothing is logged without one. */
  log?: Logger;
  /**
   * WebSocket ping period; a socket that missed one pong is dropped. Each beat also closes the sockets whose token
   * expired or whose session ended, and renews TURN credentials about to expire. Default 15 000 ms.
   */
  heartbeatMs?: number;
  /** How many sockets each beat pings and checks before letting other work run (heartbeat.ts). Default 500. */
  heartbeatSlice?: number;
  /** A waiting request whose cabin stays disconnected this long is cancelled. Default 120 000 ms. */
  waitingGraceMs?: number;
  /**
   * An active consultation whose cabin stays disconnected this long is marked left ('gone'): the call is over for the
   * cabin, the doctor keeps the notes and report. Default 600 000 ms (a mountain cabin's link drops for minutes).
   */
  activeGraceMs?: number;
  /**
   * Addresses of the reverse proxies in front of the hub: from them, X-Forwarded-For names the client that login
   * limits count (src/server/client-address.ts). None by default (then every client behind a proxy is the proxy).
   */
  trustedProxies?: readonly string[];
  /** A FHIR server to send each ended consultation to (issue 13; src/hub/fhir/push.ts); none by default. */
  fhirPush?: FhirPushConfig;
  /** How often the FHIR push looks for what is due. Default 15 000 ms. */
  fhirPushEveryMs?: number;
  /** Makes the exports; default a worker thread (src/hub/fhir/exporter.ts). */
  exporter?: (store: HubStore) => ConsultationExporter;
  /**
   * Starts the export worker at once (the operator's hub, the demo): its TypeScript and the FHIR definitions load in
   * the background, so the first download or push does not wait for them.
   */
  warmExports?: boolean;
  /** This node's name in its metrics (HUB_NODE_ID); `host-pid` by default. */
  nodeId?: string;
  /** A bearer token for `GET /metrics` (HUB_METRICS_TOKEN); without one, only clients on this machine may read them. */
  metricsToken?: string;
  /**
   * The Redis of a region's hub nodes (HUB_REDIS_URL; issue 14): with it this node is one of several sharing one
   * database (`dbPath` a postgres:// URL) and behaving as one hub: presence of every socket, messages to sockets
   * other nodes hold, the queue's changes, logouts, and the login limits counted together (src/hub/cluster/). Each
   * node needs its own `nodeId` then.
   */
  redisUrl?: string;
  /** The bus to the other nodes, made by the caller (a test's); otherwise a RedisBus on `redisUrl`. Closed by close(). */
  bus?: ClusterBus;
}

export interface Hub {
  /** http://host:port */
  url: string;
  /** ws://host:port/ws */
  wsUrl: string;
  store: HubStore;
  close(): Promise<void>;
}

export async function createHub(opts: HubOptions): Promise<Hub> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger();
  const store = await HubStore.open(opts.dbPath, () => clock.now(), log.child({ component: 'store' }));
  const nodeId = opts.nodeId ?? `${hostname()}-${process.pid}`;
  let bus: ClusterBus | undefined;
  let limitsLink: Redis | undefined;
  try {
    ({ bus, limitsLink } = await cluster(opts, nodeId, log.child({ component: 'cluster' })));
  } catch (err) {
    await store.close();
    throw err;
  }
  const secret = opts.jwtSecret ?? randomBytes(32);
  const tokens = new Tokens(secret, opts.tokenTtlS ?? 900, clock);
  // Device cookies (src/hub/device.ts) are signed with a key of their own, derived from the hub's secret.
  const devices = new DeviceCookies(createHmac('sha256', secret).update('cabin device cookie').digest(), clock);
  // A trusted proxy that is neither an address nor a CIDR block stops the hub here, not at each request.
  trustList(opts.trustedProxies ?? []);
  // The metrics read the relay (its sockets, declared next) and the store (the queue) when they are scraped.
  const metrics: HubMetrics = new HubMetrics(nodeId, {
    sockets: (): { cabin: number; doctor: number } => live.socketCounts(),
    queue: async () => {
      const q = await store.queue();
      return { length: q.length, oldestSince: q.length === 0 ? null : Math.min(...q.map((i) => i.since)) };
    },
    now: () => clock.now(),
  });
  const live = new Relay({ store, tokens, clock, iceServers: new IceServers(opts.iceServers, clock), log: log.child({ component: 'relay' }), heartbeatMs: opts.heartbeatMs ?? 15_000, ...(opts.heartbeatSlice !== undefined && { beatSlice: opts.heartbeatSlice }), waitingGraceMs: opts.waitingGraceMs ?? 120_000, activeGraceMs: opts.activeGraceMs ?? ACTIVE_GRACE_MS, metrics, ...(bus && { bus }) });
  // The exports' CPU work (seconds for a long consultation) runs in a worker thread: never on this event loop.
  const exporter: ConsultationExporter = opts.exporter?.(store) ?? new WorkerExporter(store);
  const deps = { exporter, store, tokens, devices, throttle: new LoginThrottle(limitsLink ? redisLimiters(limitsLink) : undefined), consoleDir: opts.consoleDir, trustedProxies: opts.trustedProxies ?? [], log: log.child({ component: 'http' }), closeSession: (sid: string) => live.closeSession(sid),
    ops: {
      metrics,
      ...(opts.metricsToken !== undefined && { metricsToken: opts.metricsToken }),
      notReady: async () => {
        if (!live.accepting) return 'The hub is closing.';
        // The store answers (a full disk or a damaged file shows at the first query, not at the next login).
        await store.ping();
        return null;
      },
    },
  };
  const server = createServer((req, res) => handleHttp(deps, req, res));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('upgrade', (req, socket, head) => {
    let path = '';
    try {
      path = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      // falls through to the refusal
    }
    if (path === '/ws') live.upgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new Error(`Port ${opts.port ?? 0} on ${host} is in use: stop the other program or choose another port.`) : err),
      );
      server.listen(opts.port ?? 0, host, () => resolve());
    });
  } catch (err) {
    await live.close();
    await exporter.close();
    await closeCluster(bus, limitsLink);
    await store.close();
    throw err;
  }
  // The FHIR push: a round now (what ended while the hub was down), then on a timer; one round at a time.
  const pusher = opts.fhirPush ? new FhirPusher(store, opts.fhirPush, log.child({ component: 'fhir-push' }), fetch, exporter) : undefined;
  const pushTimer = pusher ? clock.setInterval(() => void pusher.tick(), opts.fhirPushEveryMs ?? 15_000) : undefined;
  if (pusher) void pusher.tick();
  if (opts.warmExports) void exporter.warm?.();
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${hostPart}:${port}`,
    wsUrl: `ws://${hostPart}:${port}/ws`,
    store,
    close: () =>
      (closed ??= (async () => {
        if (pushTimer !== undefined) clock.clearInterval(pushTimer);
        await live.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await exporter.close();
        await closeCluster(bus, limitsLink);
        await store.close();
      })()),
  };
}

/**
 * The links to the other nodes of a region: the bus (given, or a RedisBus on `redisUrl`) and, with a Redis, a link of
 * its own for the shared login limits. A Redis that does not answer stops the start with a clear error (its URL
 * without the password).
 */
async function cluster(opts: HubOptions, nodeId: string, log: Logger): Promise<{ bus: ClusterBus | undefined; limitsLink: Redis | undefined }> {
  const url = opts.redisUrl;
  if (url === undefined) return { bus: opts.bus, limitsLink: undefined };
  const onError = (err: unknown, what: string) => log.warn({ err: err instanceof Error ? err.message : String(err) }, `Redis (${redacted(url)}): ${what}`);
  const bus = opts.bus ?? (await RedisBus.connect(url, nodeId, { onError }));
  // Fails fast while Redis is away: the limiters count in this node's memory meanwhile (redis-limits.ts).
  const link = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (times: number) => Math.min(times * 200, 2000), lazyConnect: true, connectionName: `cabin-hub-limits:${nodeId}` });
  link.on('error', (err: unknown) => onError(err, 'the login limits link'));
  try {
    await link.connect();
  } catch (err) {
    link.disconnect();
    if (!opts.bus) await bus.close();
    throw new Error(`Cannot reach Redis at ${redacted(url)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { bus, limitsLink: link };
}

async function closeCluster(bus: ClusterBus | undefined, link: Redis | undefined): Promise<void> {
  await bus?.close();
  if (link) {
    await link.quit().catch(() => undefined);
    link.disconnect();
  }
}
