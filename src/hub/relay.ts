import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import {
  HUB_CLOSE,
  HUB_MAX_FRAME_BYTES,
  HUB_SUBPROTOCOL,
  parseFrame,
  ToHubSchema,
  type ConsultationView,
  type FromHub,
  type Role,
  type ToHub,
} from '../shared/hub-protocol.ts';
import { TokenBucket } from './limits.ts';
import { SESSION_ENDED, SocketAuth, type AuthedSocket } from './socket-auth.ts';
import type { IceServers } from './ice.ts';
import { MAX_REPORT_READINGS, type Consultation, type HubStore } from './store.ts';
import type { Tokens, VerifiedClaims } from './tokens.ts';

export interface RelayOptions {
  store: HubStore;
  tokens: Tokens;
  now: () => number;
  iceServers: IceServers;
  log: (line: string) => void;
  heartbeatMs: number;
  /** A waiting request whose cabin stays away this long is cancelled, so no doctor claims an empty cabin. */
  waitingGraceMs: number;
}

interface Conn extends AuthedSocket {
  name: string;
  bucket: TokenBucket;
  alive: boolean;
}

/** Frames above the protocol limit are closed with 4413 by the hub; `ws` itself cuts off anything beyond this. */
const HARD_FRAME_LIMIT = 4 * HUB_MAX_FRAME_BYTES;
/** A client that lets this much pile up unread is dropped rather than grow the hub's memory. */
const MAX_BUFFERED = 4 * 1024 * 1024;
/** Close reasons (at most 123 bytes). */

const other = (role: Role): Role => (role === 'cabin' ? 'doctor' : 'cabin');
const key = (role: Role, id: string) => `${role}:${id}`;

/** The WebSocket side of the hub: authentication on upgrade, the queue, claims, signaling relay and reconnection. */
export class Relay {
  private readonly wss: WebSocketServer;
  /** The current connection of each cabin and doctor. */
  private readonly conns = new Map<string, Conn>();
  private readonly all = new Set<Conn>();
  /** `consultationId:role` of sides that dropped out of an active consultation, to record their return. */
  private readonly away = new Set<string>();
  private readonly heartbeat: NodeJS.Timeout;
  /** Cancellation timers of waiting requests whose cabin is away, by cabin id. */
  private readonly abandon = new Map<string, NodeJS.Timeout>();
  /** Set by close(): late socket events must not touch the store, which closes next. */
  private closing = false;
  private readonly auth: SocketAuth;

