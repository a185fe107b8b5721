import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { FromHub } from '../../shared/hub-protocol.ts';
import type { PatientIdentity } from '../../shared/patient-identity.ts';

/** What the delivery needs of the hub link: send one `patient` message (false when the hub is not connected). */
export interface PatientLink {
  patient(consultationId: string, identity: PatientIdentity, ref: string): boolean;
}

/** The hub's answer to a `patient` message: `patient-filed`, or an `error` carrying its ref. */
export type PatientAnswer = Extract<FromHub, { type: 'patient-filed' | 'error' }>;

/**
 * Where the identity of a visit stands on its way to the hub: `waiting` (no consultation yet: it goes as soon as there
 * is one), `sending` (not acknowledged yet; sent again after a reconnection), `filed` (the hub has it), `doctor-kept`
 * (the doctor had filed one: the doctor's stands), `refused` (the hub will never take it).
 */
export type PatientDeliveryState = 'waiting' | 'sending' | 'filed' | 'doctor-kept' | 'refused';

export interface PatientDeliveryOptions {
  link: PatientLink;
  clock: Clock;
  /** Something worth the audit log (never the identity itself). */
  onAudit(detail: string): void;
  /** A message not answered within this time is sent again (ms). */
  answerTimeoutMs?: number;
  /** After its visit ended, an identity the hub has not acknowledged is kept in memory this long at most (ms). */
  keepAfterVisitMs?: number;
}

/** The prefix of this module's refs: the link routes their answers here. */
export const PATIENT_REF_PREFIX = 'patient-';
const FINAL = new Set(['forbidden', 'not-found', 'invalid-message']);

interface Target {
  ref: string;
  state: 'sending' | 'filed' | 'doctor-kept' | 'refused';
  /** The connection it was last sent on (-1: never). */
  sentOn: number;
}
interface Pending {
  identity: PatientIdentity;
  /** The consultations of the visit the identity goes to (a doctor may cancel and the visit ask again). */
  targets: Map<string, Target>;
  /** The visit ended: drop timer. */
  drop?: TimerHandle;
}

/**
 * Takes the identity the assistant filed to the visit's consultation on the hub: sent when the consultation exists (or
 * as soon as it does), again after each reconnection and after an unanswered wait, until the hub acknowledges it.
 * In memory only: a restart of cabin main loses it (the doctor can file it from the console). Once the visit ended,
 * an unacknowledged identity waits at most `keepAfterVisitMs`, then leaves memory with an audit line.
 */
export class PatientDelivery {
  private readonly visits = new Map<string, Pending>();
  /** The consultations each visit in progress had on the hub (ids only): an identity filed later, even after the call, goes there. */
  private readonly seen = new Map<string, Set<string>>();
  private seq = 0;
  private retry: TimerHandle | undefined;
  /** Counts the hub socket's openings: an identity goes once per connection, and again only after an unanswered wait. */
  private connection = 0;

  constructor(private readonly o: PatientDeliveryOptions) {}

  /** The assistant filed (or changed) the visit's identity; `consultationId`: the visit's consultation if there is one. */
  file(visit: string, identity: PatientIdentity, consultationId: string | null): void {
    const was = this.visits.get(visit);
    // A changed identity goes again, under new refs, to every consultation of the visit (a late ack of the old one is not it).
    const pending: Pending = { identity, targets: new Map() };
    const ids = new Set([...(was?.targets.keys() ?? []), ...(this.seen.get(visit) ?? []), ...(consultationId !== null ? [consultationId] : [])]);
    for (const id of ids) pending.targets.set(id, this.target());
    this.visits.set(visit, pending);
    this.flush();
  }

  /** The hub gave the visit a consultation (waiting or active): its identity goes there. */
  consultation(visit: string, consultationId: string): void {
    const seen = this.seen.get(visit) ?? new Set<string>();
    // One visit in progress at a time: an earlier visit's ids go with it.
    if (!this.seen.has(visit)) this.seen.clear();
    this.seen.set(visit, seen.add(consultationId));
    const p = this.visits.get(visit);
    if (!p || p.targets.has(consultationId) || p.drop !== undefined) return;
    p.targets.set(consultationId, this.target());
    this.flush();
  }

