import { BEARER_PREFIX, FromHubSchema, HUB_CLOSE, HUB_MAX_FRAME_BYTES, HUB_SUBPROTOCOL, ToHubSchema, parseFrame, type FromHub, type ToHub } from '../../shared/hub-protocol.ts';
import { backoffDelay } from '../../shared/backoff.ts';

/** The part of the browser's WebSocket the client uses (a fake one in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export type HubState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';
/** Why the client gave up: the token is refused and could not be renewed, or another console took over. */
export type HubStop = 'auth' | 'forbidden' | 'replaced';
/** What the hub says of the login session when a socket could not open: over, renewed (a new token), or no answer. */
export type SessionCheck = 'ended' | 'renewed' | 'unknown';

export interface HubClientOptions {
  url: string;
  token: () => string;
  onMessage: (msg: FromHub) => void;
  onState?: (state: HubState, reconnected: boolean) => void;
  onStop?: (why: HubStop) => void;
  /**
   * Called when the hub refuses the token (4401): resolve true once a new token is available. Tried once: a
   * second 4401 before the hub accepted a socket again means the session is over.
   */
  renewToken?: () => Promise<boolean>;
  /**
   * Called when a socket closed before it opened: a browser shows the hub refusing the token at the upgrade (HTTP
   * 401, e.g. a session the restarted hub no longer knows) exactly as a hub that is down (1006). 'ended' stops the
   * client ('auth'); anything else retries.
   */
  checkSession?: () => Promise<SessionCheck>;
  connect?: (url: string, protocols: string[]) => SocketLike;
  random?: () => number;
  pingEveryMs?: number;
  /** No frame at all for this long (pongs included) means the link is dead: reconnect. */
  deadAfterMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

const OPEN = 1;

/** The doctor console's page URL → the hub's WebSocket URL (same origin, `/ws`). */
export function hubUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

/**
 * The hub WebSocket: the token as a subprotocol, every incoming frame validated (invalid ones are logged and
 * dropped), an application ping every 15 s, and reconnection with exponential backoff and jitter (1 … 30 s).
 */
export class HubClient {
  private socket: SocketLike | undefined;
  private attempt = 0;
  private everConnected = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private current: HubState = 'connecting';
  /** A 4401 was answered with a renewal and no socket has been accepted since. */
  private renewedAfterRefusal = false;
  /** The session check in flight after a socket that never opened; a later open or stop makes it moot. */
  private checking: object | undefined;
  private readonly o: Required<Omit<HubClientOptions, 'onState' | 'onStop' | 'renewToken' | 'checkSession'>> &
    Pick<HubClientOptions, 'onState' | 'onStop' | 'renewToken' | 'checkSession'>;

