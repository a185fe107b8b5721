import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { HUB_CLOSE, HUB_MAX_FRAME_BYTES, HUB_SUBPROTOCOL, type ConsultationView, type FromHub, type Role, type ToHub } from '../shared/hub-protocol.ts';
import { cabinPatient } from './cabin-patient.ts';
import { cabinDevices, doctorPleth } from './cabin-devices.ts';
import { cabinReport } from './cabin-report.ts';
import { settle } from './consultation/commit.ts';
import { LiveConsultations } from './consultation/live.ts';
import { AwayCabins } from './consultation/away.ts';
import { Backlog } from './backlog.ts';
import { Heartbeat } from './heartbeat.ts';
import { Batched } from './batched.ts';
import { QueueFeed } from './queue-feed.ts';
import { transition, type Actor, type Effect, type Input, type Reply } from './consultation/transition.ts';
import { viewOf } from './consultation/view.ts';
import { readFrame } from './frames.ts';
import { SESSION_ENDED, SocketAuth, type AuthedSocket } from './socket-auth.ts';
import type { IceServers } from './ice.ts';
import type { Consultation, HubStore } from './store.ts';
import type { Tokens, VerifiedClaims } from './tokens.ts';
import type { Logger } from '../server/log.ts';
import { TokenBucket } from '../server/rate-limit.ts';
import type { Clock } from '../shared/clock.ts';
import type { HubMetrics } from './metrics.ts';
import type { ClusterBus, Presence } from './cluster/bus.ts';
import { RelayLink } from './cluster/relay-link.ts';

export interface RelayOptions {
  store: HubStore;
  tokens: Tokens;
  /** Time and timers: heartbeats, token expiry, the graces of an absent cabin. */
  clock: Clock;
  iceServers: IceServers;
  log: Logger;
  heartbeatMs: number;
  /** Sockets each beat pings and checks in one go (default BEAT_SLICE, heartbeat.ts). */
  beatSlice?: number;
  /**
   * How long a cabin with a waiting request may stay away (or, after a start of the hub, take to come back): then the
   * request is cancelled, so the queue does not keep an empty cabin.
   */
  waitingGraceMs: number;
  /**
   * The same for a cabin in an active consultation, longer: a cabin's link may drop for minutes and the call goes on
   * when it returns. Then the consultation is marked left ('gone'), so the doctor is told the cabin left rather than
   * "absent"; the doctor may end it at any time meanwhile.
   */
  activeGraceMs: number;
  /** The node's counters for its operators (`/metrics`); none in tests that do not look. */
  metrics?: HubMetrics;
  /**
   * The other hub nodes of a region (issue 14: src/hub/cluster/bus.ts, RedisBus): which node holds each socket, frames
   * for sockets held elsewhere, the queue's changes and revoked sessions. None: a hub alone, everything in this process.
   */
  bus?: ClusterBus;
}

interface Conn extends AuthedSocket {
  name: string;
  bucket: TokenBucket;
  alive: boolean;
  /** When this socket's last call for the assistant went to the doctor. */
  helpAt: number;
  /** A doctor's kept pleth passages and their removals (each up to 16 KiB of samples), beside the general bucket. */
  marks: TokenBucket;
  /**
   * The work of this socket, one piece after the other: the store answers asynchronously (PostgreSQL on another node's
   * pool), and a side's messages must still take effect in the order it sent them (an SDP offer before its ICE
   * candidates, a request before its cancel).
   */
  chain: Promise<void>;
  /**
   * What this socket's next signal waits for: its work in order except report parts and device data (Conn.chain has
   * them all). A report part is a transaction, and hundreds of doctors send theirs at once; a signal relayed from memory
   * need not queue behind them (issue 14: the relay's p99 at each wave of report parts). A signal still follows a
   * claim, a join or a request sent before it.
   */
  lane: Promise<void>;
  /** When it connected (hub ms): presence news older than this, from another node, does not replace it. */
  since: number;
}

/** A patient pressing « Appeler l’assistant » again and again tells the doctor (and the report) once in this time. */
export const HELP_EVERY_MS = 30_000;

/**
 * A doctor's `pleth` and `pleth-unmark`: a burst that lets a reconnected console resend all it kept (MAX_MARKED_PLETH
 * and a few removals), then one every two seconds; past that, `rate-limited` (the console tries again later).
 */
