import type { IceServer } from '../../shared/hub-protocol.ts';
import type { NetCheck } from '../../shared/netcheck.ts';

/**
 * The media-path half of the pre-call check, in the kiosk page (browser APIs only):
 * - TURN reachability: one RTCPeerConnection per TURN URL alone, `iceTransportPolicy: 'relay'`; reachable when a
 *   relay candidate is gathered.
 * - The path: two RTCPeerConnections of this page, both forced through TURN, joined by an unreliable, unordered
 *   data channel (`maxRetransmits: 0`). Every packet from A to B leaves the kiosk through TURN and comes back, so it
 *   crosses the uplink once and the downlink once (and, in the tests, the poor-network relay's two legs).
 *   1. pings: small packets every PING_EVERY_MS, echoed by B: round trip (lower quartile) and loss of both directions;
 *   2. packet trains: TRAINS trains of TRAIN small packets sent back to back; the link's narrowest point spaces them,
 *      and B's arrival times give its rate (dispersion, see trainRate). A paced ramp of this channel measured far
 *      less than the link carries at 5 % loss (SCTP's congestion control halves its window at each loss and waits
 *      for timeouts: 112 kbit/s on a 256 kbit/s link), so the trains measure the link, not SCTP's reaction to loss.
 *      Every train crosses the uplink and the downlink (A → TURN → B), so the figure is a lower bound of both.
 */

export type TurnKind = keyof NetCheck['turn'];

/** The transport a TURN URL uses: `turns:` is TLS, `?transport=tcp` TCP, otherwise UDP. */
export function turnKind(url: string): TurnKind | null {
  const u = url.trim().toLowerCase();
  if (u.startsWith('turns:')) return 'tls';
  if (!u.startsWith('turn:')) return null;
  return /[?&]transport=tcp\b/.test(u) ? 'tcp' : 'udp';
}

/** One server per TURN URL, by transport (the first URL of each kind). */
export function turnServersByKind(servers: IceServer[]): Partial<Record<TurnKind, RTCIceServer>> {
  const out: Partial<Record<TurnKind, RTCIceServer>> = {};
  for (const s of servers) {
    for (const url of Array.isArray(s.urls) ? s.urls : [s.urls]) {
      const kind = turnKind(url);
      if (kind && !out[kind]) out[kind] = { urls: url, username: s.username, credential: s.credential };
    }
  }
  return out;
}

/** Whether a relay candidate can be allocated with this TURN server alone. */
export async function turnReachable(server: RTCIceServer, timeoutMs = 4000): Promise<boolean> {
  const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        resolve(ok);
      };
      pc.onicecandidate = (e) => {
        if (e.candidate?.type === 'relay' || / typ relay /.test(e.candidate?.candidate ?? '')) done(true);
        else if (!e.candidate) done(false);
      };
      pc.createDataChannel('turn-probe');
      pc.createOffer()
        .then((o) => pc.setLocalDescription(o))
        .catch(() => done(false));
    });
  } finally {
    pc.close();
  }
}

export interface PathResult {
  connected: boolean;
  rttMs?: number;
  /** One-way loss of the pings, both directions counted, percent. */
  lossPct?: number;
  /** The loop's delivered payload rate, kbit/s. */
  kbps?: number;
  /** What was measured, for the record. */
  detail: { pings: number; pingsArrived: number; echoes: number; loadSent: number; loadArrived: number; connectMs: number };
}

export interface PathOptions {
  connectTimeoutMs?: number;
  pingMs?: number;
}

const PING_EVERY_MS = 10;
const PING_BYTES = 48;
/**
 * Trains: 8 packets of 300 bytes (~2.9 kB with headers) fit SCTP's smallest window (4 × ~1.2 kB) and the 200 ms
 * queue of a 128 kbit/s link, so they leave back to back and none is dropped for its own sake.
 */
const TRAIN = 8;
const TRAIN_BYTES = 300;
const TRAINS = 8;
const TRAIN_GAP_MS = 250;
/** TURN ChannelData (4), DTLS record (13 + 8 nonce + 16 tag), SCTP common header and DATA chunk (12 + 16), bytes. */
const PACKET_OVERHEAD = 69;
/** Above this the figure is not a measure any more (loopback), kbit/s. */
const MAX_KBPS = 100_000;
const KIND_PING = 1;
const KIND_ECHO = 2;
const KIND_LOAD = 3;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function packet(kind: number, seq: number, bytes: number, sentAt: number): ArrayBuffer {
  const buf = new ArrayBuffer(bytes);
  const v = new DataView(buf);
  v.setUint8(0, kind);
  v.setUint32(1, seq);
  v.setFloat64(5, sentAt);
  return buf;
}

