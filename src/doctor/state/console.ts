import { createActor } from 'xstate';
import { HUB_MAX_FRAME_BYTES, type ConsultationView, type FromHub, type ToHub, type TokenAnswer } from '../../shared/hub-protocol.ts';
import { Call, type CallOptions } from '../call/call.ts';
import type { NetCheck } from '../../shared/netcheck.ts';
import { newRequestId } from '../call/peer-id.ts';
import { fetchReport, login as hubLogin, logout as hubLogout, refresh, renewDelayMs, type AuthResult, type FetchLike } from '../hub/auth.ts';
import type { PastConsultation } from '../../shared/past-consultations.ts';
import { HubClient, hubUrl, type HubClientOptions, type HubState, type HubStop } from '../hub/client.ts';
import { REPORT_PART_GAP_MS } from './report.ts';
import { observationsOf, ReportQueue } from './report-queue.ts';
import { PlethMarks } from './pleth-marks.ts';
import { QueueView } from '../../shared/queue-view.ts';
import { MDC } from '../../shared/catalogue.ts';
import { browserStorage, openLocalMedia } from './browser.ts';
import { SessionHint, type StorageLike } from './session-hint.ts';
import { TokenKeeper } from './token-keeper.ts';
import { ConsultationRecords } from './records.ts';
import { screenMachine, toConsoleState, type ConsoleState, type Notice, type ScreenEvent } from './screen-machine.ts';

/** `endError` when the client itself could not send the end while connected: the notes do not fit a frame. */
export const NOTES_TOO_LARGE = 'notes-too-large';

/** What the controller talks to: the browser's by default, fakes in tests. */
export interface ConsoleDeps {
  fetch?: FetchLike;
  connect?: HubClientOptions['connect'];
  storage?: StorageLike | undefined;
  createCall?: (o: CallOptions) => Call;
  openMedia?: () => Promise<MediaStream | undefined>;
}

/**
 * The console's state outside React: login, session restore after a reload and token renewal (token in memory
 * only; the session itself is the hub's HttpOnly cookie), the hub connection, the queue, claiming, the active
 * consultation and its call, the readings on their way to the report, and ending it.
 */
export class ConsoleController {
  /** The screens (restoring, login, queue, a past report, consultation) and their flags: see screen-machine.ts. */
  private readonly screens = createActor(screenMachine);
  /** What the screens see: derived once per machine change, so React gets the same object until then. */
  private state: ConsoleState;
  private readonly listeners = new Set<() => void>();
  /** The patient cards to tell when the cabin filed their consultation's identity (hub `patient-filed`). */
  private readonly patientWatchers = new Set<(consultationId: string) => void>();
  private readonly tokens: TokenKeeper;
  private hub: HubClient | undefined;
  /** The waiting queue from the hub's `queue` and `queue-delta` frames. */
  private readonly queue = new QueueView();
  private refs = new Map<string, 'claim' | 'end' | 'join'>();
  /** The end asked for; `sent` once it went on the current socket. */
  private pendingEnd: { ref: string; notes: string; sent: boolean } | undefined;
  private rejoin = false;
  private localMedia: Promise<MediaStream | undefined> | undefined;
  private report: ReportQueue | undefined;
  /** The pleth passages the doctor keeps in the live consultation, with its call (pleth-marks.ts). */
  private marks: { call: Call; marks: PlethMarks; unsubscribe: () => void } | undefined;
  /** The consultations' records on the hub (patient, past reports, exports), with this session's token. */
  readonly records: ConsultationRecords;
  private readonly hint: SessionHint;

  constructor(
    private readonly loc: { protocol: string; host: string } = location,
    private readonly deps: ConsoleDeps = {},
  ) {
    this.records = new ConsultationRecords(() => this.tokens.token?.token, deps.fetch);
    this.tokens = new TokenKeeper((t) => this.hub?.send({ type: 'auth', token: t.token }), deps.fetch);
    this.hint = new SessionHint('storage' in deps ? deps.storage : browserStorage());
    this.state = toConsoleState(this.screens.getSnapshot());
    this.screens.subscribe((snapshot) => {
      this.state = toConsoleState(snapshot);
      for (const fn of this.listeners) fn();
    });
    this.screens.start();
  }