  constructor(private readonly o: RelayOptions) {
    this.auth = new SocketAuth({ store: o.store, tokens: o.tokens, now: o.now, log: o.log, closing: () => this.closing, send: (conn, msg) => this.send(conn, msg) });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: HARD_FRAME_LIMIT,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(HUB_SUBPROTOCOL) ? HUB_SUBPROTOCOL : false),
    });
    this.heartbeat = setInterval(() => {
      for (const c of this.all) {
        if (!c.alive) c.ws.terminate();
        else {
          c.alive = false;
          c.ws.ping();
          // Sessions end in other processes too (the CLI disables an account): the store is the truth.
          this.auth.check(c, true);
        }
      }
      this.renewTurn();
    }, o.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Verifies the token carried as a subprotocol; a missing, forged or expired one gets HTTP 401 and no socket. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    void this.auth.admit(req, socket).then((claims) => {
      if (!claims) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          this.connected(ws, claims);
        } catch (err) {
          // A store failure (disk full, locked) must not take the hub down: this client retries.
          this.o.log(`hub: failed to set up the connection of ${claims.role} ${claims.sub}: ${err instanceof Error ? err.message : String(err)}`);
          ws.close(1011, 'The hub failed to set up this connection: try again.');
        }
      });
    });
  }

  close(): void {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const timer of this.abandon.values()) clearTimeout(timer);
    for (const c of this.all) {
      clearTimeout(c.expiryTimer);
      c.ws.terminate();
    }
    this.all.clear();
    this.conns.clear();
    this.wss.close();
  }

  /** Closes the sockets of a session that ended in this process (logout), at once. */
  closeSession(sid: string): void {
    for (const c of this.all) if (c.sid === sid && c.ws.readyState === WebSocket.OPEN) c.ws.close(HUB_CLOSE.badToken, SESSION_ENDED);
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
    };
    this.auth.arm(conn);
    const k = key(conn.role, conn.id);
    const old = this.conns.get(k);
    this.conns.set(k, conn);
    this.all.add(conn);
    if (conn.role === 'cabin') {
      clearTimeout(this.abandon.get(conn.id));
      this.abandon.delete(conn.id);
    }
    if (old) old.ws.close(HUB_CLOSE.replaced, 'Replaced by a newer connection of the same account.');
    this.o.log(`hub: ${conn.role} ${conn.id} connected${old ? ' (replacing its previous connection)' : ''}`);
    ws.on('pong', () => (conn.alive = true));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => this.message(conn, data, isBinary));
    ws.on('close', (code) => {
      try {
        this.disconnected(conn, code);
      } catch (err) {
        this.o.log(`hub: failed to record the departure of ${conn.role} ${conn.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });

    this.send(conn, { type: 'hello', role: conn.role, id: conn.id, name: conn.name });
    this.send(conn, { type: 'authenticated', expiresIn: this.auth.expiresIn(conn) });
    if (conn.role === 'doctor') this.send(conn, { type: 'queue', items: this.o.store.queue() });
    for (const c of this.o.store.openFor(conn.role, conn.id)) {
      if (c.state === 'active' && this.away.delete(`${c.id}:${conn.role}`)) this.o.store.addIncident(c.id, 'hub', `${conn.role} reconnected`);
      this.push(c);
    }
  }

  private disconnected(conn: Conn, code: number): void {
    this.all.delete(conn);
    clearTimeout(conn.expiryTimer);
    if (this.closing) return;
    const k = key(conn.role, conn.id);
    if (this.conns.get(k) !== conn) return; // replaced: the newer connection carries on
    this.conns.delete(k);
    this.o.log(`hub: ${conn.role} ${conn.id} disconnected (${code})`);
    for (const c of this.o.store.openFor(conn.role, conn.id)) {
      if (c.state === 'waiting') this.abandonLater(c.id, conn.id);
      if (c.state !== 'active') continue;
      this.away.add(`${c.id}:${conn.role}`);
      this.o.store.addIncident(c.id, 'hub', `${conn.role} disconnected (WebSocket code ${code})`);
      this.push(c);
    }
  }

  private message(conn: Conn, data: RawData, isBinary: boolean): void {
    if (this.closing || conn.ws.readyState !== WebSocket.OPEN) return;
    if (!conn.bucket.take()) return conn.ws.close(HUB_CLOSE.rate, 'Too many messages.');
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
    if (bytes > HUB_MAX_FRAME_BYTES) return conn.ws.close(HUB_CLOSE.size, `Messages are limited to ${HUB_MAX_FRAME_BYTES} bytes.`);
    if (isBinary) return this.send(conn, { type: 'error', code: 'invalid-message', message: 'The hub accepts JSON text messages only.' });
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
    const parsed = parseFrame(ToHubSchema, text);
    if (!parsed.ok) return this.send(conn, { type: 'error', code: 'invalid-message', message: parsed.error });
    try {
      this.handle(conn, parsed.value);
    } catch (err) {
      this.o.log(`hub: failed to handle a ${parsed.value.type} from ${conn.role} ${conn.id}: ${err instanceof Error ? err.message : String(err)}`);
      const ref = 'ref' in parsed.value ? parsed.value.ref : undefined;
      this.send(conn, { type: 'error', ref, code: 'internal', message: 'The hub failed to handle this message: try again.' });
    }
  }

  private handle(conn: Conn, m: ToHub): void {
    const ref = 'ref' in m ? m.ref : undefined;
    const fail = (code: string, message: string) => this.send(conn, { type: 'error', ref, code, message });
    const only = (role: Role) => conn.role === role || (fail('forbidden', `Only a ${role} may send "${m.type}".`), false);
    /** The consultation if this client is a side of it; otherwise answers the error and returns null. */
    const mine = (id: string): Consultation | null => {
      const c = this.o.store.consultation(id);
      if (!c) return fail('not-found', 'There is no such consultation.'), null;
      if ((conn.role === 'cabin' ? c.cabinId : c.doctorId) !== conn.id) return fail('forbidden', 'This consultation is not yours.'), null;
      if (conn.role === 'cabin' && c.cabinLeftAt !== null && m.type !== 'cancel') return fail('not-active', 'The cabin left this consultation.'), null;
      return c;
    };
    const closedAnswer = (c: Consultation) =>
      this.send(conn, { type: 'ended', ref, consultationId: c.id, reason: c.state === 'ended' ? 'ended' : 'cancelled' });

    switch (m.type) {
      case 'ping':
        return this.send(conn, { type: 'pong' });
      case 'auth':
        return void this.auth.reauth(conn, m.token).catch((err: unknown) => {
          this.o.log(`hub: failed to handle an auth from ${conn.role} ${conn.id}: ${err instanceof Error ? err.message : String(err)}`);
        });
      case 'request': {
        if (!only('cabin')) return;
        const { consultation, created } = this.o.store.requestConsultation(conn.id, m.language);
        this.send(conn, { type: 'consultation', ref, consultation: this.view(consultation, 'cabin') });
        if (created) {
          this.o.log(`hub: consultation ${consultation.id} requested by cabin ${conn.id}`);
          this.broadcastQueue();
        }
        return;
      }
      case 'claim': {
        if (!only('doctor')) return;
        const before = this.o.store.consultation(m.consultationId);
        if (!before) return fail('not-found', 'There is no such consultation.');
        if (this.o.store.claim(m.consultationId, conn.id)) {
          this.o.log(`hub: consultation ${m.consultationId} claimed by doctor ${conn.id}`);
          this.push(this.o.store.consultation(m.consultationId)!, conn, ref);
          return this.broadcastQueue();
        }
        const now = this.o.store.consultation(m.consultationId)!;
        if (now.state === 'active' && now.doctorId === conn.id) return this.send(conn, { type: 'consultation', ref, consultation: this.view(now, 'doctor') });
        if (now.state === 'active' || now.state === 'ended') return fail('already-claimed', 'Another doctor took this consultation.');
        return fail('not-waiting', 'The patient left before a doctor came.');
      }
      case 'join': {
        const c = mine(m.consultationId);
        if (!c) return;
        if (c.state === 'ended' || c.state === 'cancelled') return closedAnswer(c);
        return this.send(conn, { type: 'consultation', ref, consultation: this.view(c, conn.role) });
      }
      case 'signal': {
        const c = mine(m.consultationId);
        if (!c) return;
        if (c.state !== 'active') return fail('not-active', 'This consultation is not in progress.');
        // Dropped when the peer is away: both sides say hello again when they come back.
        const peer = this.peer(c, conn.role);
        if (peer) this.send(peer, { type: 'signal', consultationId: c.id, data: m.data });
        return;
      }
      case 'incident': {
        const c = mine(m.consultationId);
        if (!c) return;
        if (c.state !== 'active' && c.state !== 'waiting') return fail('not-active', 'This consultation is over.');
        return this.o.store.addIncident(c.id, conn.role, m.detail);
      }
      case 'cancel': {
        const c = mine(m.consultationId);
        if (!c) return;
        if (c.state === 'ended' || c.state === 'cancelled' || (conn.role === 'cabin' && c.cabinLeftAt !== null)) return closedAnswer({ ...c, state: c.state === 'ended' ? 'ended' : 'cancelled' });
        if (!(conn.role === 'cabin' && c.state === 'active')) this.o.store.cancel(c.id);
        this.o.log(`hub: consultation ${c.id} ${conn.role === 'cabin' && c.state === 'active' ? 'left' : 'cancelled'} by ${conn.role} ${conn.id}`);
        if (c.state === 'waiting') {
          closedAnswer({ ...c, state: 'cancelled' });
          return this.broadcastQueue();
        }
        if (conn.role === 'cabin') {
          // The patient went home: the doctor keeps the consultation to finish the notes and save the report.
          this.o.store.cabinLeft(c.id);
          this.o.store.addIncident(c.id, 'hub', 'the patient left the cabin');
          this.send(conn, { type: 'ended', ref, consultationId: c.id, reason: 'cancelled' });
          const doctor = c.doctorId !== null ? this.conns.get(key('doctor', c.doctorId)) : undefined;
          if (doctor) this.send(doctor, { type: 'consultation', consultation: this.view(this.o.store.consultation(c.id)!, 'doctor') });
          return;
        }
        this.o.store.addIncident(c.id, 'hub', `cancelled by the ${conn.role}`);
        return this.closeBoth(c, 'cancelled', conn, ref);
      }
      case 'report': {
        if (!only('doctor')) return;
        const c = mine(m.consultationId);
        if (!c) return;
        if (c.state !== 'active') return fail('not-active', 'This consultation is over.');
        const stored = this.o.store.addReadings(c.id, m.readings);
        if (stored === null) return fail('not-active', 'This consultation is over.');
        // Not `reported`: the console must not tell the cabin these readings are safe (its outbox keeps them).
        if (stored.refused > 0) return fail('report-full', `The report already holds ${MAX_REPORT_READINGS} readings: ${stored.refused} of this part were not stored.`);
        if (m.ref !== undefined) this.send(conn, { type: 'reported', ref: m.ref, consultationId: c.id, count: stored.added });
        return;
      }
      case 'end': {
        if (!only('doctor')) return;
        const c = mine(m.consultationId);
        if (!c) return;
        if (c.state !== 'active') return closedAnswer(c);
        this.o.store.end(c.id, { notes: m.notes, readings: m.readings });
        this.o.log(`hub: consultation ${c.id} ended by doctor ${conn.id}`);
        return this.closeBoth(c, 'ended', conn, ref);
      }
    }
  }

  private abandonLater(consultationId: string, cabinId: string): void {
    const timer = setTimeout(() => {
      this.abandon.delete(cabinId);
      try {
        // Only while still waiting: a doctor may have claimed it meanwhile.
        if (this.closing || this.o.store.consultation(consultationId)?.state !== 'waiting' || !this.o.store.cancel(consultationId)) return;
        this.o.store.addIncident(consultationId, 'hub', 'cancelled: the cabin left the queue');
        this.o.log(`hub: consultation ${consultationId} cancelled, cabin ${cabinId} gone while waiting`);
        this.broadcastQueue();
      } catch (err) {
        this.o.log(`hub: failed to drop the waiting request ${consultationId}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, this.o.waitingGraceMs);
    timer.unref();
    this.abandon.set(cabinId, timer);
  }

  private closeBoth(c: Consultation, reason: 'ended' | 'cancelled', from: Conn, ref: string | undefined): void {
    this.away.delete(`${c.id}:cabin`);
    this.away.delete(`${c.id}:doctor`);
    this.o.iceServers.forget(c.id);
    const cabin = c.cabinLeftAt === null ? this.conns.get(key('cabin', c.cabinId)) : undefined;
    for (const side of [cabin, c.doctorId ? this.conns.get(key('doctor', c.doctorId)) : undefined]) {
      if (side) this.send(side, { type: 'ended', ref: side === from ? ref : undefined, consultationId: c.id, reason });
    }
  }

  private peer(c: Consultation, role: Role): Conn | undefined {
    if (role === 'doctor' && c.cabinLeftAt !== null) return undefined;
    const id = role === 'cabin' ? c.doctorId : c.cabinId;
    return id === null ? undefined : this.conns.get(key(other(role), id));
  }

  /** The connection of one side of the consultation; a cabin that left it (its patient went home) hears no more. */
  private side(c: Consultation, role: Role): Conn | undefined {
    if (role === 'cabin') return c.cabinLeftAt === null ? this.conns.get(key('cabin', c.cabinId)) : undefined;
    return c.doctorId !== null ? this.conns.get(key('doctor', c.doctorId)) : undefined;
  }

  /** Sends each connected side its own view of the consultation; `ref` goes to the one that asked. */
  private push(c: Consultation, from?: Conn, ref?: string): void {
    const cabin = this.side(c, 'cabin');
    const doctor = this.side(c, 'doctor');
    if (cabin) this.send(cabin, { type: 'consultation', ref: cabin === from ? ref : undefined, consultation: this.view(c, 'cabin') });
    if (doctor) this.send(doctor, { type: 'consultation', ref: doctor === from ? ref : undefined, consultation: this.view(c, 'doctor') });
  }

  private view(c: Consultation, role: Role): ConsultationView {
    return {
      consultationId: c.id,
      state: c.state,
      cabinId: c.cabinId,
      cabinName: c.cabinName,
      doctorId: c.doctorId,
      doctorName: c.doctorName,
      language: c.language,
      createdAt: c.createdAt,
      claimedAt: c.claimedAt,
      peerPresent: this.peer(c, role) !== undefined,
      polite: role === 'doctor',
      iceServers: this.o.iceServers.for(c, role),
      ...(this.o.iceServers.relayOnly ? { iceTransportPolicy: 'relay' as const } : {}),
    };
  }

  /** Heartbeat: credentials about to expire are renewed and the consultation is sent again to that side. */
  private renewTurn(): void {
    if (this.closing) return;
    for (const { consultationId, role } of this.o.iceServers.takeStale()) {
      try {
        const c = this.o.store.consultation(consultationId);
        if (!c || c.state !== 'active') continue;
        // A side that is away gets fresh ones when it comes back.
        const side = this.side(c, role);
        if (side) this.send(side, { type: 'consultation', consultation: this.view(c, role) });
      } catch (err) {
        this.o.log(`hub: failed to renew the TURN credentials of ${consultationId}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private broadcastQueue(): void {
    const msg: FromHub = { type: 'queue', items: this.o.store.queue() };
    for (const c of this.conns.values()) if (c.role === 'doctor') this.send(c, msg);
  }

  private send(conn: { ws: WebSocket }, msg: FromHub): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (conn.ws.bufferedAmount > MAX_BUFFERED) return conn.ws.terminate();
    conn.ws.send(JSON.stringify(msg));
  }
}