/** The value below which a quarter of `xs` lie (undefined when empty). */
function lowerQuartile(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 4)];
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1]! + s[m]!) / 2;
}

export interface Arrival {
  /** The packet's number: train × TRAIN + its place in the train. */
  seq: number;
  /** When B received it, ms. */
  t: number;
}

/**
 * The link's rate from packet trains, kbit/s: in each train, the slope of B's arrival times over the packets' numbers
 * (least squares: jitter moves single packets, not the slope) is the time one packet takes to cross the narrowest
 * point. Counted with each packet's headers (UDP payload: TURN, DTLS and SCTP add about PACKET_OVERHEAD bytes), as a
 * link's rate is. The median of the trains; undefined when no train had 4 packets arrive. Capped at MAX_KBPS
 * (on loopback nothing spaces them). Least squares rather than a median of pair slopes: SCTP bundles several small
 * messages into one packet, so many pairs arrive together, which biases a median; the mean slope is not.
 * The figure is noisy (a train lasts at most the relay's 200 ms queue, and jitter moves its ends): through the relay
 * at 256 kbit/s, 187–266 kbit/s over four runs; at 128 kbit/s, 88–210. The verdict rule leans on round trip and loss.
 * A train with a gap over `maxGapMs` inside it (the caller gives half the round trip) is left out: SCTP held part of
 * it back after a loss, and with it in, a 256 kbit/s link read 69 kbit/s once in three checks.
 */
export function trainRate(arrivals: Arrival[], size: number, bytes = TRAIN_BYTES + PACKET_OVERHEAD, maxGapMs = Infinity): number | undefined {
  const trains = new Map<number, Arrival[]>();
  for (const a of arrivals) {
    const k = Math.floor(a.seq / size);
    trains.set(k, [...(trains.get(k) ?? []), a]);
  }
  const rates: number[] = [];
  const all: number[] = [];
  for (const got of trains.values()) {
    if (got.length < 4) continue;
    const rate = slopeRate(got, bytes);
    all.push(rate);
    // A gap of half a round trip inside a train, and four times its mean gap: SCTP held the rest back (its window
    // shrank after a loss), so that spacing is its own, not the link's. The mean gap keeps a slow link's own spacing
    // (23 ms a packet at 128 kbit/s) from reading as a hold on a short round trip.
    const byTime = [...got].sort((x, y) => x.t - y.t);
    const meanGap = (byTime.at(-1)!.t - byTime[0]!.t) / (byTime.length - 1);
    const limit = Math.max(maxGapMs, 4 * meanGap);
    if (byTime.some((a, i) => i > 0 && a.t - byTime[i - 1]!.t > limit)) continue;
    rates.push(rate);
  }
  // Every train held back: the figure is low, but it is still a figure.
  return median(rates.length > 0 ? rates : all);
}

/**
 * The trains' rate, or undefined when the trains lost far more than the pings did (over a quarter, and over 3 times
 * the pings' loss): then they were not carried as the link carries packets but dropped on the way (measured in CI
 * at a load of 10: 28 of 64 train packets gone while the pings lost 4 %, and the rate read 84 kbit/s on a 256
 * kbit/s link). The verdict then rests on round trip and loss, and the call's start level on the verdict.
 */
export function trustedRate(detail: { loadSent: number; loadArrived: number }, pingLoss: number, rate: () => number | undefined): number | undefined {
  if (detail.loadSent <= 0) return undefined;
  const trainLoss = 1 - detail.loadArrived / detail.loadSent;
  if (trainLoss > 0.25 && trainLoss > 3 * pingLoss) return undefined;
  return rate();
}

/** One train's rate (kbit/s) from the least-squares slope of its arrival times over the packets' numbers. */
function slopeRate(got: Arrival[], bytes: number): number {
  const mx = got.reduce((s, a) => s + a.seq, 0) / got.length;
  const mt = got.reduce((s, a) => s + a.t, 0) / got.length;
  const sxx = got.reduce((s, a) => s + (a.seq - mx) ** 2, 0);
  const sxt = got.reduce((s, a) => s + (a.seq - mx) * (a.t - mt), 0);
  const msPerPacket = sxt / sxx;
  return msPerPacket > 0 ? Math.min(MAX_KBPS, (bytes * 8) / msPerPacket) : MAX_KBPS;
}