  getSnapshot = (): ConsoleState => this.state;

  /** Calls `fn` with the consultation whose identity the cabin's assistant just filed (read it again). */
  onPatientFiled = (fn: (consultationId: string) => void): (() => void) => {
    this.patientWatchers.add(fn);
    return () => this.patientWatchers.delete(fn);
  };

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /**
   * On start: the session of an earlier login (the hub's cookie) gives a token without the form; the hub then
   * pushes the consultation still open for this doctor. Skipped (straight to the form) when this browser has not
   * logged in since its last logout, so a first visit costs no refused request. Resolves true when restored.
   */
  async restore(): Promise<boolean> {
    if (this.state.screen !== 'login' || this.tokens.token || !this.hint.get()) return false;
    this.send({ type: 'restore' });
    const r = await refresh(undefined, this.deps.fetch);
    // The user may have done something else meanwhile (e.g. logged in on a form shown by another path).
    if ((this.state.screen as ConsoleState['screen']) !== 'restoring') return false;
    if (!r.ok) {
      // No session (or no longer one) is not an error to show: the form is what comes next.
      if (r.error === 'expired') this.hint.clear();
      else console.warn(`The earlier session could not be restored (${r.error}).`);
      this.send({ type: 'restoreFailed' });
      return false;
    }
    this.startSession(r.value);
    return true;
  }

  async login(username: string, password: string): Promise<AuthResult> {
    const r = await hubLogin(username, password, this.deps.fetch);
    if (!r.ok) return r;
    this.hint.set();
    this.startSession(r.value);
    return r;
  }

  /** Ends the session on the hub (and its cookie), then here. */
  async logout(): Promise<void> {
    const token = this.tokens.token?.token;
    this.hint.clear();
    // Closed first: the hub closes the session's sockets (4401), which must not read as "session expired".
    this.hub?.stop();
    this.hub = undefined;
    await hubLogout(token, this.deps.fetch);
    this.clear(undefined);
  }

  private startSession(t: TokenAnswer): void {
    this.tokens.set(t);
    this.send({ type: 'signedIn', me: { id: t.id, name: t.name } });
    this.hub?.stop();
    this.hub = new HubClient({
      url: hubUrl(this.loc),
      token: () => this.tokens.token?.token ?? '',
      onMessage: (m) => this.onHub(m),
      onState: (s, reconnected) => this.onHubState(s, reconnected),
      onStop: (why) => this.onHubStop(why),
      // The hub refused the token (4401): one try with the session cookie, else the session is over.
      renewToken: () => this.tokens.fromCookie(),
      // A socket refused before it opened (a restarted hub that lost the session): ask the hub's API which it is.
      checkSession: () => this.tokens.checkSession(),
      ...(this.deps.connect ? { connect: this.deps.connect } : {}),
    });
    this.hub.start();
  }

  private clear(notice: Notice | undefined): void {
    this.hub?.stop();
    this.hub = undefined;
    this.report?.stop();
    this.report = undefined;
    this.dropMarks();
    this.state.call?.close();
    this.tokens.clear();
    this.pendingEnd = undefined;
    this.stopLocalMedia();
    this.send({ type: 'signedOut', notice });
  }

  /** Accept, from the queue (the only screen that offers it). */
  claim(consultationId: string): void {
    if (this.state.screen !== 'queue') return;
    const ref = newRequestId('claim').slice(0, 64);
    this.refs.set(ref, 'claim');
    this.send({ type: 'claim', consultationId });
    if (!this.hub?.send({ type: 'claim', ref, consultationId })) this.send({ type: 'claimFailed', error: { code: 'offline', message: '' } });
  }

