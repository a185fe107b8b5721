import { REPORT_PART_READINGS, type StoredReportReading, type ToHub } from '../../shared/hub-protocol.ts';
import { metaFields, WireMdcCodeSchema } from '../../shared/observation.ts';
import { newRequestId } from '../call/peer-id.ts';
import { fetchReport, type FetchLike } from '../hub/auth.ts';
import type { Observation, StoredObservation } from '../call/observations.ts';
import { PART_BYTES, toReading, type Reading } from './report.ts';

/** One `report` part at most this often: with pings and signaling it stays far under the hub's 20 messages/s. */
export const REPORT_EVERY_MS = 1000;
/** A part the hub did not answer this long after it went is sent again (the hub keeps each id once). */
export const REPORT_ANSWER_MS = 10_000;
/** Parts sent and not answered yet, at most (a hub that never answers is not flooded). */
const MAX_IN_FLIGHT = 3;

export interface ReportQueueOptions {
  consultationId: string;
  /** Sends one message to the hub; false when it could not go (not connected). */
  send: (msg: Extract<ToHub, { type: 'report' }>) => boolean;
  /** Acknowledges ids to the cabin (its outbox forgets them): only once the hub stored them. */
  ack: (ids: string[]) => void;
  now?: () => number;
  everyMs?: number;
  /** While ending: called when a tick finds nothing left in flight (a part that timed out after report-full). */
  onSettled?: () => void;
}

const byteSize = (r: Reading): number => new TextEncoder().encode(JSON.stringify(r)).length + 1;

/**
 * The readings of the call on their way to the hub's report: queued as they arrive, sent as `report` parts with a
 * `ref` (one per `everyMs`), acknowledged to the cabin when the hub answers `reported` with that ref. Parts left
 * unanswered (socket dropped, hub silent) go again; `end` takes whatever is not reported yet.
 */
export class ReportQueue {
  private queued: Reading[] = [];
  private readonly queuedIds = new Set<string>();
  private readonly inFlight = new Map<string, { readings: Reading[]; at: number }>();
  private readonly reported = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;
  /** The hub refused a part because the report is full: nothing more is sent, and nothing more acknowledged. */
  private full = false;
  /** The doctor ended: what is queued goes, nothing new is taken (the cabin keeps it), so the end comes. */
  private sealed = false;

  constructor(private readonly o: ReportQueueOptions) {
    this.now = o.now ?? (() => Date.now());
  }

