import {
  BRIDGE_SILENCE_MS,
  WireToRendererSchema,
  type BridgeClient,
  type CallInput,
  type CallName,
  type CallOutput,
  type EventName,
  type EventPayload,
  type Result,
} from '../../shared/bridge.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import { LinkState, type BridgeLink, type BridgeRefusal } from './link.ts';
import { Listeners } from './listeners.ts';
import { checkEvent, checkResult, failure, isEventName } from './validate.ts';

/** The part of the browser's WebSocket the client uses (a fake one in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface WsClientOptions {
  url: string;
  connect?: (url: string) => SocketLike;
  /** Reconnection delays: doubles from firstMs up to maxMs. */
  backoff?: { firstMs: number; maxMs: number };
  /** How long a call may wait for the service (including for a connection) before it fails. */
  callTimeoutMs?: number;
  random?: () => number;
  now?: () => number;
  /** How long without a frame from main (it beats every second) before the socket counts as lost. */
  silenceMs?: number;
  /** After a socket that main never spoke on: why main refuses this page's token, null if it does not (default: probeRefused). */
  refused?: () => Promise<BridgeRefusal | null>;
}

export interface WsBridgeClient extends BridgeClient {
  /** Stops reconnecting and fails what is still pending. */
  close(): void;
  /**
   * Whether cabin main is reached: open once main speaks on a socket, 'lost' from the moment that socket closes or
   * falls silent (main stopped or hung) until main speaks on a new one.
   */
  link: BridgeLink;
}

const OPEN = 1;
/** A silence timer that fires this late was held up by the page itself: main's frames may be queued behind it. */
const LATE_MS = 1000;

interface Pending {
  name: CallName;
  frame: string;
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve(result: Result<unknown>): void;
}

/**
 * Why main refuses this page's bridge token, null if it does not: a plain GET of the bridge URL answers 403 then, with
 * the word `restarted` for a token of an earlier run of main (src/main/web/host.ts). Main not up, or not answering in
 * time, is not a refusal.
 */