/** Connects two relay-only peers of this page over `server` and measures the loop between them. */
export async function probePath(server: RTCIceServer, o: PathOptions = {}): Promise<PathResult> {
  const cfg: RTCConfiguration = { iceServers: [server], iceTransportPolicy: 'relay' };
  const a = new RTCPeerConnection(cfg);
  const b = new RTCPeerConnection(cfg);
  const detail = { pings: 0, pingsArrived: 0, echoes: 0, loadSent: 0, loadArrived: 0, connectMs: 0 };
  try {
    a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate).catch(() => {});
    b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate).catch(() => {});
    const init: RTCDataChannelInit = { negotiated: true, id: 0, ordered: false, maxRetransmits: 0 };
    const ca = a.createDataChannel('netcheck', init);
    const cb = b.createDataChannel('netcheck', init);
    ca.binaryType = cb.binaryType = 'arraybuffer';
    const started = performance.now();
    const open = Promise.all([ca, cb].map((c) => new Promise<void>((r) => (c.onopen = () => r()))));
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    const opened = await Promise.race([open.then(() => true), sleep(o.connectTimeoutMs ?? 15_000).then(() => false)]);
    if (!opened) return { connected: false, detail };
    detail.connectMs = Math.round(performance.now() - started);

    const rtts: number[] = [];
    const load: Arrival[] = [];
    cb.onmessage = (e: MessageEvent<ArrayBuffer>) => {
      const v = new DataView(e.data);
      const kind = v.getUint8(0);
      if (kind === KIND_PING) {
        detail.pingsArrived++;
        if (cb.readyState === 'open') cb.send(packet(KIND_ECHO, v.getUint32(1), PING_BYTES, v.getFloat64(5)));
      } else if (kind === KIND_LOAD) {
        detail.loadArrived++;
        load.push({ seq: v.getUint32(1), t: performance.now() });
      }
    };
    ca.onmessage = (e: MessageEvent<ArrayBuffer>) => {
      const v = new DataView(e.data);
      if (v.getUint8(0) !== KIND_ECHO) return;
      detail.echoes++;
      rtts.push(performance.now() - v.getFloat64(5));
    };

    // 1. Pings, light enough for a 128 kbit/s link (~86 kbit/s with the headers).
    const pingUntil = performance.now() + (o.pingMs ?? 1000);
    while (performance.now() < pingUntil && ca.readyState === 'open') {
      ca.send(packet(KIND_PING, detail.pings++, PING_BYTES, performance.now()));
      await sleep(PING_EVERY_MS);
    }
    // 2. Packet trains: TRAIN small packets leave back to back (far less than SCTP's smallest window), the link's
    //    narrowest point spaces them, and B's arrival times give its rate (packet-train dispersion).
    for (let t = 0; t < TRAINS && ca.readyState === 'open'; t++) {
      for (let i = 0; i < TRAIN; i++) {
        ca.send(packet(KIND_LOAD, t * TRAIN + i, TRAIN_BYTES, performance.now()));
        detail.loadSent++;
      }
      await sleep(TRAIN_GAP_MS);
    }
    // What is still in flight arrives within a round trip.
    await sleep(Math.min(1000, (median(rtts) ?? 300) + 200));

    const sentPings = detail.pings;
    const oneWay = sentPings + detail.pingsArrived;
    const arrivedOneWay = detail.pingsArrived + detail.echoes;
    return {
      connected: true,
      // The lower quartile: a busy kiosk delays some echoes by its own work, never makes the path shorter.
      rttMs: lowerQuartile(rtts),
      lossPct: oneWay > 0 ? (100 * (oneWay - arrivedOneWay)) / oneWay : undefined,
      kbps: trustedRate(detail, oneWay > 0 ? (oneWay - arrivedOneWay) / oneWay : 0, () => trainRate(load, TRAIN, undefined, (lowerQuartile(rtts) ?? Infinity) / 2)),
      detail,
    };
  } finally {
    a.close();
    b.close();
  }
}
