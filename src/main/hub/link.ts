import WebSocket from 'ws';
import type { CallView, Language } from '../../shared/bridge.ts';
import { systemClock, type Clock, type TimerHandle } from '../../shared/clock.ts';
import {
  BEARER_PREFIX,
  FromHubSchema,
  HUB_CLOSE,
  HUB_MAX_FRAME_BYTES,
  HUB_SUBPROTOCOL,
  parseFrame,
  type FromHub,
  type LeaveReason,
  type ReportReading,
  type SignalData,
  type ToHub,
} from '../../shared/hub-protocol.ts';
import type { NetCheck } from '../../shared/netcheck.ts';
import type { PatientIdentity } from '../../shared/patient-identity.ts';
import { cabinLogin, LoginRefused } from './cabin-login.ts';
import { callView, initialCall, transition, type Call, type CallEvent } from './call-machine.ts';
import { HubProbe } from './netcheck.ts';
import { ReconnectPolicy } from './reconnect.ts';
import { TokenRenewal } from './token-renewal.ts';

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
  /** A doctor took the consultation of this visit (the session id that asked): its outbox is delivered there. */
  onActive?(visit: string, consultationId: string): void;
  /**
   * The call of this visit's consultation ended or was cut (it may come back): what the visit's outbox held was sent in
   * it, so it belongs to that consultation's report (store.markSentInCall), not to a later one of the same visit.
   */
  onLeft?(visit: string, consultationId: string): void;
  /** The socket opened: what waited for the hub may go. */
  onOpen?(): void;
  /** The hub's answer to a `report` this cabin sent (report-delivery.ts); true when the ref was the delivery's. */
  onReportAnswer?(m: Extract<FromHub, { type: 'reported' | 'error' }>): boolean;
  /** The hub's answer to a `patient` this cabin sent (patient-delivery.ts); true when the ref was the delivery's. */
  onPatientAnswer?(m: Extract<FromHub, { type: 'patient-filed' | 'error' }>): boolean;
  /** The visit (session id) has this consultation on the hub, waiting or active: what belongs to it may go. */
  onConsultation?(visit: string, consultationId: string): void;
  /** Reconnection backoff bounds (ms). */
  backoff?: { minMs: number; maxMs: number };
  pingEveryMs?: number;
  /** Delay between logins while the hub refuses the cabin's key (revoked key, disabled cabin). */
  refusedRetryMs?: number;
  /** Longest wait between two tries of a token renewal that hit a network error. */
  renewRetryMs?: number;
  /** Time and timers (tests pass a manual clock). */
  clock?: Clock;
}

const DEFAULT_BACKOFF = { minMs: 1000, maxMs: 30_000 };
const DEFAULT_REFUSED_RETRY_MS = 5 * 60_000;
const DEFAULT_RENEW_RETRY_MS = 10_000;

/**
 * Cabin main's connection to the hub. It holds the cabin's key (the renderer never sees it), gets a short-lived
 * token, keeps one WebSocket open with reconnection (ReconnectPolicy), asks for a doctor while the session wants
 * one and leaves when it does not, and relays signaling between the hub and the renderer. The call's state lives
 * in one field changed only by `dispatch` (the pure transition of call-machine.ts), which emits the view.
 * It never throws into its callers: a hub that cannot be reached is a state ('unavailable'), not an error.
 * The hub closes a socket (4401) when its token expires: TokenRenewal logs in again before that.
 */
export class HubLink {
  private call: Call = initialCall;
  private ws: WebSocket | undefined;
  private stopped = true;
  private retry: TimerHandle | undefined;
  private ping: TimerHandle | undefined;
  private renewal: TokenRenewal | undefined;
  /** The last login was refused: retry slowly. */
  private refused = false;
  private last = '';
  private readonly clock: Clock;
  private readonly reconnect: ReconnectPolicy;
  /** The pre-call check's hub side: numbered pings and probe TURN credentials over this socket. */
  readonly probe: HubProbe;
  /** The kiosk's latest pre-call check, carried by every request. */
  private netcheck: NetCheck | undefined;