  /** Starts the paced sending (idempotent). */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.o.everyMs ?? REPORT_EVERY_MS);
  }

  /**
   * The consultation is ending: what is queued goes at `gapMs` (under the hub's rate limit) rather than once a
   * second, and readings arriving from now on are not taken (not acknowledged: the cabin's outbox keeps them).
   */
  hurry(gapMs: number): void {
    this.sealed = true;
    this.stop();
    this.timer = setInterval(() => this.tick(), gapMs);
  }

  /** The end was refused: back to the normal pace, taking readings again. */
  calm(): void {
    this.sealed = false;
    this.stop();
    this.start();
  }

  /** Is this ref one of our parts (sent, not answered)? */
  owns(ref: string): boolean {
    return this.inFlight.has(ref);
  }

  /**
   * The hub refused our part `ref` (error `code`); its readings are not acknowledged (the cabin's outbox keeps
   * them). report-full: no more parts are sent. not-active (the consultation is over): they are dropped. Any
   * other refusal (e.g. the hub failed to store them): they go again first, as after a timeout. False when the ref
   * is not ours.
   */
  refused(ref: string, code: string): boolean {
    const part = this.inFlight.get(ref);
    if (!part) return false;
    this.inFlight.delete(ref);
    if (code === 'report-full') {
      this.full = true;
      this.queued = [];
      this.queuedIds.clear();
    } else if (code === 'not-active') {
      for (const r of part.readings) this.queuedIds.delete(r.id);
    } else {
      const ids = new Set(part.readings.map((r) => r.id));
      this.queued = [...part.readings.filter((r) => !this.reported.has(r.id)), ...this.queued.filter((r) => !ids.has(r.id))];
    }
    return true;
  }

  get isFull(): boolean {
    return this.full;
  }

  /**
   * Everything taken has been answered (reported, or refused): `end` may go, and every reading the cabin has been
   * told about is in the report. Otherwise sends the next part (call again on its answer). `end` itself never
   * carries readings: only `reported` acknowledges.
   */
  drained(): boolean {
    if (this.full) return this.inFlight.size === 0;
    if (this.inFlight.size === 0 && this.queued.length === 0) return true;
    this.tick();
    return false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One copy of an observation from the cabin: queued when new; a copy of a reported id is acknowledged at once. */
  received(o: Observation): void {
    if (this.reported.has(o.id)) {
      this.o.ack([o.id]);
      return;
    }
    if (this.full || this.sealed || this.queuedIds.has(o.id)) return;
    this.queuedIds.add(o.id);
    this.queued.push(toReading(o));
  }

  /** Ids the hub already has (the report so far, after a reload): copies from the cabin are acknowledged at once. */
  markReported(ids: Iterable<string>): void {
    const fresh: string[] = [];
    for (const id of ids) {
      if (this.reported.has(id)) continue;
      this.reported.add(id);
      if (this.queuedIds.delete(id)) fresh.push(id);
    }
    if (fresh.length > 0) {
      const gone = new Set(fresh);
      this.queued = this.queued.filter((r) => !gone.has(r.id));
      this.o.ack(fresh);
    }
  }

  /** The hub's `reported` answer; false when the ref is not one of ours. */
  answered(ref: string): boolean {
    const part = this.inFlight.get(ref);
    if (!part) return false;
    this.inFlight.delete(ref);
    const ids: string[] = [];
    for (const r of part.readings) {
      if (this.reported.has(r.id)) continue;
      this.reported.add(r.id);
      this.queuedIds.delete(r.id);
      ids.push(r.id);
    }
    if (ids.length > 0) this.o.ack(ids);
    return true;
  }

  /** The hub connection is back: parts sent before it dropped were maybe never stored, they go again first. */
  resend(): void {
    const back = [...this.inFlight.values()].flatMap((p) => p.readings).filter((r) => !this.reported.has(r.id));
    this.inFlight.clear();
    const ids = new Set(back.map((r) => r.id));
    this.queued = [...back, ...this.queued.filter((r) => !ids.has(r.id))];
  }

  get pendingCount(): number {
    return this.queued.length;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Sends the next part when there is one and the hub is not behind (public for tests). */
  tick(): void {
    const now = this.now();
    let timedOut = false;
    for (const [ref, p] of this.inFlight) {
      if (now - p.at < REPORT_ANSWER_MS) continue;
      this.inFlight.delete(ref);
      timedOut = true;
      // Full: nothing is sent again (and nothing acknowledged).
      if (this.full) continue;
      const ids = new Set(p.readings.map((r) => r.id));
      this.queued = [...p.readings.filter((r) => !this.reported.has(r.id)), ...this.queued.filter((r) => !ids.has(r.id))];
    }
    if (timedOut && this.sealed && this.inFlight.size === 0 && (this.full || this.queued.length === 0)) this.o.onSettled?.();
    if (this.full || this.queued.length === 0 || this.inFlight.size >= MAX_IN_FLIGHT) return;
    const readings: Reading[] = [];
    let bytes = 0;
    for (const r of this.queued) {
      const size = byteSize(r);
      if (readings.length >= REPORT_PART_READINGS || (readings.length > 0 && bytes + size > PART_BYTES)) break;
      readings.push(r);
      bytes += size;
    }
    const ref = newRequestId('rep').slice(0, 64);
    if (!this.o.send({ type: 'report', ref, consultationId: this.o.consultationId, readings })) return;
    this.queued = this.queued.slice(readings.length);
    this.inFlight.set(ref, { readings, at: now });
  }
}

/** The readings the hub stored for this consultation so far (after a reload), as observations; null on failure. */
export async function storedObservations(consultationId: string, token: string, fetcher?: FetchLike): Promise<StoredObservation[] | null> {
  const report = await fetchReport(consultationId, token, fetcher);
  return report ? observationsOf(report.readings) : null;
}

/** A report's readings as the console's observations (the vitals' and the past report's input). */
export function observationsOf(readings: readonly StoredReportReading[]): StoredObservation[] {
  // The report shows whatever the hub stored; a code that is not an MDC id (stored by an old hub) has no tile to show in.
  return readings.flatMap((r) => {
    const code = WireMdcCodeSchema.safeParse(r.code);
    if (!code.success) return [];
    return [{
      type: 'observation' as const,
      id: r.id,
      deviceId: r.deviceId ?? '',
      code: code.data,
      // The number, or the reason the device gave none (its special value): a tile says « mesure impossible ».
      ...(r.value !== undefined ? { value: r.value } : { absent: r.absent }),
      unit: r.unit,
      t: r.t,
      ...(r.measurementId ? { measurementId: r.measurementId } : {}),
      // What the device said beside the value (decimals, its own unit, flags, clock) is shown after a reload too.
      ...metaFields(r),
      ...(r.fromCabinAt !== undefined ? { fromCabinAt: r.fromCabinAt } : {}),
    }];
  });
}
