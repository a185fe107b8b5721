import { Worker } from 'node:worker_threads';
import { startRelayCore } from './impair-relay.mjs';

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

export interface ImpairOptions {
  /**
   * Run the relay in this process's event loop rather than in its own worker thread (the default). A deterministic
   * `random` (a function, which cannot cross to a thread) implies it.
   */
  inProcess?: boolean;
}

/**
 * Starts the relay in front of `target` (a TURN server). By default in a worker thread: the tests and benchmarks run
 * the hub and cabin main in this process, whose event-loop stalls (up to 0.5–0.8 s on a loaded 2-core machine) held
 * every packet of both legs and then let them go in a burst, an artifact no real network has.
 */
export async function startImpairRelay(target: { host: string; port: number }, initial: Impairment, opts: ImpairOptions = {}): Promise<ImpairRelay> {
  if (opts.inProcess || initial.random) {
    const stats: ImpairStats = { forwarded: 0, lost: 0, queueDrops: 0 };
    const core = await startRelayCore(target, initial, (name) => void stats[name]++);
    return { url: `turn:127.0.0.1:${core.port}?transport=udp`, port: core.port, stats, set: (next) => core.set(next), close: () => core.close() };
  }
  const counters = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  const { random: _none, ...plain } = initial;
  const worker = new Worker(new URL('./impair-worker.mjs', import.meta.url), { workerData: { target, initial: plain, counters } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The relay's worker ended (${code}) before it listened.`)));
    worker.once('message', (m: { port: number }) => resolve(m.port));
  });
  worker.removeAllListeners('exit');
  worker.on('error', () => {});
  const stats: ImpairStats = {
    get forwarded() {
      return Atomics.load(counters, 0);
    },
    get lost() {
      return Atomics.load(counters, 1);
    },
    get queueDrops() {
      return Atomics.load(counters, 2);
    },
  };
  let closed = false;
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    port,
    stats,
    set: (next) => {
      if (next.random) throw new Error('A relay in a worker thread takes no `random` function: start it with { inProcess: true }.');
      if (!closed) worker.postMessage({ set: next });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = new Promise<void>((r) => worker.once('exit', () => r()));
      worker.postMessage({ close: true });
      await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
