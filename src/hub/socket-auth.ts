import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { BEARER_PREFIX, HUB_CLOSE, HUB_SUBPROTOCOL, type FromHub, type Role } from '../shared/hub-protocol.ts';
import { Batched } from './batched.ts';
import type { HubStore } from './store.ts';
import type { Tokens, VerifiedClaims } from './tokens.ts';
import type { Logger } from '../server/log.ts';
import { unrefTimer, type Clock, type TimerHandle } from '../shared/clock.ts';

const TOKEN_EXPIRED = 'The token expired: send a fresh one with auth before it does.';
export const SESSION_ENDED = 'The session ended (logout, account disabled or 12 h old): log in again.';
const BAD_AUTH = 'The token is invalid, expired or of another account: log in again.';

/** What the token lifetime of an open socket needs to know of it. */
export interface AuthedSocket {
  ws: WebSocket;
  role: Role;
  id: string;
  /** The session and expiry (unix s) of the last token this socket presented (on upgrade or with `auth`). */
  sid: string;
  exp: number;
  expiryTimer: TimerHandle | undefined;
}

export interface SocketAuthOptions {
  store: HubStore;
  tokens: Tokens;
  clock: Clock;
  log: Logger;
  /** The relay is closing: late events change nothing. */
  closing: () => boolean;
  send: (conn: AuthedSocket, msg: FromHub) => void;
}

/**
 * The token lifetime of the hub's open sockets: a socket is closed (4401) when its token expires without a fresh
 * one sent with `auth`, or when its login session ends (logout, account disabled, 12 h).
 */
export class SocketAuth {
  /** The sessions of the tokens presented in a turn of the event loop, checked together (SessionChecks). */
  private readonly sessions: SessionChecks;
  constructor(private readonly o: SocketAuthOptions) {
    this.sessions = new SessionChecks((sids) => o.store.validSessions(sids));
  }

  /**
   * The claims of the token an upgrade request carries as a subprotocol, once its session is checked; null after
   * answering HTTP 401 itself (no token, a forged or expired one, an ended session) — no socket is opened.
   */
  async admit(req: IncomingMessage, socket: Duplex): Promise<VerifiedClaims | null> {
    socket.on('error', () => socket.destroy());
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const bearer = offered.find((p) => p.startsWith(BEARER_PREFIX));
    const refuse = (status: 401 | 503, code: string, message: string): null => {
      const body = JSON.stringify({ error: { code, message } });
      // 503: the client tries again, with the same token, after a few seconds (spread, so a crowd does not come back as one).
      const retry = status === 503 ? `Retry-After: ${2 + Math.floor(Math.random() * 4)}\r\n` : '';
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Service Unavailable'}\r\nConnection: close\r\n${retry}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return null;
    };
    if (!offered.includes(HUB_SUBPROTOCOL) || !bearer) return refuse(401, 'bad-token', `Offer the subprotocols ${HUB_SUBPROTOCOL} and ${BEARER_PREFIX}<token>.`);
    let claims: VerifiedClaims | null;
    try {
      claims = await this.o.tokens.verify(bearer.slice(BEARER_PREFIX.length));
    } catch {
      return refuse(401, 'bad-token', 'The token could not be checked.');
    }
    if (!claims) return refuse(401, 'bad-token', 'The token is invalid or expired: get a new one.');
    if (socket.destroyed || this.o.closing()) {
      socket.destroy();
      return null;
    }
    try {
      if (!(await this.sessionValid(claims))) return refuse(401, 'session-expired', SESSION_ENDED);
    } catch (err) {
      // The database away or overwhelmed: not the client's fault, and its token may well be good. A 401 here sent a
      // region's reconnecting consoles to the login screen (issue 14: a node killed under 4,000 clients).
      this.o.log.error({ err, role: claims.role, id: claims.sub }, 'failed to check the session');
      return refuse(503, 'unavailable', 'The hub cannot check sessions just now: try again in a few seconds.');
    }
    return claims;
  }

  async sessionValid(claims: { sid: string; role: Role; sub: string }): Promise<boolean> {
    return (await this.sessions.holder(claims.sid)) === `${claims.role}:${claims.sub}`;
  }

  expiresIn(conn: AuthedSocket): number {
    return Math.max(0, Math.floor(conn.exp - this.o.clock.now() / 1000));
  }

  /** Closes the socket (4401) when its token expired (its session: checkAll). */
  check(conn: AuthedSocket): void {
    if (this.o.closing() || conn.ws.readyState !== WebSocket.OPEN) return;
    if (this.o.clock.now() >= conn.exp * 1000) {
      this.o.log.info({ role: conn.role, id: conn.id }, 'token expired without auth, closing');
      conn.ws.close(HUB_CLOSE.badToken, TOKEN_EXPIRED);
    }
  }