  /** Opens a past consultation's report read-only (from the queue's « Mes consultations »); `closeReport` goes back. */
  openReport(consultation: PastConsultation): void {
    this.send({ type: 'openReport', consultation });
  }
  closeReport(): void {
    this.send({ type: 'closeReport' });
  }

  /** Ends the consultation and sends the report (notes + the readings the hub does not have yet). */
  end(notes: string): void {
    const c = this.state.consultation;
    if (!c) return;
    const ref = newRequestId('end').slice(0, 64);
    this.refs.set(ref, 'end');
    this.pendingEnd = { ref, notes, sent: false };
    this.send({ type: 'end' });
    this.report?.hurry(REPORT_PART_GAP_MS);
    this.sendEnd();
  }

  /** The passages of the pleth kept in this call's consultation (undefined for a call that is not the live one). */
  plethMarks(call: Call): PlethMarks | undefined {
    return this.marks?.call === call ? this.marks.marks : undefined;
  }

  dismissNotice(): void {
    this.send({ type: 'dismissNotice' });
  }

  /** The doctor saw the patient's call for the assistant. */
  dismissHelp(): void {
    this.send({ type: 'dismissHelp' });
  }

  /**
   * Sends `end` (notes only) once every reading taken has been answered by the hub (`reported`, or refused): so
   * every acknowledgement the cabin got is for a reading in the report. Runs again on each answer and once the
   * hub is back. A message the client refuses while connected (notes too large) is an error to show.
   */
  private sendEnd(): void {
    const c = this.state.consultation;
    const p = this.pendingEnd;
    if (!c || !p || p.sent) return;
    if (this.report && !this.report.drained()) return;
    // The passages of the pleth the doctor kept (or removed) are answered first: once ended, the hub takes none.
    if (this.marks && !this.marks.marks.idle) return;
    const msg: ToHub = { type: 'end', ref: p.ref, consultationId: c.consultationId, notes: p.notes, readings: [] };
    // Notes whose escaped JSON does not fit a frame (control characters pasted): an error to show, not a wait.
    if (new TextEncoder().encode(JSON.stringify(msg)).length > HUB_MAX_FRAME_BYTES) return this.endFailed(NOTES_TOO_LARGE);
    // Not sent (not connected, or the socket closing): sent again once the hub is back.
    p.sent = this.hub?.send(msg) ?? false;
  }

  private endFailed(message: string): void {
    this.pendingEnd = undefined;
    this.report?.calm();
    this.send({ type: 'endFailed', error: message });
  }

  private onHubState(s: HubState, reconnected: boolean): void {
    this.send({ type: 'hub', state: s });
    if (s !== 'connected' || !reconnected) return;
    const c = this.state.consultation;
    if (c) {
      this.rejoin = true;
      const ref = newRequestId('join').slice(0, 64);
      this.refs.set(ref, 'join');
      this.hub?.send({ type: 'join', ref, consultationId: c.consultationId });
      // Parts the old socket took without an answer go again (the hub keeps each reading once).
      this.report?.resend();
      this.marks?.marks.resend();
      if (this.pendingEnd) {
        // Maybe lost with the old socket: sent again (the hub answers `ended` if it had it).
        this.pendingEnd.sent = false;
        this.sendEnd();
      }
    }
  }

  private onHubStop(why: HubStop): void {
    if (why === 'auth') this.hint.clear();
    this.clear(why === 'auth' ? 'session-expired' : why === 'replaced' ? 'replaced' : 'forbidden');
  }