  constructor(opts: HubClientOptions) {
    this.o = {
      connect: (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike,
      random: Math.random,
      pingEveryMs: 15_000,
      deadAfterMs: 45_000,
      now: () => Date.now(),
      log: (m) => console.error(m),
      ...opts,
    };
  }

  get state(): HubState {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Sends one message; false when the hub is not connected or the message breaks the contract. */
  send(msg: ToHub): boolean {
    const checked = ToHubSchema.safeParse(msg);
    if (!checked.success) {
      this.o.log(`Not sent to the hub: the '${msg.type}' message does not match the protocol.`);
      return false;
    }
    const frame = JSON.stringify(checked.data);
    if (new TextEncoder().encode(frame).length > HUB_MAX_FRAME_BYTES) {
      this.o.log(`Not sent to the hub: the '${msg.type}' message is larger than ${HUB_MAX_FRAME_BYTES} bytes.`);
      return false;
    }
    if (this.socket?.readyState !== OPEN) return false;
    try {
      this.socket.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.detach()?.close(1000, 'bye');
    this.setState('stopped');
  }

  /** Handles one raw frame (public for tests). */
  receive(data: unknown): void {
    this.lastFrameAt = this.o.now();
    if (typeof data !== 'string') {
      this.o.log('Dropped a binary frame from the hub.');
      return;
    }
    const r = parseFrame(FromHubSchema, data);
    if (!r.ok) {
      this.o.log(`Dropped a frame from the hub: ${r.error}`);
      return;
    }
    // The hub accepted this socket's token (it sends `hello` first).
    this.renewedAfterRefusal = false;
    try {
      this.o.onMessage(r.value);
    } catch (err) {
      this.o.log(`A hub message could not be handled: ${String(err)}`);
    }
  }

  private setState(s: HubState): void {
    if (s === this.current && s !== 'connected') return;
    const reconnected = s === 'connected' && this.everConnected;
    if (s === 'connected') this.everConnected = true;
    this.current = s;
    this.o.onState?.(s, reconnected);
  }

  private open(): void {
    if (this.stopped) return;
    this.clearTimers();
    this.setState(this.everConnected || this.attempt > 0 ? 'reconnecting' : 'connecting');
    let socket: SocketLike;
    try {
      socket = this.o.connect(this.o.url, [HUB_SUBPROTOCOL, BEARER_PREFIX + this.o.token()]);
    } catch (err) {
      this.o.log(`Could not open the hub connection: ${String(err)}`);
      this.retry();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      opened = true;
      this.attempt = 0;
      this.lastFrameAt = this.o.now();
      this.pingTimer = setInterval(() => this.tick(), this.o.pingEveryMs);
      this.setState('connected');
    };
    socket.onmessage = (ev) => {
      if (this.socket === socket) this.receive(ev.data);
    };
    socket.onerror = () => undefined;
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.closed(ev.code, opened);
    };
  }

  private closed(code: number, opened = true): void {
    this.clearTimers();
    if (this.stopped) return;
    if (!opened && this.o.checkSession && !Object.values(HUB_CLOSE).includes(code as never)) return this.check(this.o.checkSession);
    if (code === HUB_CLOSE.badToken && this.o.renewToken && !this.renewedAfterRefusal) {
      const renew = this.o.renewToken;
      this.renewedAfterRefusal = true;
      this.setState('reconnecting');
      void renew().then(
        (ok) => (ok ? this.retry() : this.giveUp('auth')),
        () => this.giveUp('auth'),
      );
      return;
    }
    if (code === HUB_CLOSE.badToken) return this.giveUp('auth');
    if (code === HUB_CLOSE.forbidden) return this.giveUp('forbidden');
    if (code === HUB_CLOSE.replaced) return this.giveUp('replaced');
    this.retry();
  }

  /** A socket refused before it opened: the hub's HTTP API tells an ended session from a hub that is down. */
  private check(checkSession: () => Promise<SessionCheck>): void {
    const mine = {};
    this.checking = mine;
    this.setState('reconnecting');
    const then = (r: SessionCheck): void => {
      if (this.checking !== mine || this.stopped) return;
      this.checking = undefined;
      if (r === 'ended') this.giveUp('auth');
      else this.retry();
    };
    checkSession().then(then, () => then('unknown'));
  }

  private giveUp(why: HubStop): void {
    this.stopped = true;
    this.setState('stopped');
    this.o.onStop?.(why);
  }

  private retry(): void {
    if (this.stopped) return;
    this.setState('reconnecting');
    const delay = backoffDelay(this.attempt++, { firstMs: 1000, maxMs: 30_000, jitter: [0.8, 1.2], random: this.o.random });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private tick(): void {
    if (this.o.now() - this.lastFrameAt > this.o.deadAfterMs) {
      this.o.log('The hub stopped answering: reconnecting.');
      this.detach()?.close(4000, 'no answer');
      this.closed(1006);
      return;
    }
    this.send({ type: 'ping' });
  }

  private detach(): SocketLike | undefined {
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      s.onopen = null;
      s.onmessage = null;
      s.onclose = null;
      s.onerror = null;
    }
    return s;
  }

  private clearTimers(): void {
    this.checking = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = undefined;
    this.pingTimer = undefined;
  }
}