  constructor(private readonly opts: HubLinkOptions) {
    this.clock = opts.clock ?? systemClock;
    this.probe = new HubProbe((m) => this.send(m), this.clock);
    this.reconnect = new ReconnectPolicy(this.clock, {
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      refusedRetryMs: opts.refusedRetryMs ?? DEFAULT_REFUSED_RETRY_MS,
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.retry);
    this.renewal?.stop();
    this.clock.clearInterval(this.ping);
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise((r) => ws.once('close', r));
      ws.close(1001, 'cabin stopping');
      let timer: TimerHandle | undefined;
      await Promise.race([closed, new Promise((r) => (timer = this.clock.setTimeout(() => r(undefined), 1000)))]);
      this.clock.clearTimeout(timer);
      ws.terminate();
    }
  }

  /** The session wants a doctor (in the patient's language, for this visit) or no longer does (null, and why). */
  want(language: Language | null, visit?: string | null, reason?: LeaveReason): void {
    this.dispatch({ type: 'want', language, ...(visit !== undefined ? { visit } : {}), ...(reason ? { reason } : {}) });
  }

  /** The patient called the assistant: the doctor of an active consultation is told (false when there is none). */
  help(): boolean {
    const c = this.call.consultation;
    if (!c || c.state !== 'active') return false;
    return this.send({ type: 'help', consultationId: c.consultationId });
  }

  signal(data: SignalData): void {
    const c = this.call.consultation;
    if (!c || c.state !== 'active') throw new Error('There is no consultation in progress to signal to.');
    if (!this.send({ type: 'signal', consultationId: c.consultationId, data })) throw new Error('The hub is not connected.');
  }

  /** A part of a visit's outbox for its consultation's report; false when the hub is not connected. */
  report(consultationId: string, readings: ReportReading[], ref: string): boolean {
    return this.send({ type: 'report', ref, consultationId, readings });
  }

  /** The patient's identity for a consultation of this cabin (patient-delivery.ts); false when the hub is not connected. */
  patient(consultationId: string, identity: PatientIdentity, ref: string): boolean {
    return this.send({ type: 'patient', ref, consultationId, identity });
  }

  /** The open consultation (waiting or active) of the visit that wants a doctor, if there is one. */
  visitConsultation(visit: string): string | null {
    const c = this.call.consultation;
    return this.call.visit === visit && c && (c.state === 'waiting' || c.state === 'active') ? c.consultationId : null;
  }

  /** A visit's device, or a pleth excerpt, for its consultation's report (report-delivery.ts); false when not connected. */
  visitPart(message: Extract<ToHub, { type: 'device' | 'pleth' }>): boolean {
    return this.send(message);
  }

  /** The kiosk checked the network again: later requests carry it, and a request still waiting is sent again with it. */
  netCheck(check: NetCheck): void {
    this.netcheck = check;
    const c = this.call.consultation;
    if (this.call.state === 'waiting' && this.call.language && c?.state === 'waiting') {
      this.send({ type: 'request', language: this.call.language, ...(this.call.visit ? { visit: this.call.visit } : {}), netcheck: check });
    }
  }

  incident(detail: string): void {
    this.opts.onAudit('incident', `call: ${detail}`);
    const c = this.call.consultation;
    if (c && c.state === 'active') this.send({ type: 'incident', consultationId: c.consultationId, detail });
  }

  view(): CallView {
    return callView(this.call);
  }

  /** The one place the call changes: the transition, its I/O, then the view if it changed. */
  private dispatch(event: CallEvent): void {
    const { next, effects } = transition(this.call, event);
    const was = this.call;
    const before = was.consultation;
    this.call = next;
    const c = next.consultation;
    if (was.state === 'active' && before && was.visit && !(next.state === 'active' && c?.consultationId === before.consultationId)) {
      this.opts.onLeft?.(was.visit, before.consultationId);
    }
    if (next.state === 'active' && c && next.visit && (before?.consultationId !== c.consultationId || before.state !== 'active')) {
      this.opts.onActive?.(next.visit, c.consultationId);
    }
    if (c && next.visit && (c.state === 'waiting' || c.state === 'active') && (before?.consultationId !== c.consultationId || was.visit !== next.visit)) {
      this.opts.onConsultation?.(next.visit, c.consultationId);
    }
    for (const e of effects) {
      if (e.type === 'audit') this.opts.onAudit('consultation', e.detail);
      else if (e.type === 'request') this.send({ type: 'request', language: e.language, ...(e.visit ? { visit: e.visit } : {}), ...(this.netcheck && { netcheck: this.netcheck }) });
      else if (e.type === 'cancel') this.send({ type: 'cancel', consultationId: e.consultationId, reason: e.reason });
      else this.send({ type: 'join', consultationId: e.consultationId });
    }
    const v = this.view();
    const key = JSON.stringify(v);
    if (key === this.last) return;
    this.last = key;
    this.opts.onView(v);
  }

