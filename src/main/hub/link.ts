import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';
import { backoffDelay } from '../../shared/backoff.ts';
import type { CallView, Language } from '../../shared/bridge.ts';
import {
  BEARER_PREFIX,
  FromHubSchema,
  HUB_CLOSE,
  HUB_MAX_FRAME_BYTES,
  HUB_SUBPROTOCOL,
  TokenAnswerSchema,
  parseFrame,
  type ConsultationView,
  type FromHub,
  type SignalData,
  type ToHub,
} from '../../shared/hub-protocol.ts';

export interface HubLinkOptions {
  /** The hub's base URL, `http(s)://host:port`. */
  url: string;
  cabinId: string;
  cabinKey: string;
  /** The call's state changed (shown by the renderer). */
  onView(view: CallView): void;
  /** A signaling message from the doctor, for the renderer's RTCPeerConnection. */
  onSignal(data: SignalData): void;
  /** Something worth the audit log (no patient data): consultation steps and incidents. */
  onAudit(action: 'consultation' | 'incident', detail: string): void;
  /** Reconnection backoff bounds (ms). */
  backoff?: { minMs: number; maxMs: number };
  pingEveryMs?: number;
  /** Delay between logins while the hub refuses the cabin's key (revoked key, disabled cabin). */
  refusedRetryMs?: number;
  /** Longest wait between two tries of a token renewal that hit a network error. */
  renewRetryMs?: number;
}

const DEFAULT_BACKOFF = { minMs: 1000, maxMs: 30_000 };
const DEFAULT_REFUSED_RETRY_MS = 5 * 60_000;
const DEFAULT_RENEW_RETRY_MS = 10_000;
/** A socket closed sooner than this after opening does not reset the backoff (no tight loop on a bad token). */
const STABLE_MS = 10_000;

/** A login the hub answered with a refusal (401/403): the key is wrong or revoked, or the cabin is disabled. */
class LoginRefused extends Error {}

/**
 * Cabin main's connection to the hub. It holds the cabin's key (the renderer never sees it), gets a short-lived
 * token, keeps one WebSocket open with reconnection (backoff with jitter), asks for a doctor while the session
 * is in the examination and leaves when it is not, and relays signaling between the hub and the renderer.
 * It never throws into its callers: a hub that cannot be reached is a state ('unavailable'), not an error.
 * The hub closes a socket (4401) when its token expires: at about 2/3 of the token's life the link logs in
 * again with the cabin key and sends the fresh token on the open socket (`auth`), retrying network errors
 * while the current token is still valid.
 */
export class HubLink {
  private ws: WebSocket | undefined;
  private connected = false;
  private stopped = true;
  private attempt = 0;
  private retry: NodeJS.Timeout | undefined;
  private ping: NodeJS.Timeout | undefined;
  private renewal: NodeJS.Timeout | undefined;
  /** When the token of the open socket expires (ms since the epoch); 0 when unknown. */
  private expiresAt = 0;
  private openedAt = 0;
  /** The last login was refused: retry slowly. */
  private refused = false;
  /** The patient's language while the session wants a doctor; null when it does not. */
  private wanted: Language | null = null;
  private requested = false;
  private consultation: ConsultationView | null = null;
  private ended = false;
  private error: string | null = null;
  private last = '';

