import { createActor } from 'xstate';
import type { ConsultationView, TokenAnswer } from '../../shared/hub-protocol.ts';
import { Call, type CallOptions } from '../call/call.ts';
import type { NetCheck } from '../../shared/netcheck.ts';
import { fetchReport, login as hubLogin, logout as hubLogout, refresh, type AuthResult, type FetchLike } from '../hub/auth.ts';
import type { PastConsultation } from '../../shared/past-consultations.ts';
import type { HubClientOptions } from '../hub/client.ts';
import { HubLink } from './hub-link.ts';
import { REPORT_PART_GAP_MS } from './report.ts';
import { observationsOf, ReportQueue } from './report-queue.ts';
import { PlethMarks } from './pleth-marks.ts';
import { MDC } from '../../shared/catalogue.ts';
import { browserStorage, openLocalMedia } from './browser.ts';
import { SessionHint, type StorageLike } from './session-hint.ts';
import { TokenKeeper } from './token-keeper.ts';
import { ConsultationRecords } from './records.ts';
import { screenMachine, toConsoleState, type ConsoleState, type Notice, type ScreenEvent } from './screen-machine.ts';

export { NOTES_TOO_LARGE } from './hub-link.ts';

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
  /** The socket of the session, the frames it brings, the requests it waits on and the end (hub-link.ts). */
  private readonly hub: HubLink;
  private localMedia: Promise<MediaStream | undefined> | undefined;
  private report: ReportQueue | undefined;
  /** The pleth passages the doctor keeps in the live consultation, with its call (pleth-marks.ts). */
  private marks: { call: Call; marks: PlethMarks; unsubscribe: () => void } | undefined;
  /** The consultations' records on the hub (patient, past reports, exports), with this session's token. */
  readonly records: ConsultationRecords;
  private readonly hint: SessionHint;

  constructor(
    loc: { protocol: string; host: string } = location,
    private readonly deps: ConsoleDeps = {},
  ) {
    this.records = new ConsultationRecords(() => this.tokens.token?.token, deps.fetch);
    this.tokens = new TokenKeeper((t) => this.hub.send({ type: 'auth', token: t.token }), deps.fetch);
    this.hint = new SessionHint('storage' in deps ? deps.storage : browserStorage());
    this.hub = new HubLink({
      loc,
      ...(deps.connect ? { connect: deps.connect } : {}),
      tokens: this.tokens,
      hint: this.hint,
      state: () => this.state,
      screen: (event) => this.send(event),
      report: () => this.report,
      marks: () => this.marks?.marks,
      consultation: (c) => this.onConsultation(c),
      patientFiled: (id) => {
        for (const fn of this.patientWatchers) fn(id);
      },
      finish: (notice) => this.finish(notice),
      signOut: (notice) => this.clear(notice),
    });
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
    this.hub.stop();
    await hubLogout(token, this.deps.fetch);
    this.clear(undefined);
  }

  private startSession(t: TokenAnswer): void {
    this.tokens.set(t);
    this.send({ type: 'signedIn', me: { id: t.id, name: t.name } });
    this.hub.start();
  }

  private clear(notice: Notice | undefined): void {
    this.hub.stop();
    this.report?.stop();
    this.report = undefined;
    this.dropMarks();
    this.state.call?.close();
    this.tokens.clear();
    this.hub.dropEnd();
    this.stopLocalMedia();
    this.send({ type: 'signedOut', notice });
  }

  /** Accept, from the queue (the only screen that offers it). */
  claim(consultationId: string): void {
    if (this.state.screen !== 'queue') return;
    this.send({ type: 'claim', consultationId });
    if (!this.hub.claim(consultationId)) this.send({ type: 'claimFailed', error: { code: 'offline', message: '' } });
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
    this.hub.askEnd(notes);
    this.send({ type: 'end' });
    this.report?.hurry(REPORT_PART_GAP_MS);
    this.hub.sendEnd();
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

  private onConsultation(c: ConsultationView): void {
    const me = this.state.me;
    if (c.state === 'ended' || c.state === 'cancelled') {
      if (c.consultationId === this.state.consultation?.consultationId) this.finish(c.state === 'cancelled' ? 'cancelled' : this.hub.ending ? 'report-saved' : 'consultation-ended');
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
    if (!c.cabinLeft && (!prev || this.hub.rejoin || (c.peerPresent && !prev.peerPresent))) call.hello();
    this.hub.rejoin = false;
  }

  private startCall(c: ConsultationView): Call {
    const consultationId = c.consultationId;
    // Shown at once; acknowledged to the cabin only once the hub stored it (`reported`, after the call exists).
    const report = new ReportQueue({ consultationId, send: (m) => this.hub.send(m), ack: (ids) => call.ack(ids), onSettled: () => this.hub.sendEnd() });
    this.report = report;
    const call = (this.deps.createCall ?? ((o: CallOptions) => new Call(o)))({
      iceServers: c.iceServers,
      ...(c.iceTransportPolicy ? { iceTransportPolicy: c.iceTransportPolicy } : {}),
      sendSignal: (data) => this.hub.send({ type: 'signal', consultationId, data }),
      incident: (detail) => void this.hub.send({ type: 'incident', consultationId, detail: detail.slice(0, 500) }),
      onObservation: (o) => report.received(o),
      ...(this.netCheckOf(consultationId) ? { netCheck: this.netCheckOf(consultationId)! } : {}),
    });
    report.start();
    const marks = new PlethMarks({ consultationId, send: (m) => this.hub.send(m), onIdle: () => this.hub.sendEnd() });
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
    this.hub.dropEnd();
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