  private send(msg: ToHub): boolean {
    const ws = this.ws;
    if (!ws || !this.call.connected || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  private login(): Promise<{ token: string; expiresIn: number }> {
    return cabinLogin(this.opts.url, this.opts.cabinId, this.opts.cabinKey);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let token: string;
    try {
      token = (await this.login()).token;
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
    const renewal = new TokenRenewal(this.clock, this.opts.renewRetryMs ?? DEFAULT_RENEW_RETRY_MS, {
      login: () => this.login(),
      current: () => !this.stopped && this.ws === ws,
      fresh: (fresh) => {
        this.refused = false;
        this.send({ type: 'auth', token: fresh });
      },
      refused: (err) => {
        this.refused = true;
        this.dispatch({ type: 'error', error: err.message });
        this.opts.onAudit('incident', `token renewal refused: ${err.message}`);
      },
    });
    this.renewal = renewal;
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.reconnect.opened();
      this.clock.clearInterval(this.ping);
      this.ping = this.clock.setInterval(() => this.send({ type: 'ping' }), this.opts.pingEveryMs ?? 15_000);
      this.dispatch({ type: 'open' });
      this.opts.onOpen?.();
    });
    ws.on('message', (raw, isBinary) => {
      if (this.ws !== ws || isBinary) return;
      const r = parseFrame(FromHubSchema, raw.toString());
      if (!r.ok) {
        this.opts.onAudit('incident', `hub sent an invalid message: ${r.error}`);
        return;
      }
      this.onMessage(r.value, renewal);
    });
    ws.on('error', (err) => {
      if (this.ws === ws) this.dispatch({ type: 'error', error: `The hub connection failed (${err.message}).` });
    });
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      const was = this.call.connected;
      this.clock.clearInterval(this.ping);
      renewal.stop();
      if (this.stopped) return;
      if (was) this.opts.onAudit('incident', `hub connection lost (code ${code})`);
      if (was) this.reconnect.closed();
      // 4401: the token expired or was revoked: the next login (with the key) tells which.
      let error = this.call.error;
      if (code === HUB_CLOSE.forbidden) error = 'The hub refused the cabin.';
      else if (was && !this.refused) error = null;
      this.fail(error);
    });
  }

  /** The socket closed or the login failed, with what to show (null: nothing wrong); the next login is timed. */
  private fail(error: string | null): void {
    this.dispatch({ type: 'close', error });
    if (this.stopped) return;
    this.clock.clearTimeout(this.retry);
    this.retry = this.clock.setTimeout(() => void this.connect(), this.reconnect.next(this.refused));
  }

  private onMessage(m: FromHub, renewal: TokenRenewal): void {
    if (this.probe.onMessage(m)) return;
    switch (m.type) {
      case 'consultation':
        this.dispatch({ type: 'consultation', consultation: m.consultation });
        break;
      case 'ended':
        this.dispatch({ type: 'ended', consultationId: m.consultationId, reason: m.reason, ...(m.cause && { cause: m.cause }) });
        break;
      case 'signal': {
        const c = this.call.consultation;
        if (c?.consultationId === m.consultationId && c.state === 'active') this.opts.onSignal(m.data);
        break;
      }
      case 'error':
        // An answer to a part of the outbox is the delivery's (a not-found there is not about the call).
        if (this.opts.onReportAnswer?.(m)) break;
        if (this.opts.onPatientAnswer?.(m)) break;
        this.opts.onAudit('incident', `hub error ${m.code}: ${m.message}`);
        if (m.code === 'not-found') this.dispatch({ type: 'not-found' });
        break;
      case 'authenticated':
        renewal.authenticated(m.expiresIn);
        break;
      case 'reported':
        this.opts.onReportAnswer?.(m);
        break;
      case 'patient-filed':
        this.opts.onPatientAnswer?.(m);
        break;
      case 'hello':
      case 'queue':
      case 'queue-delta':
      case 'pong':
      case 'probe': // an answer to a check that gave up waiting
      case 'help': // told to doctors
        break;
    }
  }
}
