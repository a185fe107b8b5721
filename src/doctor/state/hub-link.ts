import { HUB_MAX_FRAME_BYTES, type ConsultationView, type FromHub, type ToHub } from '../../shared/hub-protocol.ts';
import { newRequestId } from '../call/peer-id.ts';
import { renewDelayMs } from '../hub/auth.ts';
import { HubClient, hubUrl, type HubClientOptions, type HubState, type HubStop } from '../hub/client.ts';
import { QueueView } from '../../shared/queue-view.ts';
import type { PlethMarks } from './pleth-marks.ts';
import type { ReportQueue } from './report-queue.ts';
import type { SessionHint } from './session-hint.ts';
import type { TokenKeeper } from './token-keeper.ts';
import type { ConsoleState, Notice, ScreenEvent } from './screen-machine.ts';

/** `endError` when the client itself could not send the end while connected: the notes do not fit a frame. */
export const NOTES_TOO_LARGE = 'notes-too-large';

export interface HubLinkOptions {
  loc: { protocol: string; host: string };
  connect?: HubClientOptions['connect'];
  tokens: TokenKeeper;
  /** Cleared when the hub ends the session (4401 and no renewal). */
  hint: SessionHint;
  /** The console's state now (its consultation, its call, its queue). */
  state: () => ConsoleState;
  /** An event for the console's screens (screen-machine.ts). */
  screen: (event: ScreenEvent) => void;
  /** The live consultation's readings on their way to the report, and its kept pleth passages, if any. */
  report: () => ReportQueue | undefined;
  marks: () => PlethMarks | undefined;
  /** The hub's view of a consultation of this doctor (console.ts: the call started, updated or over). */
  consultation: (c: ConsultationView) => void;
  /** The cabin filed this consultation's patient identity (hub `patient-filed`). */
  patientFiled: (consultationId: string) => void;
  /** The consultation is over, with this notice. */
  finish: (notice: Notice) => void;
  /** The hub ended the session (refused, replaced, forbidden): the console signs out with this notice. */
  signOut: (notice: Notice) => void;
}

/**
 * The console's link to the hub (console.ts): the socket of the session (hub/client.ts), the frames it brings (the
 * queue, the consultation, signals, answers and errors), the requests waiting for an answer (`claim`, `end`, `join`),
 * and the end, sent only once the hub answered every reading and kept passage, and again after a reconnection.
 */
export class HubLink {
  private client: HubClient | undefined;
  /** The waiting queue from the hub's `queue` and `queue-delta` frames. */
  private readonly queue = new QueueView();
  private refs = new Map<string, 'claim' | 'end' | 'join'>();
  /** The end asked for; `sent` once it went on the current socket. */
  private pendingEnd: { ref: string; notes: string; sent: boolean } | undefined;
  /**
   * Set when the socket came back with a consultation open (a `join` went): the console's next view of its
   * consultation says hello to the cabin again, and clears it.
   */
  rejoin = false;

  constructor(private readonly o: HubLinkOptions) {}

  /** A socket for the session now (the one before, if any, stopped). */
  start(): void {
    this.client?.stop();
    this.client = new HubClient({
      url: hubUrl(this.o.loc),
      token: () => this.o.tokens.token?.token ?? '',
      onMessage: (m) => this.onHub(m),
      onState: (s, reconnected) => this.onHubState(s, reconnected),
      onStop: (why) => this.onHubStop(why),
      // The hub refused the token (4401): one try with the session cookie, else the session is over.
      renewToken: () => this.o.tokens.fromCookie(),
      // A socket refused before it opened (a restarted hub that lost the session): ask the hub's API which it is.
      checkSession: () => this.o.tokens.checkSession(),
      ...(this.o.connect ? { connect: this.o.connect } : {}),
    });
    this.client.start();
  }

  stop(): void {
    this.client?.stop();
    this.client = undefined;
  }

  /** False when it could not go (no socket, not connected, or refused by the client). */
  send(msg: ToHub): boolean {
    return this.client?.send(msg) ?? false;
  }

  /** Asks to claim a waiting consultation; false when the claim could not go. */
  claim(consultationId: string): boolean {
    const ref = newRequestId('claim').slice(0, 64);
    this.refs.set(ref, 'claim');
    return this.send({ type: 'claim', ref, consultationId });
  }

  /** The doctor ends with these notes: sent by sendEnd, once the hub answered what is in flight. */
  askEnd(notes: string): void {
    const ref = newRequestId('end').slice(0, 64);
    this.refs.set(ref, 'end');
    this.pendingEnd = { ref, notes, sent: false };
  }

  /** Whether the doctor asked to end (the consultation over now is the report saved). */
  get ending(): boolean {
    return this.pendingEnd !== undefined;
  }

  /** The end asked for is no more (the consultation is over, or the session). */
  dropEnd(): void {
    this.pendingEnd = undefined;
  }