export const MARK_BURST = 25;
export const MARK_PER_S = 0.5;

/** Frames above the protocol limit are closed with 4413 by the hub; `ws` itself cuts off anything beyond this. */
const HARD_FRAME_LIMIT = 4 * HUB_MAX_FRAME_BYTES;
/** A client that lets this much pile up unread is dropped rather than grow the hub's memory. */
const MAX_BUFFERED = 4 * 1024 * 1024;
/** How long close() waits for the work already begun (a transaction on a slow database) before the store closes. */
const CLOSE_WAIT_MS = 5_000;
/** Messages a signal does not wait for (Conn.lane): report parts and device data, each a transaction of its own. */
const DATA: ReadonlySet<ToHub['type']> = new Set(['report', 'device', 'pleth', 'pleth-unmark']);
const other = (role: Role): Role => (role === 'cabin' ? 'doctor' : 'cabin');
const key = (role: Role, id: string) => `${role}:${id}`;

/** The WebSocket side of the hub: authentication on upgrade, the queue, claims, signaling relay and reconnection. */
export class Relay {
  private readonly wss: WebSocketServer;
  /** The current connection of each cabin and doctor. */
  private readonly conns = new Map<string, Conn>();
  private readonly all = new Set<Conn>();
  /** The waiting queue for this node's doctors: whole to each that connects, then each change (queue-feed.ts). */
  private readonly queueFeed: QueueFeed<Conn>;
  /** Pings, drops the silent sockets and checks the sessions, in slices spread over half the interval (heartbeat.ts). */
  private readonly heartbeat: Heartbeat<Conn>;
  /** The cabins away from this node's point of view, and the graces that wait for them (consultation/away.ts). */
  private readonly away: AwayCabins;
  /** Set by close(): late socket events must not touch the store, which closes next. */
  private closing = false;
  private readonly auth: SocketAuth;
  /** The other nodes of the region (cluster/relay-link.ts): who is connected where, messages for their sockets, news. */
  private readonly link: RelayLink<Conn>;
  /** The active consultations signals are relayed for, without a read of the store each (consultation/live.ts). */
  private readonly live: LiveConsultations;
  /**
   * The open consultations of the accounts that connect, and of the cabins that ask for a doctor, read together
   * (batched.ts; each read is asked after the message that needs it, and a request's write is a compare-and-set): when a
   * node dies its thousands of clients come to the others within a second or two, and a burst of requests comes at
   * once; a query each queued behind one another (issue 14).
   */
  private readonly openOf: Record<Role, Batched<Consultation[]>> = {
    cabin: new Batched((ids) => this.o.store.openForMany('cabin', ids), []),
    doctor: new Batched((ids) => this.o.store.openForMany('doctor', ids), []),
  };
  /** Report parts and device data of every socket, a few at a time behind the signaling (backlog.ts). */
  private readonly backlog = new Backlog();

