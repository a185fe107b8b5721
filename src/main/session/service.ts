import { randomUUID } from 'node:crypto';
import type { CallView, Language, Phase, Reading, SessionView } from '../../shared/bridge.ts';
import type { MdcCode } from '../../shared/catalogue.ts';
import type { DeviceEvent } from '../../shared/device-event.ts';
import type { LeaveReason } from '../../shared/hub-protocol.ts';
import { metaFields, shownToPatient } from '../../shared/observation.ts';
import { BridgeFailure, type EventSink } from '../bridge/dispatch.ts';
import type { KioskConfig } from '../config.ts';
import { ALONE, heldByCall, idleStep, nextAttendance, type Attendance } from './attendance.ts';
import { nextPhase, phaseOf, phaseSnapshot, type PhaseEvent, type PhaseSnapshot } from './phases.ts';
import { StoreFaults } from '../store/faults.ts';
import { PinGuard, type PinLockStore } from './pin.ts';
import type { EndReason, SessionStore } from './ports.ts';
import { silentLogger, type Logger } from '../../server/log.ts';

interface Current {
  id: string;
  startedAt: number;
}

/**
 * The patient's visit: welcome → consent → exam → end → cleaning → welcome (the phase machine of phases.ts, moved
 * only by `move`). It lives here in main (and its data in the store), so a renderer reload resumes it. At the end,
 * and on an idle timeout, the patient's data leaves the screens and this process's memory; the next patient waits
 * for the cleaning checklist.
 */
/**
 * A stored reading stamped up to this long before the visit started still counts (a patient who measured as the
 * assistant started the visit; a device clock a little behind the cabin's).
 */
export const MEMORY_GRACE_MS = 60_000;

export class SessionService {
  private phases: PhaseSnapshot;
  private language: Language;
  private current: Current | undefined;
  private readings = new Map<string, Reading>();
  private assistant = false;
  /** The patient asked for the assistant at this time (ms), until the assistant answers. */
  private helpAt: number | null = null;
  private lastActivity: number;
  private idleSince: number | undefined;
  /** The call as the idle rule sees it (attendance.ts): a doctor's presence counts as activity. */
  private attendance: Attendance = ALONE;
  /** Why the last visit ended, for the doctor; 'restart' until one ends in this process (an open one is from before). */
  private ended: LeaveReason = 'restart';
  private readonly pins: PinGuard;
  /** A full disk: shown on the assistant panel and told to the doctor; its log lines rate-limited. */
  private readonly faults: StoreFaults;
  /** The exam step the kiosk last opened, kept in memory for this visit only (a reloaded page comes back to it). */
  private step: string | null = null;
  private readonly waves = new Map<string, { deviceId: string; code: MdcCode; rate: number; t: number; samples: number[] }>();

  constructor(
    private readonly store: SessionStore,
    private readonly config: KioskConfig,
    private readonly emit: EventSink,
    private readonly now: () => number = Date.now,
    pinHash?: string,
    /** A child of cabin main's logger (`component: 'session'`). */
    private readonly log: Logger = silentLogger(),
    /** Where the PIN pad's lock outlives a restart (session/pin-lock.ts); in memory only when absent (tests). */
    opts: { pinLock?: PinLockStore } = {},
  ) {
    this.language = config.languages[0] ?? 'fr';
    this.lastActivity = now();
    this.pins = new PinGuard(pinHash, { now }, opts.pinLock);
    // The probe is the audit line that says the disk has room again: it is kept only once a write goes through.
    const probe = (): void => store.audit({ actor: 'system', action: 'incident', detail: { detail: "disk-full: the cabin's disk has room again" } });
    this.faults = new StoreFaults({ log, now, onChange: () => this.publish(), probe });
    // The cabin stopped during a visit: close it and have the cabin cleaned before the next patient.
    for (let left = store.openSession(); left; left = store.openSession()) {
      store.endSession(left.id, 'crash-recovery');
      store.audit({ actor: 'system', action: 'session-end', sessionId: left.id, detail: { reason: 'crash-recovery' } });
    }
    // A demo has no patient and nothing to clean: it restarts ready (a real cabin's assistant unlocks with the PIN).
    this.phases = phaseSnapshot(!config.demo && store.cleaningPending() ? 'cleaning' : 'welcome');
  }