  /**
   * The heartbeat's check of open sockets (a slice of them at a time: heartbeat.ts): an expired token or an ended session
   * (logout, a disabled account, a newer login of a cabin, from this process or the CLI's) closes it (4401). One query
   * for the slice's sessions, then a lookup per socket; when the database fails, only the tokens are checked, and the
   * sessions again at the next beat.
   */
  async checkAll(conns: readonly AuthedSocket[]): Promise<void> {
    let valid: Map<string, string> | undefined;
    try {
      valid = await this.o.store.validSessions([...new Set(conns.map((c) => c.sid))]);
    } catch (err) {
      this.o.log.error({ err }, 'failed to check the sessions');
    }
    for (const conn of conns) {
      if (this.o.closing()) return;
      const expired = this.o.clock.now() >= conn.exp * 1000;
      if (expired || !valid || valid.get(conn.sid) === `${conn.role}:${conn.id}`) this.check(conn);
      else if (conn.ws.readyState === WebSocket.OPEN) {
        this.o.log.info({ role: conn.role, id: conn.id }, 'session ended, closing');
        conn.ws.close(HUB_CLOSE.badToken, SESSION_ENDED);
      }
    }
  }

  /** Closes the socket when its token expires (the heartbeat checks too). */
  arm(conn: AuthedSocket): void {
    this.o.clock.clearTimeout(conn.expiryTimer);
    // A little after exp: a timer may fire a millisecond early, and then only the heartbeat would catch it.
    const ms = Math.min(2 ** 31 - 1, Math.max(0, conn.exp * 1000 - this.o.clock.now()) + 20);
    conn.expiryTimer = this.o.clock.setTimeout(() => this.check(conn), ms);
    unrefTimer(conn.expiryTimer);
  }

  /** `auth` on an open socket: a fresh token of the same account (a cabin's may be of a new login session). */
  async reauth(conn: AuthedSocket, token: string): Promise<void> {
    const claims = await this.o.tokens.verify(token);
    if (this.o.closing() || conn.ws.readyState !== WebSocket.OPEN) return;
    // A doctor renews within the same login session (so a logout closes the socket); a cabin logs in again with its key.
    if (!claims || claims.role !== conn.role || claims.sub !== conn.id || (conn.role === 'doctor' && claims.sid !== conn.sid)) return conn.ws.close(HUB_CLOSE.badToken, BAD_AUTH);
    let valid: boolean;
    try {
      valid = await this.sessionValid(claims);
    } catch (err) {
      this.o.log.error({ err, role: conn.role, id: conn.id }, 'failed to check the session');
      return this.o.send(conn, { type: 'error', code: 'internal', message: 'The hub could not check this token: send it again.' });
    }
    if (!valid) return conn.ws.close(HUB_CLOSE.badToken, SESSION_ENDED);
    // Two `auth` in flight may finish in either order: the socket keeps the later expiry.
    // The socket takes its new session before the old one is ended (an await): a heartbeat's check in between sees it.
    let done: string | undefined;
    if (claims.exp >= conn.exp) {
      if (claims.sid !== conn.sid && conn.role === 'cabin') done = conn.sid;
      conn.sid = claims.sid;
      conn.exp = claims.exp;
      this.arm(conn);
    } else if (claims.sid !== conn.sid && conn.role === 'cabin') {
      // An older login of the cabin arriving late: the socket stays on the newer one, this one is not needed.
      done = claims.sid;
    }
    if (done !== undefined) {
      // Ended before the answer, so a cabin told `authenticated` knows its other login is over (on PostgreSQL the answer
      // came first and the end a moment later). Not ending it only leaves it to expire (MAX_SESSION_S): the cabin's
      // renewal stands, and it is told so all the same.
      await this.o.store.endSession(done).catch((err: unknown) => this.o.log.error({ err, role: conn.role, id: conn.id }, 'failed to end the replaced session'));
      if (this.o.closing() || conn.ws.readyState !== WebSocket.OPEN) return;
    }
    this.o.send(conn, { type: 'authenticated', expiresIn: this.expiresIn(conn) });
  }
}

/**
 * The sessions of the tokens presented on upgrades (and `auth`), read together (batched.ts): `role:subject` of a valid
 * session, null if it is unknown, ended or of a disabled account.
 */
export class SessionChecks extends Batched<string | null> {
  constructor(read: (sids: readonly string[]) => Promise<Map<string, string>>) {
    super(read, null);
  }

  holder(sid: string): Promise<string | null> {
    return this.load(sid);
  }
}