  constructor(private readonly opts: HubLinkOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.renewal);
    clearInterval(this.ping);
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise((r) => ws.once('close', r));
      ws.close(1001, 'cabin stopping');
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
      ws.terminate();
    }
  }

  /** The session wants a doctor (in the patient's language) or no longer does (null). */
  want(language: Language | null): void {
    if (language === this.wanted) return;
    const before = this.wanted;
    this.wanted = language;
    if (language && !before) {
      this.ended = false;
      this.error = null;
      this.sendRequest();
    } else if (!language) {
      const c = this.consultation;
      if (c && (c.state === 'waiting' || c.state === 'active')) {
        this.send({ type: 'cancel', consultationId: c.consultationId });
        this.opts.onAudit('consultation', `left consultation ${c.consultationId} (${c.state})`);
      }
      this.consultation = null;
      this.requested = false;
      this.ended = false;
    }
    this.publish();
  }

  signal(data: SignalData): void {
    const c = this.consultation;
    if (!c || c.state !== 'active') throw new Error('There is no consultation in progress to signal to.');
    if (!this.send({ type: 'signal', consultationId: c.consultationId, data })) throw new Error('The hub is not connected.');
  }

  incident(detail: string): void {
    this.opts.onAudit('incident', `call: ${detail}`);
    const c = this.consultation;
    if (c && c.state === 'active') this.send({ type: 'incident', consultationId: c.consultationId, detail });
  }

  view(): CallView {
    const c = this.consultation;
    let state: CallView['state'];
    if (!this.wanted) state = 'idle';
    else if (this.ended) state = 'ended';
    else if (c?.state === 'active') state = 'active';
    else if (!this.connected) state = this.error ? 'unavailable' : 'connecting';
    else state = this.requested ? 'waiting' : 'connecting';
    return {
      state,
      consultationId: c?.consultationId ?? null,
      doctorName: c?.doctorName ?? null,
      peerPresent: state === 'active' && this.connected && (c?.peerPresent ?? false),
      polite: false,
      iceServers: state === 'active' ? (c?.iceServers ?? []) : [],
      ...(state === 'active' && c?.iceTransportPolicy ? { iceTransportPolicy: c.iceTransportPolicy } : {}),
      error: state === 'unavailable' ? this.error : null,
    };
  }

  private publish(): void {
    const v = this.view();
    const key = JSON.stringify(v);
    if (key === this.last) return;
    this.last = key;
    this.opts.onView(v);
  }

  private sendRequest(): void {
    if (!this.wanted || !this.connected) return;
    const c = this.consultation;
    if (c && (c.state === 'waiting' || c.state === 'active')) return;
    if (this.send({ type: 'request', language: this.wanted })) {
      this.requested = true;
      this.opts.onAudit('consultation', 'asked for a doctor');
    }
  }

  private send(msg: ToHub): boolean {
    const ws = this.ws;
    if (!ws || !this.connected || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  private async token(): Promise<{ token: string; expiresIn: number }> {
    let res: { status: number; body: unknown };
    try {
      res = await postJson(new URL('/api/cabin/token', this.opts.url), { cabinId: this.opts.cabinId, key: this.opts.cabinKey });
    } catch (err) {
      throw new Error(`The hub at ${this.opts.url} cannot be reached (${(err as Error).message}).`);
    }
    const body = res.body as { error?: { message?: string } } | undefined;
    if (res.status !== 200) {
      const why = body?.error?.message ?? `HTTP ${res.status}`;
      if (res.status === 401) throw new LoginRefused(`The hub refused this cabin's key (${why}).`);
      if (res.status === 403) throw new LoginRefused(`The hub refused the cabin (${why}).`);
      throw new Error(`The hub refused the cabin (${why}).`);
    }
    const parsed = TokenAnswerSchema.safeParse(body);
    if (!parsed.success || parsed.data.role !== 'cabin') throw new Error('The hub answered the login with something that is not a cabin token.');
    return { token: parsed.data.token, expiresIn: parsed.data.expiresIn };
  }

  /** The hub told how long the socket's token lives: renew it at about 2/3 of that. */
  private authenticated(expiresIn: number): void {
    clearTimeout(this.renewal);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) return;
    this.expiresAt = Date.now() + expiresIn * 1000;
    const ws = this.ws;
    this.renewal = setTimeout(() => void this.renew(ws), (expiresIn * 1000 * 2) / 3);
  }

  /** A fresh login for the open socket `ws`, sent with `auth`; network errors are retried while the token lasts. */
  private async renew(ws: WebSocket | undefined): Promise<void> {
    if (this.stopped || !ws || this.ws !== ws) return;
    let fresh: { token: string };
    try {
      fresh = await this.token();
    } catch (err) {
      if (this.stopped || this.ws !== ws) return;
      if (err instanceof LoginRefused) {
        // Keep the call going until the hub ends the socket; the next login waits (slowly) for the key to be valid.
        this.refused = true;
        this.error = err.message;
        this.opts.onAudit('incident', `token renewal refused: ${err.message}`);
        return;
      }
      const left = this.expiresAt - Date.now();
      if (left <= 0) return; // the hub closes the socket (4401) and we log in again
      const wait = Math.max(100, Math.min(this.opts.renewRetryMs ?? DEFAULT_RENEW_RETRY_MS, left / 3));
      this.renewal = setTimeout(() => void this.renew(ws), wait);
      return;
    }
    if (this.stopped || this.ws !== ws) return;
    this.refused = false;
    this.send({ type: 'auth', token: fresh.token });
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let token: string;
    try {
      token = (await this.token()).token;
      this.refused = false;
    } catch (err) {
      this.refused = err instanceof LoginRefused;
      this.fail((err as Error).message);
      return;
    }
    if (this.stopped) return;
    const wsUrl = new URL('/ws', this.opts.url);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + token], { maxPayload: HUB_MAX_FRAME_BYTES, handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.connected = true;
      this.openedAt = Date.now();
      this.error = null;
      clearInterval(this.ping);
      this.ping = setInterval(() => this.send({ type: 'ping' }), this.opts.pingEveryMs ?? 15_000);
      // Back into the consultation we were in (the hub answers `ended` if it closed meanwhile, e.g. a waiting
      // request it dropped while we were away); otherwise ask (again) if the session wants a doctor.
      const c = this.consultation;
      if (c && (c.state === 'waiting' || c.state === 'active')) {
        this.send({ type: 'join', consultationId: c.consultationId });
      } else {
        this.requested = false;
        this.sendRequest();
      }
      this.publish();
    });
    ws.on('message', (raw, isBinary) => {
      if (this.ws !== ws || isBinary) return;
      const r = parseFrame(FromHubSchema, raw.toString());
      if (!r.ok) {
        this.opts.onAudit('incident', `hub sent an invalid message: ${r.error}`);
        return;
      }
      this.onMessage(r.value);
    });
    ws.on('error', (err) => {
      if (this.ws === ws) this.error = `The hub connection failed (${err.message}).`;
    });
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      const was = this.connected;
      this.connected = false;
      clearInterval(this.ping);
      clearTimeout(this.renewal);
      this.expiresAt = 0;
      if (this.stopped) return;
      if (was) this.opts.onAudit('incident', `hub connection lost (code ${code})`);
      // A socket that lasted resets the backoff; one closed soon after opening (e.g. a token refused) does not.
      if (was && Date.now() - this.openedAt >= STABLE_MS) this.attempt = 0;
      // 4401: the token expired or was revoked: the next login (with the key) tells which.
      if (code === HUB_CLOSE.forbidden) this.error = 'The hub refused the cabin.';
      else if (was && !this.refused) this.error = null;
      this.fail(this.error ?? undefined);
    });
  }

  private fail(message: string | undefined): void {
    if (message) this.error = message;
    this.connected = false;
    this.publish();
    if (this.stopped) return;
    const { minMs, maxMs } = this.opts.backoff ?? DEFAULT_BACKOFF;
    const delay = backoffDelay(this.attempt, { firstMs: minMs, maxMs, jitter: [0.5, 1] });
    this.attempt = Math.min(this.attempt + 1, 10);
    clearTimeout(this.retry);
    // A refused key is not fixed by trying again soon: an administrator has to act.
    const wait = this.refused ? (this.opts.refusedRetryMs ?? DEFAULT_REFUSED_RETRY_MS) : delay;
    this.retry = setTimeout(() => void this.connect(), wait);
  }

  private onMessage(m: FromHub): void {
    switch (m.type) {
      case 'consultation': {
        const c = m.consultation;
        if (!this.wanted) {
          // The session ended while the hub was answering: leave.
          if (c.state === 'waiting' || c.state === 'active') this.send({ type: 'cancel', consultationId: c.consultationId });
          return;
        }
        const was = this.consultation;
        this.consultation = c;
        this.requested = true;
        if (c.state === 'active' && was?.state !== 'active') this.opts.onAudit('consultation', `doctor joined consultation ${c.consultationId}`);
        if (c.state === 'ended' || c.state === 'cancelled') this.ended = true;
        break;
      }
      case 'ended':
        if (this.consultation?.consultationId === m.consultationId) {
          if (this.consultation.state === 'waiting') {
            // No doctor had taken it (the hub dropped the request while we were away): ask again.
            this.opts.onAudit('consultation', `request ${m.consultationId} dropped by the hub; asking again`);
            this.consultation = null;
            this.requested = false;
            this.sendRequest();
          } else {
            this.ended = true;
            this.opts.onAudit('consultation', `consultation ${m.consultationId} ${m.reason} by the doctor`);
          }
        }
        break;
      case 'signal':
        if (this.consultation?.consultationId === m.consultationId && this.consultation.state === 'active') this.opts.onSignal(m.data);
        break;
      case 'error':
        this.opts.onAudit('incident', `hub error ${m.code}: ${m.message}`);
        if (m.code === 'not-found' && this.consultation) {
          // The consultation is gone on the hub (e.g. its store was reset): ask again.
          this.consultation = null;
          this.requested = false;
          this.sendRequest();
        }
        break;
      case 'authenticated':
        this.authenticated(m.expiresIn);
        break;
      case 'hello':
      case 'queue':
      case 'pong':
      case 'reported': // an answer to doctors' reports: cabins never get it
        break;
    }
    this.publish();
  }
}

/**
 * One JSON POST with node:http(s). Not the global fetch: its first use compiles undici's WebAssembly HTTP parser,
 * a 30 MB peak that main's allocator then keeps for the life of the kiosk (measured).
 */
function postJson(url: URL, body: unknown, timeoutMs = 10_000): Promise<{ status: number; body: unknown }> {
  const data = Buffer.from(JSON.stringify(body));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) req.destroy(new Error('the answer is too large'));
        else chunks.push(c);
      });
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(data);
  });
}
