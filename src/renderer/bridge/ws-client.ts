import {
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
import { LinkState, type BridgeLink } from './link.ts';
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
}

export interface WsBridgeClient extends BridgeClient {
  /** Stops reconnecting and fails what is still pending. */
  close(): void;
  /** Whether cabin main is reached: 'lost' from the moment an open socket closes until one opens again. */
  link: BridgeLink;
}

const OPEN = 1;

interface Pending {
  name: CallName;
  frame: string;
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve(result: Result<unknown>): void;
}

/** The kiosk page's bridge URL: same host as the page, `/bridge`. */
export function bridgeUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/bridge`;
}

/**
 * The bridge over a WebSocket (browser mode): calls are `{type:'call'}` frames answered by `{type:'result'}`,
 * events arrive as `{type:'event'}`; everything incoming is checked against the contract. The socket is
 * reopened with backoff, and after a reconnection the session and devices are fetched again and delivered
 * as events, so the screens catch up with what happened meanwhile.
 */
export function createWsClient(opts: WsClientOptions): WsBridgeClient {
  const connect = opts.connect ?? ((url: string) => new WebSocket(url) as SocketLike);
  const { firstMs, maxMs } = opts.backoff ?? { firstMs: 250, maxMs: 5000 };
  const callTimeoutMs = opts.callTimeoutMs ?? 8000;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const link = new LinkState();
  const listeners = new Listeners();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: SocketLike | undefined;
  let attempt = 0;
  let everOpened = false;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

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

  function onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const msg = WireToRendererSchema.safeParse(json);
    if (!msg.success) return;
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

  function open(): void {
    const ws = connect(opts.url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      link.set('open', now());
      flush();
      if (everOpened) void resync();
      everOpened = true;
    };
    ws.onmessage = (ev) => onMessage(ev.data);
    ws.onerror = () => {};
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = undefined;
      if (!closed) link.set('lost', now());
      for (const [id, p] of pending) {
        if (p.sent) settle(id, failure('disconnected', `The connection to the cabin service was lost before it answered ${p.name}: try again.`));
      }
      if (closed) return;
      const delay = backoffDelay(attempt, { firstMs, maxMs, jitter: [0.8, 1.2], random });
      attempt++;
      retryTimer = setTimeout(open, delay);
    };
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
      socket?.close();
      for (const id of [...pending.keys()]) settle(id, failure('closed', 'The bridge was closed.'));
    },
  };
}