  /** The hub socket opened: what it has not acknowledged goes again. */
  opened(): void {
    this.connection++;
    this.flush();
  }

  /** The hub's answer; false when the ref is not this module's. Never throws (it runs in the socket's handler). */
  answer(m: PatientAnswer): boolean {
    if (!m.ref?.startsWith(PATIENT_REF_PREFIX)) return false;
    for (const [visit, p] of this.visits) {
      for (const [consultationId, t] of p.targets) {
        if (t.ref !== m.ref || t.state !== 'sending') continue;
        if (m.type === 'patient-filed') t.state = m.outcome === 'doctor-kept' ? 'doctor-kept' : 'filed';
        else if (FINAL.has(m.code)) {
          t.state = 'refused';
          this.o.onAudit(`the hub refused the patient identity for consultation ${consultationId} (${m.code}: ${m.message})`);
        } else return true; // tried again at the next wait or reconnection
        if (p.drop !== undefined && this.settled(p)) this.forget(visit);
        return true;
      }
    }
    return true; // a late answer to an identity since changed or dropped
  }

  /** The visit ended: its identity leaves memory now if the hub has it (or it had nowhere to go), else after the wait. */
  visitEnded(visit: string): void {
    this.seen.delete(visit);
    const p = this.visits.get(visit);
    if (!p || p.drop !== undefined) return;
    if (this.settled(p)) return this.forget(visit);
    p.drop = this.o.clock.setTimeout(() => {
      this.o.onAudit('the patient identity filed at the kiosk did not reach the hub before it left memory: the doctor can file it from the console');
      this.forget(visit);
    }, this.o.keepAfterVisitMs ?? 10 * 60_000);
  }

  /** Where the visit's identity stands (null: none filed, or no longer held). */
  state(visit: string | null): PatientDeliveryState | null {
    const p = visit === null ? undefined : this.visits.get(visit);
    if (!p) return null;
    const states = [...p.targets.values()].map((t) => t.state);
    if (states.length === 0) return 'waiting';
    for (const s of ['sending', 'refused', 'doctor-kept'] as const) if (states.includes(s)) return s;
    return 'filed';
  }

  /** How many identities are held (tests: nothing once acknowledged and ended). */
  get held(): number {
    return this.visits.size;
  }

  stop(): void {
    this.o.clock.clearTimeout(this.retry);
    for (const p of this.visits.values()) this.o.clock.clearTimeout(p.drop);
    this.visits.clear();
  }

  private target(): Target {
    return { ref: `${PATIENT_REF_PREFIX}${++this.seq}`, state: 'sending', sentOn: -1 };
  }

  /** Acknowledged everywhere, or nowhere to go: nothing left to send. */
  private settled(p: Pending): boolean {
    return [...p.targets.values()].every((t) => t.state !== 'sending');
  }

  private forget(visit: string): void {
    this.o.clock.clearTimeout(this.visits.get(visit)?.drop);
    this.visits.delete(visit);
  }

  /** Sends what this connection has not carried yet (`again`: all that is unanswered); then waits for the answers. */
  private flush(again = false): void {
    this.o.clock.clearTimeout(this.retry);
    this.retry = undefined;
    let unanswered = false;
    for (const p of this.visits.values()) {
      for (const [consultationId, t] of p.targets) {
        if (t.state !== 'sending') continue;
        unanswered = true;
        if (!again && t.sentOn === this.connection) continue;
        if (!this.o.link.patient(consultationId, p.identity, t.ref)) return; // not connected: `opened` sends it
        t.sentOn = this.connection;
      }
    }
    if (unanswered) this.retry = this.o.clock.setTimeout(() => this.flush(true), this.o.answerTimeoutMs ?? 15_000);
  }
}