  constructor(private readonly o: RelayOptions) {
    this.live = new LiveConsultations(() => o.clock.now());
    this.queueFeed = new QueueFeed<Conn>({
      store: o.store,
      log: o.log,
      bus: o.bus,
      openOf: (cabinId) => this.openOf.cabin.load(cabinId),
      offlineSince: (cabinId, asked) => (this.link.online('cabin', cabinId) ? undefined : (this.link.awaySince({ role: 'cabin', id: cabinId }) ?? this.away.awaySince(cabinId) ?? asked)),
      send: (d, frame) => this.sendFrame(d, frame),
      open: () => !this.closing,
      onSent: (ms) => o.metrics?.queueUpdate.observe(ms / 1000),
    });
    this.auth = new SocketAuth({ store: o.store, tokens: o.tokens, clock: o.clock, log: o.log.child({ component: 'socket-auth' }), closing: () => this.closing, send: (conn, msg) => this.send(conn, msg) });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: HARD_FRAME_LIMIT,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(HUB_SUBPROTOCOL) ? HUB_SUBPROTOCOL : false),
    });
    this.heartbeat = new Heartbeat<Conn>({
      clock: o.clock,
      intervalMs: o.heartbeatMs,
      ...(o.beatSlice !== undefined && { slice: o.beatSlice }),
      sockets: () => this.all,
      // Not awaited: a slow database does not hold the pings back (checkAll reports its own failures).
      pinged: (alive) => void this.auth.checkAll(alive),
      passed: () => {
        void this.renewTurn();
        void this.link.syncPresence();
      },
      closing: () => this.closing,
    });
    const link = new RelayLink<Conn>({
      bus: o.bus,
      now: () => o.clock.now(),
      log: o.log,
      conns: this.conns,
      send: (c, msg) => this.send(c, msg),
      sendFrame: (c, frame) => this.sendFrame(c, frame),
      closing: () => this.closing,
      replaced: (old, node) => this.replacedElsewhere(old, node),
      cabinBack: (id) => this.away.back(id),
      goneUnheard: (role, id) => this.takeOver(role, id),
      revoked: (sid) => this.closeLocalSession(sid),
      written: (id) => this.live.forget(id),
    });
    this.link = link;
    const away = new AwayCabins({
      clock: o.clock,
      log: o.log,
      waitingGraceMs: o.waitingGraceMs,
      activeGraceMs: o.activeGraceMs,
      online: (p) => link.online(p.role, p.id),
      ...(link.clustered ? { heldSomewhere: (p: Presence) => link.heldSomewhere(p) } : {}),
      run: (cabin, id, input) => this.run(cabin, () => this.o.store.consultation(id), input),
      closing: () => this.closing,
    });
    this.away = away;
    this.swept = (async () => {
      // Who is connected on the other nodes first: their cabins are not taken as away.
      if (link.clustered) await link.syncPresence();
      // Open from before the start: each cabin gets the grace to come back (AwayCabins.sweep).
      const at = Math.floor(o.clock.now());
      away.sweep(await this.o.store.openOfCabins(), at);
    })().catch((err: unknown) => this.o.log.error({ err }, 'failed to look for the consultations left open before the start'));
  }

  /** Resolves once the sweep of the consultations left open before this start is done (tests wait for it). */
  readonly swept: Promise<void>;

  /** Verifies the token carried as a subprotocol; a missing, forged or expired one gets HTTP 401 and no socket. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    void this.auth.admit(req, socket).then((claims) => {
      if (!claims) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          this.connected(ws, claims);
        } catch (err) {
          // A store failure (disk full, locked) must not take the hub down: this client retries.
          this.o.log.error({ err, role: claims.role, id: claims.sub }, 'failed to set up the connection');
          ws.close(1011, 'The hub failed to set up this connection: try again.');
        }
      });
    });
  }

  /** Open sockets by role (for `/metrics`). */
  socketCounts(): { cabin: number; doctor: number } {
    return { cabin: this.all.size - this.doctorSockets(), doctor: this.doctorSockets() };
  }

  private doctorSockets(): number {
    let n = 0;
    for (const c of this.all) if (c.role === 'doctor') n++;
    return n;
  }

  /** Whether the relay takes connections (not closing): `/readyz`. */
  get accepting(): boolean {
    return !this.closing;
  }

  /**
   * Stops taking work and closes every socket; resolves when the work already begun (a message's transaction) has
   * settled, at most CLOSE_WAIT_MS later, so the store is closed after it and not under it.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.heartbeat.stop();
    this.away.close();
    // The sockets' entries in the region's presence go at once, without news (RelayLink.releaseAll).
    const begun: Promise<unknown>[] = [...[...this.all].map((c) => c.chain), ...this.link.releaseAll()];
    for (const c of this.all) {
      this.o.clock.clearTimeout(c.expiryTimer);
      c.ws.terminate();
    }
    this.all.clear();
    this.conns.clear();
    this.wss.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(begun), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /**
   * Closes the sockets of a session that ended in this process (logout), at once, and on every other node of the
   * region (the `revoke` news). If the news is lost (Redis away), the other nodes close them at their heartbeat, which
   * asks the store.
   */
  closeSession(sid: string): void {
    this.closeLocalSession(sid);
    this.link.tellRevoked(sid);
  }

  private closeLocalSession(sid: string): void {
    for (const c of this.all) if (c.sid === sid && c.ws.readyState === WebSocket.OPEN) c.ws.close(HUB_CLOSE.badToken, SESSION_ENDED);
  }

  /**
   * An account gone from another node without news from it (RelayLink.presenceChanged): a cabin shows offline in the
   * queue and its graces are taken over here; this node's sockets on the other side of its active consultations are
   * told their peer is away.
   */
  private takeOver(role: Role, id: string): void {
    if (role === 'cabin') this.queueFeed.changedHere();
    void (async () => {
      for (const c of await this.o.store.openFor(role, id)) {
        if (role === 'cabin') this.away.graceFor(c, { role: 'cabin', id, name: c.cabinName }, false);
        const peer = c.state === 'active' ? this.side(c, other(role)) : undefined;
        const here = peer && this.conns.get(key(peer.role, peer.id));
        if (peer && here) this.send(here, { type: 'consultation', consultation: this.view(c, peer.role) });
      }
    })().catch((err: unknown) => this.o.log.error({ err, role, id }, 'failed to take over after a node that is gone'));
  }

  /** The account of `old` connected on another node after `old` did here (RelayLink.heardPresence). */
  private replacedElsewhere(old: Conn, node: string): void {
    // Out of the maps first: its close is a replacement, not a departure (disconnected() returns early).
    this.conns.delete(key(old.role, old.id));
    this.queueFeed.leave(old);
    this.o.log.info({ role: old.role, id: old.id, node }, 'replaced by a connection on another node');
    old.ws.close(HUB_CLOSE.replaced, 'Replaced by a newer connection of the same account.');
  }

  private connected(ws: WebSocket, claims: VerifiedClaims): void {
    const conn: Conn = {
      ws,
      role: claims.role,
      id: claims.sub,
      name: claims.name,
      sid: claims.sid,
      exp: claims.exp,
      expiryTimer: undefined,
      bucket: new TokenBucket(60, 20),
      alive: true,
      helpAt: -Infinity,
      marks: new TokenBucket(MARK_BURST, MARK_PER_S),
      chain: Promise.resolve(),
      lane: Promise.resolve(),
      since: Math.floor(this.o.clock.now()),
    };
    this.auth.arm(conn);
    const k = key(conn.role, conn.id);
    const me: Presence = { role: conn.role, id: conn.id };
    const movedHere = this.link.movedHere(me);
    const old = this.conns.get(k);
    this.conns.set(k, conn);
    this.all.add(conn);
    if (old) this.queueFeed.leave(old);
    if (conn.role === 'doctor') this.queueFeed.join(conn);
    if (conn.role === 'cabin') this.away.back(conn.id);
    if (old) old.ws.close(HUB_CLOSE.replaced, 'Replaced by a newer connection of the same account.');
    this.o.log.info({ role: conn.role, id: conn.id, replaced: Boolean(old) }, 'connected');
    ws.on('pong', () => (conn.alive = true));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => this.message(conn, data, isBinary));
    ws.on('close', (code) => {
      this.disconnected(conn, code).catch((err: unknown) => {
        this.o.log.error({ err, role: conn.role, id: conn.id }, 'failed to record the departure');
      });
    });

    this.send(conn, { type: 'hello', role: conn.role, id: conn.id, name: conn.name });
    this.send(conn, { type: 'authenticated', expiresIn: this.auth.expiresIn(conn) });
    this.serial(conn, async () => {
      // Claimed first (RelayLink.claim): what the other nodes send this account from now on comes here.
      if (this.link.clustered) await this.link.claim(me);
      for (const c of await this.openOf[conn.role].load(conn.id)) {
        await this.run(conn, () => this.o.store.consultation(c.id), { type: 'connected', wasAway: movedHere || this.away.sideWasAway(c.id, conn.role) });
      }
    }).catch((err: unknown) => {
      // A store failure (disk full, database down) must not take the hub down: this client retries.
      this.o.log.error({ err, role: conn.role, id: conn.id }, 'failed to set up the connection');
      if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(1011, 'The hub failed to set up this connection: try again.');
    });
  }

  /**
   * Runs `work` after everything this socket asked before it (Conn.chain), or for a signal after everything but the
   * data parts (Conn.lane); its failure is the caller's to handle. `data`: a report part or device data, which signals
   * do not wait for; everything after it (an end) still does. Data work also waits for its place in the node's
   * Backlog, behind the sockets' signaling.
   */
  private serial(conn: Conn, work: () => Promise<void>, kind: 'signal' | 'data' | 'other' = 'other'): Promise<void> {
    const done = kind === 'signal' ? conn.lane.then(work) : kind === 'data' ? conn.chain.then(() => this.backlog.run(work)) : conn.chain.then(work);
    const settled = done.catch(() => undefined);
    if (kind === 'signal') {
      const before = conn.chain;
      conn.chain = Promise.all([before, settled]).then(() => undefined);
      conn.lane = settled;
    } else {
      conn.chain = settled;
      if (kind === 'other') conn.lane = settled;
    }
    return done;
  }

  private async disconnected(conn: Conn, code: number): Promise<void> {
    this.all.delete(conn);
    this.o.clock.clearTimeout(conn.expiryTimer);
    if (this.closing) return;
    const k = key(conn.role, conn.id);
    if (this.conns.get(k) !== conn) return; // replaced: the newer connection carries on
    this.conns.delete(k);
    this.queueFeed.leave(conn);
    if (conn.role === 'cabin') this.away.left(conn.id);
    this.o.log.info({ role: conn.role, id: conn.id, code }, 'disconnected');
    await this.serial(conn, async () => {
      // A newer socket of the account on this node already holds its presence. Already back on another node (its news
      // not heard here yet): that node carries on, nothing is away. Else this node runs the graces itself, below.
      if (this.link.clustered && !this.conns.has(k) && (await this.link.release({ role: conn.role, id: conn.id }))) return;
      for (const c of await this.o.store.openFor(conn.role, conn.id)) await this.run(conn, () => this.o.store.consultation(c.id), { type: 'disconnected', code });
    });
  }

  private message(conn: Conn, data: RawData, isBinary: boolean): void {
    if (this.closing || conn.ws.readyState !== WebSocket.OPEN) return;
    const metrics = this.o.metrics;
    if (!conn.bucket.take()) {
      metrics?.errors.inc({ code: 'closed-rate' });
      return conn.ws.close(HUB_CLOSE.rate, 'Too many messages.');
    }
    const frame = readFrame(data, isBinary);
    if ('close' in frame) {
      metrics?.errors.inc({ code: `closed-${frame.close.code}` });
      return conn.ws.close(frame.close.code, frame.close.reason);
    }
    metrics?.messages.inc({ role: conn.role, type: frame.ok ? frame.message.type : 'invalid' });
    if (!frame.ok) return this.send(conn, { type: 'error', code: 'invalid-message', message: frame.error });
    const m = frame.message;
    const kind = m.type === 'signal' ? 'signal' : DATA.has(m.type) ? 'data' : 'other';
    this.serial(conn, () => this.handle(conn, m), kind).catch((err: unknown) => {
      this.o.log.error({ err, type: m.type, role: conn.role, id: conn.id }, 'failed to handle a message');
      const ref = 'ref' in m ? m.ref : undefined;
      this.send(conn, { type: 'error', ref, code: 'internal', message: 'The hub failed to handle this message: try again.' });
    });
  }

  private async handle(conn: Conn, m: ToHub): Promise<void> {
    // The hub closing while this waited its turn: the store closes next. A socket closed meanwhile still has its say
    // (an `end` sent just before the console's tab closed), in the order it was sent, before its departure.
    if (this.closing) return;
    switch (m.type) {
      case 'ping':
        return this.send(conn, { type: 'pong', ...(m.n !== undefined && { n: m.n }) });
      case 'queue-resync':
        if (conn.role !== 'doctor') return this.send(conn, { type: 'error', code: 'forbidden', message: 'Only a doctor sends "queue-resync".' });
        // Whole with the next edition (shared by every doctor who asks in the same turn: one read of the queue).
        if (this.conns.get(key(conn.role, conn.id)) === conn) this.queueFeed.join(conn);
        return;
      case 'probe': {
        if (conn.role !== 'cabin') return this.send(conn, { type: 'error', ref: m.ref, code: 'forbidden', message: 'Only a cabin may send "probe".' });
        const probe = this.o.iceServers.probe(conn.id);
        if (!probe) return this.send(conn, { type: 'error', ref: m.ref, code: 'rate-limited', message: 'Network checks are limited per cabin: try again in a minute.' });
        return this.send(conn, { type: 'probe', ref: m.ref, ...probe });
      }
      case 'auth':
        return void this.auth.reauth(conn, m.token).catch((err: unknown) => {
          this.o.log.error({ err, role: conn.role, id: conn.id }, 'failed to handle an auth');
        });
      case 'help': {
        const now = this.o.clock.now();
        if (now - conn.helpAt < HELP_EVERY_MS) return;
        conn.helpAt = now;
        return this.run(conn, () => this.o.store.consultation(m.consultationId), m, conn);
      }
      case 'request':
        if (conn.role === 'cabin') await this.queueFeed.noteNetCheck(conn.id, m.netcheck);
        return this.run(conn, async () => (conn.role === 'cabin' ? ((await this.openOf.cabin.load(conn.id))[0] ?? null) : null), m, conn);
      case 'report': {
        // A cabin delivers its outbox to its own consultation's report, even after the visit (cabin-report.ts).
        if (conn.role !== 'cabin') return this.run(conn, () => this.o.store.consultation(m.consultationId), m, conn);
        const answer = await cabinReport(this.o.store, conn.id, m);
        return answer ? this.send(conn, answer) : undefined;
      }
      case 'patient': {
        // A cabin files its own consultation's patient identity (cabin-patient.ts); its doctor is told to read it again.
        if (conn.role !== 'cabin') return this.send(conn, { type: 'error', ref: m.ref, code: 'forbidden', message: 'Only a cabin sends "patient": a doctor files the identity with PUT /api/consultations/:id/patient.' });
        const { answer, doctor } = await cabinPatient(this.o.store, conn.id, m);
        this.send(conn, answer);
        if (doctor) await this.link.sendTo({ role: 'doctor', id: doctor.id }, doctor.message);
        return;
      }
      case 'device':
      case 'pleth': {
        // A doctor keeps a passage of the live pleth in their own consultation (cabin-devices.ts); only `pleth`.
        if (conn.role === 'doctor' && m.type === 'pleth') return this.doctorPleth(conn, m);
        // A cabin describes its visit's devices for its own consultation's report (cabin-devices.ts).
        if (conn.role !== 'cabin') return this.send(conn, { type: 'error', ref: m.ref, code: 'forbidden', message: `Only a cabin sends "${m.type}".` });
        const answer = await cabinDevices(this.o.store, conn.id, m);
        return answer ? this.send(conn, answer) : undefined;
      }
      case 'pleth-unmark':
        if (conn.role !== 'doctor') return this.send(conn, { type: 'error', ref: m.ref, code: 'forbidden', message: 'Only a doctor sends "pleth-unmark".' });
        return this.doctorPleth(conn, m);
      case 'signal':
        // Most of a call's messages: decided on the consultation as this node remembers it (consultation/live.ts).
        return this.run(conn, () => this.live.read(m.consultationId, (id) => this.o.store.consultation(id)), m, conn);
      default:
        return this.run(conn, () => this.o.store.consultation(m.consultationId), m, conn);
    }
  }

  /** A doctor's kept pleth passage or its removal, within the doctor's own rate for them. */
  private async doctorPleth(conn: Conn, m: Extract<ToHub, { type: 'pleth' | 'pleth-unmark' }>): Promise<void> {
    if (!conn.marks.take()) return this.send(conn, { type: 'error', ref: m.ref, code: 'rate-limited', message: 'Too many passages of the pleth kept or removed in a short time: try again in a few seconds.' });
    const answer = await doctorPleth(this.o.store, conn.id, m);
    return answer ? this.send(conn, answer) : undefined;
  }

  /** The lifecycle's I/O: read, decide (transition), write (compare-and-set), then effects and replies. */
  private async run(actor: Actor, read: () => Promise<Consultation | null>, input: Input, sender?: Conn, again = false): Promise<void> {
    const ctx = { now: Math.floor(this.o.clock.now()), newId: randomUUID, cabinOnline: (id: string) => this.link.online('cabin', id) };
    const { prev, out, answers } = await settle(this.o.store, read, (c) => transition(c, actor, input, ctx));
    if (out.next) this.changed(out.next.id);
    // A transition that wrote reads the row back (its names joined); a signal relayed as is needs no second read.
    const c = out.next ? ((await this.o.store.consultation(out.next.id)) ?? out.next) : prev;
    if (this.o.metrics) this.count(actor, input, prev, out.next);
    if (c) for (const e of out.effects) this.effect(c, actor, e);
    await this.deliver(c, out.replies, sender);
    for (const answer of answers) await this.run(actor, async () => c, answer, sender);
    // Once: what is stored now no longer asks for it (a request after leaving the previous visit's consultation).
    if (out.effects.some((e) => e.kind === 'again') && !again) await this.run(actor, read, input, sender, true);
  }

  /** A consultation's state was written here: forgotten here at once, and on the other nodes when they hear it. */
  private changed(id: string): void {
    this.live.forget(id);
    this.link.tellWritten(id);
  }

  /** A transition's outcome in the node's metrics: claims (and how long the patient waited), ends. */
  private count(actor: Actor, input: Input, prev: Consultation | null, next: Consultation | null | undefined): void {
    const m = this.o.metrics!;
    if (input.type === 'claim') {
      const won = next?.state === 'active' && next.doctorId === actor.id && prev?.state === 'waiting';
      m.claims.inc({ outcome: won ? 'won' : 'lost' });
      if (won && next.claimedAt !== null) m.waited.observe(Math.max(0, (next.claimedAt - next.createdAt) / 1000));
    }
    if (next && next.state !== prev?.state && (next.state === 'ended' || next.state === 'cancelled')) m.ended.inc({ state: next.state });
  }

  private effect(c: Consultation, actor: Actor, e: Effect): void {
    switch (e.kind) {
      case 'away':
        return this.away.sideAway(c.id, e.role);
      case 'back':
        return this.away.sideBack(c.id, e.role);
      case 'closed':
        this.away.closed(c.id);
        return this.o.iceServers.forget(c.id);
      case 'abandon-later':
        return this.away.graceFor(c, actor, false);
      case 'again':
        return;
      case 'log':
        return this.o.log.info(e.message);
    }
  }

  /**
   * The replies of a transition, in order: to a socket of this node at once, to one another node holds through that
   * node (awaited, so a side's signals reach the other side in the order it sent them).
   */
  private async deliver(c: Consultation | null, replies: Reply[], sender: Conn | undefined): Promise<void> {
    for (const r of replies) {
      if (r.to === 'doctors') {
        this.queueFeed.changed();
        continue;
      }
      if (r.to === 'sender') {
        if (sender && 'message' in r) this.send(sender, r.message);
        continue;
      }
      const id = c ? (r.to === 'cabin' ? c.cabinId : c.doctorId) : null;
      if (!c || id === null) continue;
      const msg: FromHub = 'message' in r ? r.message : { type: 'consultation', ref: r.ref, consultation: this.view(c, r.to) };
      if (await this.link.sendTo({ role: r.to, id }, msg) && msg.type === 'signal') this.o.metrics?.relayed.inc();
    }
  }

  /** The account of one side of the consultation, if any; a cabin that left it (its patient went home) hears no more. */
  private side(c: Consultation, role: Role): Presence | undefined {
    const id = role === 'cabin' ? (c.cabinLeftAt === null ? c.cabinId : null) : c.doctorId;
    return id === null ? undefined : { role, id };
  }

  /** Whether that side is connected, on this node or another. */
  private present(c: Consultation, role: Role): boolean {
    const s = this.side(c, role);
    return s !== undefined && this.link.online(s.role, s.id);
  }

  private view(c: Consultation, role: Role): ConsultationView {
    return viewOf(c, role, { peerPresent: this.present(c, other(role)), iceServers: this.o.iceServers.for(c, role), relayOnly: this.o.iceServers.relayOnly });
  }

  /** Heartbeat: credentials about to expire are renewed and the consultation is sent again to that side. */
  private async renewTurn(): Promise<void> {
    if (this.closing) return;
    for (const { consultationId, role } of this.o.iceServers.takeStale()) {
      try {
        const c = await this.o.store.consultation(consultationId);
        if (!c || c.state !== 'active') continue;
        // A side that is away gets fresh ones when it comes back; one on another node through it.
        const side = this.side(c, role);
        if (side && this.link.online(side.role, side.id)) await this.link.sendTo(side, { type: 'consultation', consultation: this.view(c, role) });
      } catch (err) {
        this.o.log.error({ err, consultation: consultationId }, 'failed to renew the TURN credentials');
      }
    }
  }

  private send(conn: { ws: WebSocket }, msg: FromHub): void {
    if (msg.type === 'error') this.o.metrics?.errors.inc({ code: msg.code });
    this.sendFrame(conn, JSON.stringify(msg));
  }

  /** A text frame already serialised (one for many recipients), unless the socket is closed or too far behind. */
  private sendFrame(conn: { ws: WebSocket }, frame: string | Buffer): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (conn.ws.bufferedAmount > MAX_BUFFERED) return conn.ws.terminate();
    conn.ws.send(frame, { binary: false });
  }
}
