// The poor-network relay's core, in plain JavaScript so that it also runs in a worker thread (impair-worker.mjs),
// away from the event loop of the process that runs the hub and cabin main: a stall there (GC, a burst of work on
// a loaded 2-core machine) must not stall the emulated network too. Types: impair-relay.d.mts; API: impair.ts.
import { createSocket } from 'node:dgram';

/**
 * Starts the relay: every client address gets its own upstream socket; each datagram, either way, is dropped with
 * probability `lossPct`, delayed by `delayMs` ± `jitterMs`, and (with `kbps`) queued behind a bottleneck of that
 * rate with a bounded queue (tail drop). `count(name)` is called for 'forwarded', 'lost' and 'queueDrops'.
 */
export async function startRelayCore(target, initial, count) {
  let imp = initial;
  const front = createSocket('udp4');
  const clients = new Map();
  const timers = new Set();
  let closed = false;

  const impaired = (msg, pipe, deliver) => {
    const rnd = imp.random ?? Math.random;
    if (imp.lossPct && rnd() * 100 < imp.lossPct) {
      count('lost');
      return;
    }
    const now = performance.now();
    let queued = 0;
    if (imp.kbps) {
      const serialise = (msg.length * 8) / imp.kbps; // ms at kbps
      const start = Math.max(now, pipe.freeAt);
      if (start - now > (imp.queueMs ?? 200)) {
        count('queueDrops');
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
      count('forwarded');
      deliver(msg);
    }, wait);
    timers.add(timer);
  };

  front.on('message', (msg, from) => {
    const k = `${from.address}:${from.port}`;
    let c = clients.get(k);
    if (!c) {
      const upstream = createSocket('udp4');
      const entry = { upstream, toServer: { freeAt: 0 }, toClient: { freeAt: 0 } };
      upstream.on('message', (back) => impaired(back, entry.toClient, (m) => front.send(m, from.port, from.address)));
      upstream.on('error', () => {});
      upstream.bind(0, target.host === '127.0.0.1' || target.host === 'localhost' ? '127.0.0.1' : undefined);
      clients.set(k, entry);
      c = entry;
    }
    const up = c.upstream;
    impaired(msg, c.toServer, (m) => up.send(m, target.port, target.host));
  });
  front.on('error', () => {});
  await new Promise((resolve) => front.bind(0, '127.0.0.1', resolve));
  return {
    port: front.address().port,
    set(next) {
      imp = next;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closeOne = (s) =>
        new Promise((r) => {
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