  private onHub(m: FromHub): void {
    switch (m.type) {
      case 'hello':
      case 'pong':
        return;
      case 'authenticated':
        // The socket closes in `expiresIn` s without a fresh token: renew before then if the timer is later.
        this.tokens.schedule(renewDelayMs(m.expiresIn), false);
        return;
      case 'reported':
        if (m.consultationId === this.state.consultation?.consultationId && !this.report?.answered(m.ref)) this.marks?.marks.answered(m.ref);
        if (this.pendingEnd) this.sendEnd();
        return;
      case 'queue':
      case 'queue-delta':
        // The queue view keeps the queue from the whole and its changes; a change that does not build on what it holds
        // (never from a hub that works right) asks for the whole again, and the queue shown stays until it comes.
        switch (this.queue.apply(m)) {
          case 'changed':
            return this.send({ type: 'queue', items: [...this.queue.items] });
          case 'gap':
            return void this.hub?.send({ type: 'queue-resync' });
          case 'stale':
            return;
        }
        return;
      case 'consultation':
        if (m.ref) this.refs.delete(m.ref);
        this.onConsultation(m.consultation);
        return;
      case 'signal':
        if (m.consultationId === this.state.consultation?.consultationId) this.state.call?.handleSignal(m.data);
        return;
      case 'help':
        this.send({ type: 'help', consultationId: m.consultationId, at: m.at });
        return;
      case 'patient-filed':
        for (const fn of this.patientWatchers) fn(m.consultationId);
        return;
      case 'ended':
        if (m.ref) this.refs.delete(m.ref);
        if (m.consultationId === this.state.consultation?.consultationId) this.finish(m.reason === 'cancelled' ? 'cancelled' : this.pendingEnd ? 'report-saved' : 'consultation-ended');
        return;
      case 'error':
        this.onError(m.ref, m.code, m.message);
        return;
    }
  }

  private onError(ref: string | undefined, code: string, message: string): void {
    if (ref && this.marks?.marks.refused(ref, code)) {
      // Shown under the pleth (a limit, the consultation over); rate-limited goes again by itself.
      if (code !== 'rate-limited') console.warn(`The hub refused a pleth passage: ${code} ${message}`);
      if (this.pendingEnd) this.sendEnd();
      return;
    }
    if (ref && this.report?.refused(ref, code)) {
      // Not acknowledged: the cabin's outbox keeps these readings. The consultation goes on.
      console.error(code === 'report-full' ? `The hub's report of this consultation is full: ${message}` : `The hub refused a report part: ${code} ${message}`);
      if (this.pendingEnd) this.sendEnd();
      return;
    }
    const what = ref ? this.refs.get(ref) : undefined;
    if (ref) this.refs.delete(ref);
    if (what === 'claim') this.send({ type: 'claimFailed', error: { code, message } });
    else if (what === 'end') this.endFailed(code || message); else if (what === 'join') {
      console.error(`The hub refused to rejoin the consultation: ${code} ${message}`);
      if (/not-found|ended|cancel|forbidden/i.test(code)) this.finish('consultation-ended');
    } else console.error(`The hub reported an error: ${code} ${message}`);
  }

  private onConsultation(c: ConsultationView): void {
    const me = this.state.me;
    if (c.state === 'ended' || c.state === 'cancelled') {
      if (c.consultationId === this.state.consultation?.consultationId) this.finish(c.state === 'cancelled' ? 'cancelled' : this.pendingEnd ? 'report-saved' : 'consultation-ended');
      return;
    }
    if (c.state !== 'active' || (me && c.doctorId !== null && c.doctorId !== me.id)) return;
    const prev = this.state.consultation?.consultationId === c.consultationId ? this.state.consultation : undefined;
    let call = prev ? this.state.call : undefined;
    if (!call) {
      this.state.call?.close();
      this.report?.stop();
      this.dropMarks();
      const claimed = this.state.claiming === c.consultationId;
      call = this.startCall(c);
      // Not just claimed here: the hub pushed a consultation still open (a reload): show what it stored so far.
      if (!claimed) void this.loadEarlier(c.consultationId, call);
    } else {
      call.updateIceServers(c.iceServers, c.iceTransportPolicy);
      // The cabin left (its patient with it): nothing of that patient stays on the doctor's screen.
      // Not on a mere socket blip (peerPresent false, then true again): the readings already taken must stay.
      if (c.cabinLeft && !prev?.cabinLeft) {
        call.forgetPatient();
        // The passages kept stay listed (the doctor may still remove one); no more curve to keep.
        this.marks?.marks.forgetCurve();
      }
    }
    // The patient went home: the call is over (no "cabin absent, retrying"); the consultation stays for the notes.
    if (c.cabinLeft) {
      call.close();
      // Nobody to see the doctor any more: the camera (and its light) goes off.
      this.stopLocalMedia();
    }
    this.send({ type: 'consultation', consultation: c, call });
    if (!c.cabinLeft && (!prev || this.rejoin || (c.peerPresent && !prev.peerPresent))) call.hello();
    this.rejoin = false;
  }