  private get phase(): Phase {
    return phaseOf(this.phases);
  }

  view(): SessionView {
    const warn = this.idleSince === undefined ? null : { secondsLeft: Math.max(0, Math.ceil(this.config.idle.endAfterS - (this.now() - this.idleSince) / 1000)) };
    return {
      phase: this.phase,
      sessionId: this.current?.id ?? null,
      language: this.language,
      startedAt: this.current?.startedAt ?? null,
      assistant: this.assistant,
      idleWarning: warn,
      help: this.helpAt === null ? null : { at: this.helpAt },
      readings: [...this.readings.values()],
      ...(this.step !== null ? { step: this.step } : {}),
      ...(this.faults.current() ? { storeFault: this.faults.current() } : {}),
    };
  }

  start(language: Language): SessionView {
    this.require({ type: 'start' }, 'A visit can only start from the welcome screen.');
    if (!this.config.languages.includes(language)) throw new BridgeFailure('unsupported-language', `Language ${language} is not enabled on this cabin.`);
    // The assistant's panel never carries over to a patient.
    this.assistant = false;
    this.language = language;
    const id = this.store.createSession(language);
    this.current = { id, startedAt: this.now() };
    this.store.audit({ actor: 'patient', action: 'session-start', sessionId: id });
    return this.move({ type: 'start' });
  }

  consent(accepted: boolean): SessionView {
    this.require({ type: 'accept' }, 'Consent is asked only once, at the start of the visit.');
    const id = this.current!.id;
    this.store.audit({ actor: 'patient', action: 'consent', sessionId: id, detail: { accepted } });
    if (accepted) {
      this.store.recordConsent(id);
      return this.move({ type: 'accept' });
    }
    this.close('declined');
    return this.move({ type: 'decline' });
  }

  setLanguage(language: Language): SessionView {
    if (!this.config.languages.includes(language)) throw new BridgeFailure('unsupported-language', `Language ${language} is not enabled on this cabin.`);
    this.language = language;
    return this.publish();
  }

  activity(): SessionView {
    this.touch();
    return this.view();
  }

  /** Why the last visit ended (the doctor is told): the patient, the assistant, idleness, or a restart of cabin main. */
  endReason(): LeaveReason {
    return this.ended;
  }

  /** The hub link's view of the call changed: a doctor there (or just lost) holds the idle prompt off. */
  onCall(view: CallView): void {
    this.attendance = nextAttendance(this.attendance, view, this.now());
    if (this.idleSince !== undefined && heldByCall(this.attendance, this.now(), this.config.idle)) this.touch();
  }

  /** exam → end (summary), end → cleaning (data cleared); `from` makes a double tap harmless. */
  end(from?: 'exam' | 'end'): SessionView {
    this.require({ type: 'end' }, 'There is no visit to end.', from);
    if (this.phase === 'exam') {
      // With the panel unlocked, it is the assistant who ends the visit.
      this.ended = this.assistant ? 'assistant' : 'patient';
      this.close(this.assistant ? 'assistant' : 'completed');
      return this.move({ type: 'end' });
    }
    return this.clearPatient({ type: 'end' });
  }

  /** "Call the assistant": recorded, shown and rung on the kiosk until the assistant answers (app.ts tells the doctor). */
  help(): SessionView {
    if (!this.current) throw new BridgeFailure('no-session', 'There is no visit in progress.');
    this.touch();
    if (this.helpAt === null) {
      this.helpAt = this.now();
      this.auditSafely({ actor: 'patient', action: 'help-request', sessionId: this.current.id });
    }
    return this.publish();
  }

  /** The assistant came (pressed "I am coming" or unlocked the panel). */
  helpAnswered(): SessionView {
    if (this.helpAt !== null) this.auditSafely({ actor: 'assistant', action: 'help-answered', ...(this.current ? { sessionId: this.current.id } : {}) });
    this.helpAt = null;
    return this.publish();
  }

