import { backoffDelay } from '../../shared/backoff.ts';
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import { REPORT_PART_READINGS, type ReportReading } from '../../shared/hub-protocol.ts';
import type { WireReading } from '../../shared/observation.ts';
import type { Logger } from '../../server/log.ts';

/** What the delivery needs of the store (src/main/store). */
export interface DeliveryStore {
  undeliveredVisits(): { sessionId: string; consultationId: string; pending: number }[];
  pendingReadings(sessionId: string, limit: number): WireReading[];
  markDeliveredOf(sessionId: string, kind: 'observation', refIds: readonly string[]): number;
}

/** What it needs of the hub link: send one part (false when the hub is not connected). */
export interface DeliveryLink {
  report(consultationId: string, readings: ReportReading[], ref: string): boolean;
}

/** The hub's answer to a part: `reported`, or an `error` carrying the part's ref. */
export type PartAnswer = { type: 'reported'; ref: string; count: number } | { type: 'error'; ref?: string; code: string; message: string };

export interface ReportDeliveryOptions {
  store: DeliveryStore;
  link: DeliveryLink;
  clock: Clock;
  log: Logger;
  /** Something worth the audit log (no patient data): a visit whose readings the hub refused. */
  onAudit(sessionId: string, detail: string): void;
  /** Retry bounds while the hub is unreachable or does not answer (ms). */
  backoff?: { minMs: number; maxMs: number };
  /** A part not answered within this time is sent again. */
  answerTimeoutMs?: number;
}

/** The prefix of the refs of this module's parts: the link routes their answers here. */
export const PART_REF_PREFIX = 'outbox-';
/** The hub will never take these parts: trying again changes nothing (the retention purges them, with an audit entry). */
const FINAL = new Set(['forbidden', 'not-found', 'not-claimed', 'report-full', 'invalid-message']);

/**
 * Delivers the outbox of visits that ended (also before a restart) to the report of the consultation a doctor took
 * for them: one part at a time, the earliest visit first; an entry is marked delivered only when the hub answers
 * `reported`. While the hub is unreachable or silent, it tries again with backoff. The visit in progress is not its
 * business: its readings go through the doctor's console, which acknowledges them (outbox:ack).
 */
export class ReportDelivery {
  private inFlight: { ref: string; sessionId: string; ids: string[]; timer: TimerHandle } | undefined;
  private retry: TimerHandle | undefined;
  private attempt = 0;
  private seq = 0;
  private stopped = false;
  /** Visits the hub refused for good in this process (tried again at the next start). */
  private readonly refused = new Set<string>();

  constructor(private readonly o: ReportDeliveryOptions) {}

  /** Something may be deliverable (the hub link opened, a visit ended): try in `delayMs`, or now. */
  kick(delayMs = 0): void {
    if (this.stopped || this.inFlight) return;
    this.o.clock.clearTimeout(this.retry);
    this.retry = undefined;
    if (delayMs > 0) this.retry = this.o.clock.setTimeout(() => this.pump(), delayMs);
    else this.pump();
  }

  /** The hub's answer to a part; false when the ref is not one of this module's. */
  answer(m: PartAnswer): boolean {
    if (!m.ref?.startsWith(PART_REF_PREFIX)) return false;
    const part = this.inFlight;
    if (!part || part.ref !== m.ref) return true; // a late answer to a part already given up on: it is sent again
    this.o.clock.clearTimeout(part.timer);
    this.inFlight = undefined;
    if (m.type === 'reported') {
      this.o.store.markDeliveredOf(part.sessionId, 'observation', part.ids);
      this.attempt = 0;
      this.pump();
    } else if (FINAL.has(m.code)) {
      this.refused.add(part.sessionId);
      this.o.onAudit(part.sessionId, `the hub refused the visit's readings (${m.code}: ${m.message}); they stay on the cabin until the retention`);
      this.pump();
    } else {
      this.o.log.warn({ code: m.code, message: m.message }, 'the hub did not take a part of the outbox: trying again');
      this.later();
    }
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.o.clock.clearTimeout(this.retry);
    this.o.clock.clearTimeout(this.inFlight?.timer);
    this.inFlight = undefined;
  }

  private pump(): void {
    this.retry = undefined;
    if (this.stopped || this.inFlight) return;
    try {
      for (const v of this.o.store.undeliveredVisits()) {
        if (this.refused.has(v.sessionId)) continue;
        const readings = this.o.store.pendingReadings(v.sessionId, REPORT_PART_READINGS);
        if (readings.length === 0) {
          // Every pending entry is one the wire refuses (store.pendingReadings logged it): nothing can be sent.
          this.refused.add(v.sessionId);
          continue;
        }
        const ref = `${PART_REF_PREFIX}${++this.seq}`;
        if (!this.o.link.report(v.consultationId, readings, ref)) return this.later();
        const timer = this.o.clock.setTimeout(() => {
          if (this.inFlight?.ref !== ref) return;
          this.inFlight = undefined;
          this.later();
        }, this.o.answerTimeoutMs ?? 30_000);
        this.inFlight = { ref, sessionId: v.sessionId, ids: readings.map((r) => r.id), timer };
        return;
      }
    } catch (err) {
      // A store failure (disk, lock): background work, tried again later.
      this.o.log.error({ err }, 'delivering the outbox failed');
      this.later();
    }
  }

  /** The next try, after a doubling wait (reset by a part the hub took). */
  private later(): void {
    if (this.stopped) return;
    const { minMs, maxMs } = this.o.backoff ?? { minMs: 2000, maxMs: 5 * 60_000 };
    const delay = backoffDelay(this.attempt, { firstMs: minMs, maxMs, jitter: [0.5, 1] });
    this.attempt = Math.min(this.attempt + 1, 20);
    this.o.clock.clearTimeout(this.retry);
    this.retry = this.o.clock.setTimeout(() => this.pump(), delay);
  }
}