export async function probeRefused(url: string, timeoutMs: number): Promise<BridgeRefusal | null> {
  try {
    const res = await fetch(url.replace(/^ws/, 'http'), { cache: 'no-store', credentials: 'same-origin', signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 403) return null;
    const word = await res.text().catch(() => '');
    return word.trim() === 'restarted' ? 'restarted' : 'no-token';
  } catch {
    return null;
  }
}

/** The kiosk page's bridge URL: same host as the page, `/bridge`. */
export function bridgeUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/bridge`;
}

/**
 * The bridge over a WebSocket (browser mode): calls are `{type:'call'}` frames answered by `{type:'result'}`,
 * events arrive as `{type:'event'}`; everything incoming is checked against the contract. Main beats
 * (`{type:'beat'}`) every second: a socket silent for `silenceMs` is dropped as if it had closed. The socket is
 * reopened with backoff, and after a reconnection the session and devices are fetched again and delivered
 * as events, so the screens catch up with what happened meanwhile.
 */
export function createWsClient(opts: WsClientOptions): WsBridgeClient {
  const connect = opts.connect ?? ((url: string) => new WebSocket(url) as SocketLike);
  const { firstMs, maxMs } = opts.backoff ?? { firstMs: 250, maxMs: 5000 };
  const callTimeoutMs = opts.callTimeoutMs ?? 8000;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const silenceMs = opts.silenceMs ?? BRIDGE_SILENCE_MS;
  const refused = opts.refused ?? (() => probeRefused(opts.url, silenceMs));
  const link = new LinkState();
  const listeners = new Listeners();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: SocketLike | undefined;
  let attempt = 0;
  let everOpened = false;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let silenceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether main has spoken on the current socket. */
  let live = false;

  function settle(id: number, result: Result<unknown>): void {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(result);
  }

  function flush(): void {
    if (socket?.readyState !== OPEN) return;
    for (const p of pending.values()) {
      if (p.sent) continue;
      socket.send(p.frame);
      p.sent = true;
    }
  }

  function onMessage(ws: SocketLike, data: unknown): void {
    if (socket !== ws) return;
    awaitFrame(ws);
    if (!live) {
      live = true;
      attempt = 0;
      link.set('open', now());
      flush();
      if (everOpened) void resync();
      everOpened = true;
    }
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const msg = WireToRendererSchema.safeParse(json);
    if (!msg.success || msg.data.type === 'beat') return;
    if (msg.data.type === 'result') {
      const p = pending.get(msg.data.id);
      if (p) settle(msg.data.id, checkResult(p.name, msg.data.result));
      return;
    }
    const { name, payload } = msg.data;
    if (!isEventName(name)) return;
    const checked = checkEvent(name, payload);
    if (checked === undefined) console.warn(`Dropped a '${name}' event that does not match the bridge contract.`);
    else listeners.emit(name, checked);
  }

  async function resync(): Promise<void> {
    const session = await call('session:get', {});
    if (session.ok) listeners.emit('session', session.value);
    const devices = await call('devices:list', {});
    if (devices.ok) for (const d of devices.value) listeners.emit('device', d);
  }

  /** Waits for the next frame on `ws`: a socket silent that long (main stopped or hung) is dropped as if it closed. */
  function awaitFrame(ws: SocketLike): void {
    clearTimeout(silenceTimer);
    const due = now() + silenceMs;
    silenceTimer = setTimeout(() => {
      if (socket !== ws) return;
      if (now() - due > LATE_MS) return awaitFrame(ws);
      dropped(ws);
      ws.close();
    }, silenceMs);
  }

  function dropped(ws: SocketLike): void {
    if (socket !== ws) return;
    const wasLive = live;
    socket = undefined;
    clearTimeout(silenceTimer);
    if (!closed) link.set('lost', now());
    for (const [id, p] of pending) {
      if (p.sent) settle(id, failure('disconnected', `The connection to the cabin service was lost before it answered ${p.name}: try again.`));
    }
    if (closed) return;
    const delay = backoffDelay(attempt, { firstMs, maxMs, jitter: [0.8, 1.2], random });
    attempt++;
    retryTimer = setTimeout(open, delay);
    // Main never spoke on it: not up yet (the retry goes on), or up and refusing this page's token (no retry will do).
    if (!wasLive) void refused().then((why) => why && !closed && !live && refuse(why));
  }

  function refuse(why: BridgeRefusal): void {
    closed = true;
    clearTimeout(retryTimer);
    clearTimeout(silenceTimer);
    const ws = socket;
    socket = undefined;
    ws?.close();
    link.set('refused', now(), why);
    for (const id of [...pending.keys()]) settle(id, failure('closed', 'The cabin service refuses this page: open the address the terminal printed last.'));
  }

  function open(): void {
    const ws = connect(opts.url);
    socket = ws;
    live = false;
    // Also bounds the opening: a stopped main's kernel accepts the connection, but nothing answers the upgrade.
    awaitFrame(ws);
    ws.onopen = () => flush();
    ws.onmessage = (ev) => onMessage(ws, ev.data);
    ws.onerror = () => {};
    ws.onclose = () => dropped(ws);
  }

  function call<K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutput<K>>> {
    if (closed) return Promise.resolve(failure('closed', `The bridge is closed: ${name} was not sent.`));
    const id = nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => settle(id, failure('unavailable', `The cabin service did not answer ${name} in time: check that it is running.`)),
        callTimeoutMs,
      );
      const frame = JSON.stringify({ type: 'call', id, name, input });
      pending.set(id, { name, frame, sent: false, timer, resolve: resolve as (r: Result<unknown>) => void });
      flush();
    });
  }

  open();

  return {
    call,
    link,
    on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void) {
      return listeners.add(event, listener);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(silenceTimer);
      socket?.close();
      for (const id of [...pending.keys()]) settle(id, failure('closed', 'The bridge was closed.'));
    },
  };
}