  async unlockAssistant(pin: string): Promise<SessionView> {
    const result = this.pins.check(pin);
    // A full disk must not lock the assistant out of the panel that says the disk is full.
    this.auditSafely({ actor: 'assistant', action: result === 'ok' ? 'assistant-unlock' : 'assistant-unlock-failed' });
    if (result === 'unset') throw new BridgeFailure('no-pin', 'No assistant PIN is configured on this cabin: set assistantPinHash in the cabin config.');
    if (result === 'locked') throw new BridgeFailure('pin-locked', `Too many wrong PINs: wait ${Math.ceil(this.pins.waitMs() / 1000)} s, then try again.`);
    if (result === 'wrong') throw new BridgeFailure('wrong-pin', 'Wrong PIN.');
    this.assistant = true;
    if (this.helpAt !== null) return this.helpAnswered();
    return this.publish();
  }

  lockAssistant(): SessionView {
    if (this.assistant) this.auditSafely({ actor: 'assistant', action: 'assistant-lock' });
    this.assistant = false;
    return this.publish();
  }

  completeCleaning(done: readonly string[]): SessionView {
    if (!this.assistant) throw new BridgeFailure('assistant-only', 'Only the assistant can complete the cleaning checklist: unlock assistant mode first.');
    this.require({ type: 'cleaned' }, 'The cabin is not waiting for cleaning.');
    const missing = this.config.checklist.filter((c) => !done.includes(c.id)).map((c) => c.id);
    if (missing.length > 0) throw new BridgeFailure('checklist-incomplete', `The checklist is not complete: ${missing.join(', ')}.`);
    this.store.audit({ actor: 'assistant', action: 'cleaning-done', detail: { items: [...done] } });
    this.assistant = false;
    return this.move({ type: 'cleaned' });
  }

  /** The kiosk opened this exam step (only during the exam: the next visit starts at its first step). */
  openStep(step: string): void {
    if (this.phase === 'exam') this.step = step;
  }

  /**
   * A decoded device event: readings belong to the visit only during the examination. A reading from a device's
   * memory (a Bluetooth cuff or glucometer sends its stored records) taken before the visit started is another
   * person's, or an old one: it is never attached (`old`, counted for the assistant).
   */
  onDeviceEvent(deviceId: string, e: DeviceEvent): 'taken' | 'old' | 'outside' {
    if (this.phase !== 'exam' || !this.current) return 'outside';
    const sessionId = this.current.id;
    if (e.kind === 'observation') {
      // Placed in time only through a device clock the cabin read (set, or skewed by a known offset): a reading from
      // before the visit is another person's, whether the device marked it stored or not. A reading whose time cannot
      // be trusted (no clock read, clock unset) is kept, marked as from the device's memory when it says so; the
      // device host never delivers a measurement twice, so a reading it already gave (in an earlier visit) never comes.
      const trusted = e.deviceClock?.state === 'set' || e.deviceClock?.state === 'skewed';
      if (trusted && e.t !== undefined && e.t < this.current.startedAt - MEMORY_GRACE_MS) return 'old';
      const fromMemory = e.record?.stored === true && !trusted && !(e.flags ?? []).includes('from-storage');
      const flags = fromMemory ? [...(e.flags ?? []), 'from-storage' as const] : e.flags;
      const reading: Reading = {
        id: randomUUID(),
        deviceId,
        code: e.code,
        // The number, or the reason the device gave none (its special value): one of the two, as the device said.
        ...(e.absent !== undefined ? { absent: e.absent } : { value: e.value }),
        unit: e.unit,
        t: e.t ?? this.now(),
        measurementId: e.measurementId,
        ...metaFields({ decimals: e.decimals, reported: e.reported, flags, deviceClock: e.deviceClock }),
      };
      // Stored (and queued for delivery) before anyone sees it: a reading the store refused is not shown.
      try {
        this.store.addObservation({ ...reading, sessionId });
        this.faults.succeeded();
      } catch (err) {
        this.faults.failed('a reading', err);
        return 'taken';
      }
      // What the patient's screens show: a stream's special value (finger out) does not replace the value measured.
      if (shownToPatient(reading)) this.readings.set(e.code, reading);
      this.emit('reading', reading);
    } else if (e.kind === 'waveform') {
      const t = e.t ?? this.now();
      this.emit('waveform', { deviceId, code: e.code, rate: e.rate, samples: e.samples, t });
      try {
        this.bufferWave(sessionId, deviceId, e.code, e.rate, t, e.samples);
      } catch (err) {
        this.faults.failed('a waveform', err);
      }
    }
    return 'taken';
  }