  private startCall(c: ConsultationView): Call {
    const consultationId = c.consultationId;
    // Shown at once; acknowledged to the cabin only once the hub stored it (`reported`, after the call exists).
    const report = new ReportQueue({ consultationId, send: (m) => this.hub?.send(m) ?? false, ack: (ids) => call.ack(ids), onSettled: () => this.sendEnd() });
    this.report = report;
    const call = (this.deps.createCall ?? ((o: CallOptions) => new Call(o)))({
      iceServers: c.iceServers,
      ...(c.iceTransportPolicy ? { iceTransportPolicy: c.iceTransportPolicy } : {}),
      sendSignal: (data) => this.hub?.send({ type: 'signal', consultationId, data }) ?? false,
      incident: (detail) => void this.hub?.send({ type: 'incident', consultationId, detail: detail.slice(0, 500) }),
      onObservation: (o) => report.received(o),
      ...(this.netCheckOf(consultationId) ? { netCheck: this.netCheckOf(consultationId)! } : {}),
    });
    report.start();
    const marks = new PlethMarks({ consultationId, send: (m) => this.hub?.send(m) ?? false, onIdle: () => this.sendEnd() });
    const unsubscribe = call.onWaveform((s) => {
      if (s.info.code === MDC.PULS_OXIM_PLETH) marks.feed(s);
    });
    marks.start();
    this.marks = { call, marks, unsubscribe };
    this.localMedia ??= (this.deps.openMedia ?? openLocalMedia)();
    void this.localMedia.then((stream) => {
      if (stream && this.state.call === call) call.setLocalStream(stream);
    });
    return call;
  }

  /** The pre-call check of the cabin's request, as the queue showed it (sender-caps.ts). */
  private netCheckOf(consultationId: string): NetCheck | undefined {
    return this.state.queue.find((q) => q.consultationId === consultationId)?.netcheck;
  }

  /**
   * What the hub stored before a reload: the readings, shown in the vitals and not reported again; the pleth passages
   * the doctor kept, listed again (and removable). Not fatal.
   */
  private async loadEarlier(consultationId: string, call: Call): Promise<void> {
    const token = this.tokens.token?.token;
    if (!token) return;
    const report = await fetchReport(consultationId, token, this.deps.fetch);
    if (!report) {
      console.warn('The readings stored so far could not be loaded: the vitals fill in as new ones arrive.');
      return;
    }
    if (this.state.call !== call) return;
    const earlier = observationsOf(report.readings);
    this.report?.markReported(earlier.map((o) => o.id));
    call.setEarlier(earlier);
    this.plethMarks(call)?.restore((report.pleth ?? []).filter((p) => p.marked));
  }

  private dropMarks(): void {
    this.marks?.marks.stop();
    this.marks?.unsubscribe();
    this.marks = undefined;
  }

  private finish(notice: Notice): void {
    this.report?.stop();
    this.report = undefined;
    this.dropMarks();
    this.state.call?.close();
    this.pendingEnd = undefined;
    this.stopLocalMedia();
    this.send({ type: 'finished', notice });
  }

  private stopLocalMedia(): void {
    const m = this.localMedia;
    this.localMedia = undefined;
    void m?.then((s) => s?.getTracks().forEach((t) => t.stop()));
  }

  private send(event: ScreenEvent): void {
    this.screens.send(event);
  }
}
