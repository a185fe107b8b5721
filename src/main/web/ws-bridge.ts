import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BridgeRefusal } from '../../shared/bridge.ts';
import { silentLogger, type Logger } from '../../server/log.ts';
import { BRIDGE_BEAT_MS, WireToMainSchema } from '../../shared/bridge.ts';
import { dispatch, type EventSink } from '../bridge/dispatch.ts';
import type { Cabin } from '../cabin.ts';
import { readCookie } from '../../server/cookies.ts';
import { TokenBucket } from '../../server/rate-limit.ts';

/** The cookie that carries the per-run bridge token (set by host.ts on the launch redirect). */
export const TOKEN_COOKIE = 'cabin-token';


/** The length of the run id that begins a bridge token (9 random bytes in base64url). */
const RUN_ID_CHARS = 12;

/**
 * A bridge token for one run of main: a run id, then the secret (base64url, as a cookie value we issue). The run id is
 * not secret: it only tells a token of an earlier run (main restarted since the page got it) from one never handed
 * out, with nothing kept on disk.
 */
export function bridgeToken(): string {
  return randomBytes(9).toString('base64url') + randomBytes(24).toString('base64url');
}

/** The run id of a token. */
const runOf = (token: string): string => token.slice(0, RUN_ID_CHARS);

const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Calls a renderer may make per second before it is told to slow down. */
const MAX_CALLS_PER_SECOND = 50;
const BEAT = JSON.stringify({ type: 'beat' });

/**
 * The bridge over a WebSocket (browser mode): the same contract and dispatch as the Electron IPC. Only the
 * kiosk page itself may connect: same origin, and the per-run token the host set as a cookie on the page.
 */
export class WsBridge {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly unsubscribe: () => void;
  /** Beats tell the page main is alive: a stopped or hung main keeps its sockets open but beats no more. */
  private readonly beats: ReturnType<typeof setInterval>;

  constructor(
    private readonly cabin: Cabin,
    /** Whether a Host header (`name:port`) is one of the kiosk's own addresses. */
    private readonly ownHost: (host: string) => boolean,
    private readonly token: string,
    /** Where a call's unexpected failure is logged under its incident number. */
    private readonly log: Logger = silentLogger(),
  ) {
    const sink: EventSink = (name, payload) => {
      const text = JSON.stringify({ type: 'event', name, payload });
      for (const ws of this.wss.clients) {
        if (ws.readyState !== ws.OPEN) continue;
        // A client that stopped reading must not make main hoard readings: it is cut off (it reconnects).
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.terminate();
        else ws.send(text);
      }
    };
    this.unsubscribe = cabin.subscribe(sink);
    this.beats = setInterval(() => {
      for (const ws of this.wss.clients) if (ws.readyState === ws.OPEN) ws.send(BEAT);
    }, BRIDGE_BEAT_MS);
    this.beats.unref();
  }

  /** Whether a request carries this run's bridge token (a page opened before main restarted carries an old one). */
  admits(req: IncomingMessage): boolean {
    return readCookie(req.headers.cookie, TOKEN_COOKIE) === this.token;
  }

  /**
   * Why a request is not admitted: 'restarted' when it carries a token of an earlier run of main (another run id,
   * see bridgeToken), else 'no-token' (none: a spent launch address; or a made-up one).
   */
  refusal(req: IncomingMessage): BridgeRefusal {
    const given = readCookie(req.headers.cookie, TOKEN_COOKIE);
    // Only a token shaped as ours (same length, base64url) reads as an earlier run's: a made-up one says no-token.
    const ours = given !== undefined && given.length === this.token.length && /^[A-Za-z0-9_-]+$/.test(given);
    return ours && runOf(given) !== runOf(this.token) ? 'restarted' : 'no-token';
  }

  /** Handles an HTTP upgrade on /bridge; refuses anything that is not the kiosk page. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // The page that connects was served by this host under the same name (127.0.0.1 or localhost, port included):
    // a page of another site or another local port is refused even though SameSite lets its cookie through.
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.ownHost(host) || req.headers.origin?.toLowerCase() !== `http://${host}` || !this.admits(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws));
  }

  private serve(ws: WebSocket): void {
    // The first beat at once: the page counts the bridge as open only once main has spoken on it.
    ws.send(BEAT);
    // An oversized or malformed frame is the client's problem, never main's: close that socket.
    ws.on('error', () => ws.terminate());
    const calls = new TokenBucket(MAX_CALLS_PER_SECOND, MAX_CALLS_PER_SECOND);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg;
      try {
        msg = WireToMainSchema.safeParse(JSON.parse(data.toString()));
      } catch {
        return;
      }
      if (!msg.success) return;
      const { id, name, input } = msg.data;
      if (!calls.take()) {
        ws.send(JSON.stringify({ type: 'result', id, result: { ok: false, error: { code: 'rate-limited', message: 'Too many calls; slow down.' } } }));
        return;
      }
      void dispatch(this.cabin.handlers, name, input, { log: this.log }).then((result) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'result', id, result }));
      });
    });
  }

  close(): void {
    clearInterval(this.beats);
    this.unsubscribe();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