  /** Once a second: the idle prompt, then the end of an abandoned visit; never while a doctor is there (attendance.ts). */
  tick(): void {
    // A full disk's notice clears once there is room again, whether or not a reading comes (store/faults.ts).
    this.faults.check();
    if (!this.phases.can({ type: 'idle' })) return;
    const now = this.now();
    const step = idleStep({ attendance: this.attendance, lastActivity: this.lastActivity, promptedAt: this.idleSince }, now, this.config.idle);
    if (step === 'held') return this.touch();
    if (step === 'quiet') return;
    if (step === 'warn') {
      this.idleSince ??= now;
      this.publish();
      return;
    }
    this.ended = 'idle';
    if (this.phase !== 'end') this.store.audit({ actor: 'system', action: 'session-end', sessionId: this.current?.id, detail: { reason: 'idle' } });
    if (this.phase === 'consent') {
      this.close('idle');
      this.move({ type: 'idle' });
    } else {
      if (this.phase === 'exam') this.close('idle');
      this.clearPatient({ type: 'idle' });
    }
    this.assistant = false;
  }

  /**
   * For the audit lines of calling and answering the assistant and of the PIN pad: a full disk must not stop the
   * patient calling for help or the assistant coming (the failure is logged, rate-limited, and shown as the fault).
   */
  private auditSafely(entry: Parameters<SessionStore['audit']>[0]): void {
    try {
      this.store.audit(entry);
    } catch (err) {
      this.faults.failed(`an audit line (${entry.action})`, err);
    }
  }

  private bufferWave(sessionId: string, deviceId: string, code: MdcCode, rate: number, t: number, samples: number[]): void {
    const key = `${deviceId}\u0000${code}`;
    let w = this.waves.get(key);
    if (!w) this.waves.set(key, (w = { deviceId, code, rate, t, samples: [] }));
    w.samples.push(...samples);
    if (w.samples.length >= rate) {
      this.store.addWaveformChunk({ sessionId, ...w });
      this.waves.delete(key);
    }
  }

  private close(reason: EndReason): void {
    if (!this.current) return;
    for (const w of this.waves.values()) if (w.samples.length > 0) this.store.addWaveformChunk({ sessionId: this.current.id, ...w });
    this.waves.clear();
    this.store.endSession(this.current.id, reason);
    if (reason !== 'idle') this.store.audit({ actor: reason === 'assistant' ? 'assistant' : 'patient', action: 'session-end', sessionId: this.current.id, detail: { reason } });
  }

  /** The patient's data leaves the screen and memory; the cabin waits for cleaning. */
  private clearPatient(event: PhaseEvent): SessionView {
    this.current = undefined;
    this.readings = new Map();
    this.waves.clear();
    this.assistant = false;
    return this.move(event);
  }

  private touch(): void {
    this.lastActivity = this.now();
    if (this.idleSince !== undefined) {
      this.idleSince = undefined;
      this.publish();
    }
  }

  /** The visit must be where `event` applies (and in phase `from` when given: a double tap is harmless). */
  private require(event: PhaseEvent, message: string, from?: Phase): void {
    this.touch();
    if (!this.phases.can(event) || (from && from !== this.phase)) throw new BridgeFailure('wrong-phase', message);
  }

  /** The one place the phase changes. */
  private move(event: PhaseEvent): SessionView {
    const before = this.phase;
    this.phases = nextPhase(this.phases, event);
    const phase = this.phase;
    if (phase !== before) {
      this.step = null;
      if (phase === 'welcome' || phase === 'cleaning') {
        this.current = undefined;
        this.readings = new Map();
        this.helpAt = null;
        // The next patient starts in the cabin's first language, not the last patient's.
        this.language = this.config.languages[0] ?? 'fr';
      }
      // A new screen starts its own idle count: no stale "are you still there?" on the next one.
      this.lastActivity = this.now();
      this.idleSince = undefined;
    }
    return this.publish();
  }

  private publish(): SessionView {
    const view = this.view();
    this.emit('session', view);
    return view;
  }
}