  /**
   * Sends `end` (notes only) once every reading taken has been answered by the hub (`reported`, or refused): so
   * every acknowledgement the cabin got is for a reading in the report. Runs again on each answer and once the
   * hub is back. A message the client refuses while connected (notes too large) is an error to show.
   */
  sendEnd(): void {
    const c = this.o.state().consultation;
    const p = this.pendingEnd;
    if (!c || !p || p.sent) return;
    const report = this.o.report();
    if (report && !report.drained()) return;
    // The passages of the pleth the doctor kept (or removed) are answered first: once ended, the hub takes none.
    const marks = this.o.marks();
    if (marks && !marks.idle) return;
    const msg: ToHub = { type: 'end', ref: p.ref, consultationId: c.consultationId, notes: p.notes, readings: [] };
    // Notes whose escaped JSON does not fit a frame (control characters pasted): an error to show, not a wait.
    if (new TextEncoder().encode(JSON.stringify(msg)).length > HUB_MAX_FRAME_BYTES) return this.endFailed(NOTES_TOO_LARGE);
    // Not sent (not connected, or the socket closing): sent again once the hub is back.
    p.sent = this.send(msg);
  }

  private endFailed(message: string): void {
    this.pendingEnd = undefined;
    this.o.report()?.calm();
    this.o.screen({ type: 'endFailed', error: message });
  }

  private onHubState(s: HubState, reconnected: boolean): void {
    this.o.screen({ type: 'hub', state: s });
    if (s !== 'connected' || !reconnected) return;
    const c = this.o.state().consultation;
    if (c) {
      this.rejoin = true;
      const ref = newRequestId('join').slice(0, 64);
      this.refs.set(ref, 'join');
      this.send({ type: 'join', ref, consultationId: c.consultationId });
      // Parts the old socket took without an answer go again (the hub keeps each reading once).
      this.o.report()?.resend();
      this.o.marks()?.resend();
      if (this.pendingEnd) {
        // Maybe lost with the old socket: sent again (the hub answers `ended` if it had it).
        this.pendingEnd.sent = false;
        this.sendEnd();
      }
    }
  }

  private onHubStop(why: HubStop): void {
    if (why === 'auth') this.o.hint.clear();
    this.o.signOut(why === 'auth' ? 'session-expired' : why === 'replaced' ? 'replaced' : 'forbidden');
  }

  private onHub(m: FromHub): void {
    switch (m.type) {
      case 'hello':
      case 'pong':
        return;
      case 'authenticated':
        // The socket closes in `expiresIn` s without a fresh token: renew before then if the timer is later.
        this.o.tokens.schedule(renewDelayMs(m.expiresIn), false);
        return;
      case 'reported':
        if (m.consultationId === this.o.state().consultation?.consultationId && !this.o.report()?.answered(m.ref)) this.o.marks()?.answered(m.ref);
        if (this.pendingEnd) this.sendEnd();
        return;
      case 'queue':
      case 'queue-delta':
        // The queue view keeps the queue from the whole and its changes; a change that does not build on what it holds
        // (never from a hub that works right) asks for the whole again, and the queue shown stays until it comes.
        switch (this.queue.apply(m)) {
          case 'changed':
            return this.o.screen({ type: 'queue', items: [...this.queue.items] });
          case 'gap':
            return void this.send({ type: 'queue-resync' });
          case 'stale':
            return;
        }
        return;
      case 'consultation':
        if (m.ref) this.refs.delete(m.ref);
        this.o.consultation(m.consultation);
        return;
      case 'signal':
        if (m.consultationId === this.o.state().consultation?.consultationId) this.o.state().call?.handleSignal(m.data);
        return;
      case 'help':
        this.o.screen({ type: 'help', consultationId: m.consultationId, at: m.at });
        return;
      case 'patient-filed':
        this.o.patientFiled(m.consultationId);
        return;
      case 'ended':
        if (m.ref) this.refs.delete(m.ref);
        if (m.consultationId === this.o.state().consultation?.consultationId) this.o.finish(m.reason === 'cancelled' ? 'cancelled' : this.pendingEnd ? 'report-saved' : 'consultation-ended');
        return;
      case 'error':
        this.onError(m.ref, m.code, m.message);
        return;
    }
  }

  private onError(ref: string | undefined, code: string, message: string): void {
    if (ref && this.o.marks()?.refused(ref, code)) {
      // Shown under the pleth (a limit, the consultation over); rate-limited goes again by itself.
      if (code !== 'rate-limited') console.warn(`The hub refused a pleth passage: ${code} ${message}`);
      if (this.pendingEnd) this.sendEnd();
      return;
    }
    if (ref && this.o.report()?.refused(ref, code)) {
      // Not acknowledged: the cabin's outbox keeps these readings. The consultation goes on.
      console.error(code === 'report-full' ? `The hub's report of this consultation is full: ${message}` : `The hub refused a report part: ${code} ${message}`);
      if (this.pendingEnd) this.sendEnd();
      return;
    }
    const what = ref ? this.refs.get(ref) : undefined;
    if (ref) this.refs.delete(ref);
    if (what === 'claim') this.o.screen({ type: 'claimFailed', error: { code, message } });
    else if (what === 'end') this.endFailed(code || message); else if (what === 'join') {
      console.error(`The hub refused to rejoin the consultation: ${code} ${message}`);
      if (/not-found|ended|cancel|forbidden/i.test(code)) this.o.finish('consultation-ended');
    } else console.error(`The hub reported an error: ${code} ${message}`);
  }
}
