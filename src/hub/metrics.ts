import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIPv6 } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether a socket's peer address is this machine (127.0.0.0/8, ::1, or IPv4 loopback mapped in IPv6). */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIPv6(v4) ? LOOPBACK.check(v4, 'ipv6') : LOOPBACK.check(v4, 'ipv4');
}

/**
 * What a hub node tells its operators (issue 14), in Prometheus text format on `GET /metrics`: the sockets it holds, the
 * queue, claims and how long patients waited for them, messages and signaling relayed, errors answered, and the
 * process (CPU, memory, event-loop delay: prom-client's default metrics). Counts only: no patient, cabin or doctor is
 * named, so a label never carries an identity. Each hub has its own registry (tests run several hubs in one process).
 */
export class HubMetrics {
  readonly registry = new Registry();
  /** Messages received, by type (an unknown type counts as `invalid`). */
  readonly messages: Counter<'role' | 'type'>;
  /** Signaling messages passed from one side of a consultation to the other. */
  readonly relayed: Counter;
  /** Claims by outcome: `won` (the doctor has the consultation) or `lost` (another doctor was first, it was cancelled…). */
  readonly claims: Counter<'outcome'>;
  /** From a cabin's request to a doctor's claim. */
  readonly waited: Histogram;
  /** Error frames answered, by code (forbidden, rate-limited, invalid-message, internal…), and sockets closed for abuse. */
  readonly errors: Counter<'code'>;
  /** Consultations that ended (by the doctor, the cabin leaving, a grace running out), by their final state. */
  readonly ended: Counter<'state'>;
  /** From a change of the waiting queue to its send to the last of this node's doctors (broadcast.ts). */
  readonly queueUpdate: Histogram;

  constructor(
    nodeId: string,
    read: {
      /** Open sockets by role. */
      sockets(): { cabin: number; doctor: number };
      /** The waiting queue: its length and its oldest request's time (hub ms), or null when empty. */
      queue(): Promise<{ length: number; oldestSince: number | null }>;
      now(): number;
    },
  ) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: nodeId });
    collectDefaultMetrics({ register: this.registry, prefix: 'cabin_hub_' });
    new Gauge({
      name: 'cabin_hub_connected_sockets',
      help: 'WebSocket connections held by this node, by role.',
      labelNames: ['role'],
      registers,
      collect() {
        const s = read.sockets();
        this.set({ role: 'cabin' }, s.cabin);
        this.set({ role: 'doctor' }, s.doctor);
      },
    });
    // The queue is read once per scrape for both gauges: the second awaits the first's answer (prom-client calls each
    // collect in turn, up to its first await, before it awaits them all).
    let lastQueue: Promise<{ length: number; oldestSince: number | null }> | undefined;
    new Gauge({
      name: 'cabin_hub_queue_length',
      help: 'Consultations waiting for a doctor.',
      registers,
      async collect() {
        lastQueue = read.queue();
        this.set((await lastQueue).length);
      },
    });
    new Gauge({
      name: 'cabin_hub_queue_oldest_wait_seconds',
      help: 'How long the longest-waiting patient has waited for a doctor (0 when nobody waits).',
      registers,
      async collect() {
        const { oldestSince } = await (lastQueue ?? read.queue());
        this.set(oldestSince === null ? 0 : Math.max(0, (read.now() - oldestSince) / 1000));
      },
    });
    this.messages = new Counter({ name: 'cabin_hub_messages_total', help: 'Messages received from cabins and doctors, by type.', labelNames: ['role', 'type'], registers });
    this.relayed = new Counter({ name: 'cabin_hub_signaling_relayed_total', help: 'Signaling messages relayed between the two sides of a consultation.', registers });
    this.claims = new Counter({ name: 'cabin_hub_claims_total', help: 'Claims of a waiting consultation by doctors, by outcome.', labelNames: ['outcome'], registers });
    this.waited = new Histogram({
      name: 'cabin_hub_wait_before_claim_seconds',
      help: "From a cabin's request to the claim of a doctor.",
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers,
    });
    this.errors = new Counter({ name: 'cabin_hub_errors_total', help: 'Errors answered to clients, and sockets closed for abuse, by code.', labelNames: ['code'], registers });
    this.queueUpdate = new Histogram({
      name: 'cabin_hub_queue_update_seconds',
      help: "From a change of the waiting queue (a request, a claim, a cabin leaving) to its send to the last of this node's doctors.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.ended = new Counter({ name: 'cabin_hub_consultations_ended_total', help: 'Consultations over, by their final state.', labelNames: ['state'], registers });
  }
}

/**
 * Who may read `/metrics`: with a token configured (HUB_METRICS_TOKEN), whoever sends it as a bearer; without one,
 * only a client on this machine (a Prometheus beside the hub, or a tunnel), never the internet through the proxy.
 */
export function metricsAllowed(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return isLoopback(req.socket.remoteAddress ?? '') && req.headers['x-forwarded-for'] === undefined;
  const auth = req.headers.authorization ?? '';
  if (!auth.startsWith('Bearer ')) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(auth.slice('Bearer '.length)), digest(token));
}

/** Answers `/metrics` (GET only) in the Prometheus text format. */
export async function serveMetrics(metrics: HubMetrics, token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const plain = (status: number, text: string): void => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(text);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'GET only.\n');
  if (!metricsAllowed(req, token)) return plain(403, token === undefined ? 'The metrics are served to this machine only (or set HUB_METRICS_TOKEN).\n' : 'A bearer token is needed.\n');
  const body = await metrics.registry.metrics();
  res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
