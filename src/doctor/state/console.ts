import type { ConsultationView, FromHub, QueueItem, TokenAnswer } from '../../shared/hub-protocol.ts';
import { Call } from '../call/call.ts';
import { newRequestId } from '../call/peer-id.ts';
import { login as hubLogin, refresh, renewDelayMs, type AuthResult } from '../hub/auth.ts';
import { HubClient, hubUrl, type HubState, type HubStop } from '../hub/client.ts';
import { endMessages, REPORT_PART_GAP_MS } from './report.ts';

export type Notice = 'report-saved' | 'patient-left' | 'consultation-ended' | 'session-expired' | 'replaced' | 'forbidden';

export interface ConsoleState {
  screen: 'login' | 'queue' | 'consultation';
  me: { id: string; name: string } | undefined;
  hub: HubState;
  queue: QueueItem[];
  /** The consultation being claimed (Accept pressed, no answer yet). */
  claiming: string | undefined;
  claimError: { code: string; message: string } | undefined;
  consultation: ConsultationView | undefined;
  call: Call | undefined;
  ending: boolean;
  endError: string | undefined;
  notice: Notice | undefined;
}

const INITIAL: ConsoleState = {
  screen: 'login',
  me: undefined,
  hub: 'stopped',
  queue: [],
  claiming: undefined,
  claimError: undefined,
  consultation: undefined,
  call: undefined,
  ending: false,
  endError: undefined,
  notice: undefined,
};

/**
 * The console's state outside React: login and token renewal (token in memory only), the hub connection,
 * the queue, claiming, the active consultation and its call, and ending it with the report.
 */
export class ConsoleController {
  private state: ConsoleState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private token: TokenAnswer | undefined;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private hub: HubClient | undefined;
  private refs = new Map<string, 'claim' | 'end' | 'join'>();
  private pendingEnd: { ref: string; notes: string } | undefined;
  private rejoin = false;
  private localMedia: Promise<MediaStream | undefined> | undefined;

  constructor(private readonly loc: { protocol: string; host: string } = location) {}

  getSnapshot = (): ConsoleState => this.state;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  async login(username: string, password: string): Promise<AuthResult> {
    const r = await hubLogin(username, password);
    if (!r.ok) return r;
    this.setToken(r.value);
    this.set({ ...INITIAL, screen: 'queue', me: { id: r.value.id, name: r.value.name }, hub: 'connecting' });
    this.hub?.stop();
    this.hub = new HubClient({
      url: hubUrl(this.loc),
      token: () => this.token?.token ?? '',
      onMessage: (m) => this.onHub(m),
      onState: (s, reconnected) => this.onHubState(s, reconnected),
      onStop: (why) => this.onHubStop(why),
      renewToken: () => this.renew(),
    });
    this.hub.start();
    return r;
  }

  logout(notice?: Notice): void {
    this.hub?.stop();
    this.hub = undefined;
    this.state.call?.close();
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.token = undefined;
    this.stopLocalMedia();
    this.set({ ...INITIAL, notice });
  }

  claim(consultationId: string): void {
    const ref = newRequestId('claim').slice(0, 64);
    this.refs.set(ref, 'claim');
    this.set({ claiming: consultationId, claimError: undefined, notice: undefined });
    if (!this.hub?.send({ type: 'claim', ref, consultationId })) this.set({ claiming: undefined, claimError: { code: 'offline', message: '' } });
  }

  /** Ends the consultation and sends the report (notes + every reading received). */
  end(notes: string): void {
    const c = this.state.consultation;
    if (!c) return;
    const ref = newRequestId('end').slice(0, 64);
    this.refs.set(ref, 'end');
    this.pendingEnd = { ref, notes };
    this.set({ ending: true, endError: undefined });
    this.sendEnd();
  }

  dismissNotice(): void {
    this.set({ notice: undefined });
  }

  private sendEnd(): void {
    const c = this.state.consultation;
    const p = this.pendingEnd;
    if (!c || !p) return;
    // Not connected: sent again once the hub is back (onHubState); the hub keeps each reading once. Paced, so a
    // long consultation's thousands of readings stay under the hub's rate limit.
    const msgs = endMessages(c.consultationId, p.notes, this.state.call?.readings() ?? [], p.ref);
    const hub = this.hub;
    let i = 0;
    const next = (): void => {
      if (this.pendingEnd !== p || this.hub !== hub || i >= msgs.length) return;
      hub?.send(msgs[i++]!);
      if (i < msgs.length) setTimeout(next, REPORT_PART_GAP_MS);
    };
    next();
  }

