import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';

/**
 * The observing doctors of `hub-load` (hub-load.ts), in a worker thread of their own: they only read the waiting queue
 * and note when each consultation first reaches each of them. In the generator's thread their frames waited behind the
 * work of 12,000 simulated clients (that thread's event-loop delay, p99 35–65 ms and up to a second, was inside every
 * queue latency measured), where a real doctor's console has a machine of its own. Here they wait behind nothing but
 * their own reading (the machine's two cores are still shared with the hub and the generator).
 *
 * Times are `performance.timeOrigin + performance.now()`: the same clock in every thread of the process.
 */

/** The generator → this worker. */
export type ToObservers =
  | { type: 'open'; i: number; url: string; protocols: string[]; localAddress: string }
  | { type: 'report' }
  | { type: 'close' };

/** This worker → the generator. */
export type FromObservers =
  /** The observer's socket opened, or not: refused (status), busy (503, with Retry-After), or failed. */
  | { type: 'opened'; i: number; ok: true }
  | { type: 'opened'; i: number; ok: false; status?: number; retryAfterMs?: number; error?: string }
  /** An open socket closed without being asked (its node died, or the hub closed it). */
  | { type: 'closed'; i: number; code: number }
  /** An error frame or a frame that could not be read. */
  | { type: 'error'; what: string }
  /** Every first arrival: [consultation id, observer, time]. */
  | { type: 'seen'; arrivals: [string, number, number][] };

const port = parentPort;
if (!port) throw new Error('bench/hub-load-observers.ts runs as a worker thread of hub-load.');
const say = (m: FromObservers): void => port.postMessage(m);
const sockets = new Map<number, WebSocket>();
/** Consultation id → the observers that have seen it. */
const seen = new Map<string, Set<number>>();
const arrivals: [string, number, number][] = [];
let closing = false;

function open(m: Extract<ToObservers, { type: 'open' }>): void {
  const ws = new WebSocket(m.url, m.protocols, { localAddress: m.localAddress, perMessageDeflate: false, skipUTF8Validation: true });
  sockets.set(m.i, ws);
  let opened = false;
  /** Whether this socket's attempt was answered (once: a refused upgrade also ends in an `error`). */
  let told = false;
  const tell = (r: Extract<FromObservers, { type: 'opened' }>): void => {
    if (told || sockets.get(m.i) !== ws) return;
    told = true;
    say(r);
  };
  ws.on('message', (data: Buffer) => {
    const now = performance.timeOrigin + performance.now();
    const raw = data.toString('utf8');
    if (raw.startsWith('{"type":"queue')) {
      type Item = { consultationId?: string };
      let frame: { items?: Item[]; upsert?: Item[] };
      try {
        frame = JSON.parse(raw) as typeof frame;
      } catch {
        return say({ type: 'error', what: `observer ${m.i}: a queue frame that is not JSON` });
      }
      for (const item of frame.items ?? frame.upsert ?? []) {
        const id = item.consultationId;
        if (id === undefined) continue;
        const who = seen.get(id) ?? new Set<number>();
        if (who.has(m.i)) continue;
        who.add(m.i);
        seen.set(id, who);
        arrivals.push([id, m.i, now]);
      }
    } else if (raw.startsWith('{"type":"error"')) say({ type: 'error', what: `observer ${m.i}: ${raw.slice(0, 160)}` });
  });
  ws.once('open', () => {
    opened = true;
    tell({ type: 'opened', i: m.i, ok: true });
  });
  ws.once('unexpected-response', (_req, res) => {
    res.resume();
    ws.terminate();
    const retryAfterMs = res.statusCode === 503 ? Number(res.headers['retry-after'] ?? 2) * 1000 : undefined;
    tell({ type: 'opened', i: m.i, ok: false, status: res.statusCode, ...(retryAfterMs !== undefined && { retryAfterMs }) });
  });
  ws.once('error', (err) => {
    if (!opened) tell({ type: 'opened', i: m.i, ok: false, error: err.message });
  });
  ws.on('close', (code) => {
    if (!opened || closing || sockets.get(m.i) !== ws) return;
    say({ type: 'closed', i: m.i, code });
  });
}

port.on('message', (m: ToObservers) => {
  if (m.type === 'open') open(m);
  else if (m.type === 'report') say({ type: 'seen', arrivals });
  else {
    closing = true;
    for (const ws of sockets.values()) ws.terminate();
    port.close();
  }
});
