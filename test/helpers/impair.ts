import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/**
 * A poor network in user space (`tc netem` is not available on these machines, webrtc.md §0): a UDP relay placed
 * in front of a TURN server. Every client address gets its own upstream socket, so the TURN server still sees one
 * 5-tuple per client; each datagram, either way, is dropped with probability `lossPct`, delayed by `delayMs` ±
 * `jitterMs`, and (with `kbps`) queued behind a bottleneck of that rate with a bounded queue (tail drop), as a rural
 * uplink is.
 */
export interface Impairment {
  /** One-way delay added per direction, ms. */
  delayMs: number;
  /** Uniform jitter ± this many ms (packets may be reordered, as on a real path). */
  jitterMs?: number;
  /** Random loss per direction, percent. */
  lossPct?: number;
  /** Bottleneck rate per direction and client, kbit/s (none when absent). */
  kbps?: number;
  /** Bottleneck queue, ms of traffic at `kbps` (default 200): beyond it packets are dropped. */
  queueMs?: number;
  /** Deterministic loss and jitter for a repeatable test (default: Math.random). */
  random?: () => number;
}

export interface ImpairStats {
  forwarded: number;
  lost: number;
  /** Dropped by the bottleneck's full queue. */
  queueDrops: number;
}

export interface ImpairRelay {
  /** `turn:127.0.0.1:PORT?transport=udp`: give this to the clients instead of the TURN server's own URL. */
  url: string;
  port: number;
  stats: ImpairStats;
  /** Change the conditions while the call runs (e.g. the link gets worse). */
  set(next: Impairment): void;
  close(): Promise<void>;
}

/** One direction's bottleneck: when its link is free again, in ms on the relay's clock. */
interface Pipe {
  freeAt: number;
}

export async function startImpairRelay(target: { host: string; port: number }, initial: Impairment): Promise<ImpairRelay> {
  let imp = initial;
  const stats: ImpairStats = { forwarded: 0, lost: 0, queueDrops: 0 };
  const front = createSocket('udp4');
  const clients = new Map<string, { upstream: Socket; toServer: Pipe; toClient: Pipe }>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  /** Sends `msg` after the impairment; `deliver` does the actual send. */
  const impaired = (msg: Buffer, pipe: Pipe, deliver: (m: Buffer) => void): void => {
    const rnd = imp.random ?? Math.random;
    if (imp.lossPct && rnd() * 100 < imp.lossPct) {
      stats.lost++;
      return;
    }
    const now = performance.now();
    let queued = 0;
    if (imp.kbps) {
      const serialise = (msg.length * 8) / imp.kbps; // ms at kbps
      const start = Math.max(now, pipe.freeAt);
      if (start - now > (imp.queueMs ?? 200)) {
        stats.queueDrops++;
        return;
      }
      pipe.freeAt = start + serialise;
      queued = pipe.freeAt - now;
    }
    const jitter = imp.jitterMs ? (rnd() * 2 - 1) * imp.jitterMs : 0;
    const wait = Math.max(0, queued + imp.delayMs + jitter);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (closed) return;
      stats.forwarded++;
      deliver(msg);
    }, wait);
    timers.add(timer);
  };

  front.on('message', (msg: Buffer, from: RemoteInfo) => {
    const k = `${from.address}:${from.port}`;
    let c = clients.get(k);
    if (!c) {
      const upstream = createSocket('udp4');
      const entry = { upstream, toServer: { freeAt: 0 }, toClient: { freeAt: 0 } };
      upstream.on('message', (back: Buffer) => impaired(back, entry.toClient, (m) => front.send(m, from.port, from.address)));
      upstream.on('error', () => {});
      upstream.bind(0, target.host === '127.0.0.1' || target.host === 'localhost' ? '127.0.0.1' : undefined);
      clients.set(k, entry);
      c = entry;
    }
    const up = c.upstream;
    impaired(msg, c.toServer, (m) => up.send(m, target.port, target.host));
  });
  front.on('error', () => {});
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  const port = front.address().port;
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    port,
    stats,
    set: (next) => {
      imp = next;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closeOne = (s: Socket) =>
        new Promise<void>((r) => {
          try {
            s.close(() => r());
          } catch {
            r(); // already closed
          }
        });
      await Promise.all([front, ...[...clients.values()].map((c) => c.upstream)].map(closeOne));
      clients.clear();
    },
  };
}