  private setToken(t: TokenAnswer): void {
    this.token = t;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => void this.renew(), renewDelayMs(t.expiresIn));
  }

  private async renew(): Promise<boolean> {
    const t = this.token;
    if (!t) return false;
    const r = await refresh(t.token);
    if (r.ok) {
      this.setToken(r.value);
      return true;
    }
    if (r.error !== 'expired' && this.token === t) {
      // A network or server problem: try again in a while, the current token may still be good.
      this.renewTimer = setTimeout(() => void this.renew(), 30_000);
    }
    return false;
  }

  private onHubState(s: HubState, reconnected: boolean): void {
    this.set({ hub: s });
    if (s !== 'connected' || !reconnected) return;
    const c = this.state.consultation;
    if (c) {
      this.rejoin = true;
      const ref = newRequestId('join').slice(0, 64);
      this.refs.set(ref, 'join');
      this.hub?.send({ type: 'join', ref, consultationId: c.consultationId });
      if (this.pendingEnd) this.sendEnd();
    }
  }

  private onHubStop(why: HubStop): void {
    this.logout(why === 'auth' ? 'session-expired' : why === 'replaced' ? 'replaced' : 'forbidden');
  }

  private onHub(m: FromHub): void {
    switch (m.type) {
      case 'hello':
        return;
      case 'pong':
        return;
      case 'queue':
        this.set({ queue: m.items });
        return;
      case 'consultation':
        if (m.ref) this.refs.delete(m.ref);
        this.onConsultation(m.consultation);
        return;
      case 'signal':
        if (m.consultationId === this.state.consultation?.consultationId) this.state.call?.handleSignal(m.data);
        return;
      case 'ended':
        if (m.ref) this.refs.delete(m.ref);
        if (m.consultationId === this.state.consultation?.consultationId) this.finish(m.reason === 'cancelled' ? 'patient-left' : this.pendingEnd ? 'report-saved' : 'consultation-ended');
        return;
      case 'error':
        this.onError(m.ref, m.code, m.message);
        return;
    }
  }

  private onError(ref: string | undefined, code: string, message: string): void {
    const what = ref ? this.refs.get(ref) : undefined;
    if (ref) this.refs.delete(ref);
    if (what === 'claim') this.set({ claiming: undefined, claimError: { code, message } });
    else if (what === 'end') {
      this.pendingEnd = undefined;
      this.set({ ending: false, endError: message || code });
    } else if (what === 'join') {
      console.error(`The hub refused to rejoin the consultation: ${code} ${message}`);
      if (/not-found|ended|cancel|forbidden/i.test(code)) this.finish('consultation-ended');
    } else console.error(`The hub reported an error: ${code} ${message}`);
  }

  private onConsultation(c: ConsultationView): void {
    const me = this.state.me;
    if (c.state === 'ended' || c.state === 'cancelled') {
      if (c.consultationId === this.state.consultation?.consultationId) this.finish(c.state === 'cancelled' ? 'patient-left' : this.pendingEnd ? 'report-saved' : 'consultation-ended');
      return;
    }
    if (c.state !== 'active' || (me && c.doctorId !== null && c.doctorId !== me.id)) return;
    const prev = this.state.consultation?.consultationId === c.consultationId ? this.state.consultation : undefined;
    let call = prev ? this.state.call : undefined;
    if (!call) {
      this.state.call?.close();
      call = this.startCall(c);
    }
    this.set({ screen: 'consultation', consultation: c, call, claiming: undefined, claimError: undefined, notice: undefined });
    if (!prev || this.rejoin || (c.peerPresent && !prev.peerPresent)) call.hello();
    this.rejoin = false;
  }

  private startCall(c: ConsultationView): Call {
    const consultationId = c.consultationId;
    const call = new Call({
      iceServers: c.iceServers,
      ...(c.iceTransportPolicy ? { iceTransportPolicy: c.iceTransportPolicy } : {}),
      sendSignal: (data) => this.hub?.send({ type: 'signal', consultationId, data }) ?? false,
      incident: (detail) => void this.hub?.send({ type: 'incident', consultationId, detail: detail.slice(0, 500) }),
    });
    this.localMedia ??= openLocalMedia();
    void this.localMedia.then((stream) => {
      if (stream && this.state.call === call) call.setLocalStream(stream);
    });
    return call;
  }

  private finish(notice: Notice): void {
    this.state.call?.close();
    this.pendingEnd = undefined;
    this.stopLocalMedia();
    this.set({ screen: 'queue', consultation: undefined, call: undefined, ending: false, endError: undefined, notice });
  }

  private stopLocalMedia(): void {
    const m = this.localMedia;
    this.localMedia = undefined;
    void m?.then((s) => s?.getTracks().forEach((t) => t.stop()));
  }

  private set(patch: Partial<ConsoleState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }
}

/** The doctor's camera and microphone; undefined (receive only) when there are none or they are refused. */
async function openLocalMedia(): Promise<MediaStream | undefined> {
  try {
    if (!navigator.mediaDevices?.getUserMedia) return undefined;
    return await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: { echoCancellation: true, noiseSuppression: true } });
  } catch (err) {
    console.warn(`The doctor's camera is not available (${String(err)}): trying the microphone alone.`);
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
  } catch (err) {
    console.warn(`The doctor's microphone is not available (${String(err)}): receiving only.`);
    return undefined;
  }
}
