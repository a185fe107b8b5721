import { backoffDelay } from '../../shared/backoff.ts';
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import { REPORT_PART_BYTES, REPORT_PART_READINGS, type ReportReading, type ToHub } from '../../shared/hub-protocol.ts';
import type { WireReading } from '../../shared/observation.ts';
import { VisitDeviceSchema } from '../../shared/visit-devices.ts';
import type { Logger } from '../../server/log.ts';
import { mediaOutcome, type MediaPut, type MediaUpload } from './put-media.ts';
import { plethExcerpts, type Chunk } from './visit-devices.ts';

/** What the delivery needs of the store (src/main/store). */
export interface DeliveryStore {
  undeliveredVisits(): { sessionId: string; consultationId: string; pending: number }[];
  /** A page of pending readings, and the refIds of those the wire refuses (paged past and dropped). */
  pendingPage(sessionId: string, limit: number, consultationId: string): { readings: WireReading[]; refused: string[] };
  markDeliveredOf(sessionId: string, kind: 'observation' | 'device' | 'media', refIds: readonly string[]): number;
  /** Takes entries the hub can never take out of the outbox (this module audits it). */
  dropPending(sessionId: string, kind: 'observation' | 'device' | 'media', refIds: readonly string[]): number;
  /**
   * The visit's pictures still to send to this consultation's report (outbox kind `media`, refId the media id): split
   * between a visit's consultations like its readings and devices (store/outbox.ts `pendingMedia`). And a picture's bytes.
   */
  pendingMedia?(sessionId: string, consultationId: string): { refId: string }[];
  media?(id: string): { id: string; kind: string; mime: string; bytes: Uint8Array; createdAt: number } | undefined;
  /** The visit's devices still to describe to this consultation's report (issue 13), as queued (visit-devices.ts). */
  pendingDevices?(sessionId: string, consultationId: string): { refId: string; payload: unknown }[];
  /** The visit's stored waveform chunks, for the pleth excerpts sent with each device. */
  waveforms?(sessionId: string): Chunk[];
}

/** What it needs of the hub link: send one part (false when the hub is not connected). */
export interface DeliveryLink {
  report(consultationId: string, readings: ReportReading[], ref: string): boolean;
  /** A `device` or `pleth` message (issue 13); absent: a link that sends readings only. */
  visitPart?(message: Extract<ToHub, { type: 'device' | 'pleth' }>): boolean;
}

/** A device's messages, built once per process: its `device`, then its pleth excerpts; `next`: the first not taken. */
interface DeviceSteps {
  messages: Extract<ToHub, { type: 'device' | 'pleth' }>[];
  next: number;
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
  /** Sends a picture of the visit by HTTP with the cabin's token (put-media.ts); absent: pictures stay on the cabin. */
  sendMedia?(consultationId: string, m: MediaUpload): Promise<MediaPut>;
}

/** A picture is sent by HTTP (megabytes, not a frame): it may take this long before it is given up on and sent again. */
const MEDIA_ANSWER_MS = 150_000;

/** The bytes of a whole `report` message (ref and consultation id included): the limit every report part keeps. */
export const PART_BYTES = REPORT_PART_BYTES;
const utf8 = new TextEncoder();
const bytesOf = (v: unknown): number => utf8.encode(JSON.stringify(v)).length;

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
  private inFlight: { ref: string; sessionId: string; consultationId: string; taken: () => void; timer: TimerHandle } | undefined;
  /** Per device entry (`session|device`) being described: what is left to send. */
  private readonly steps = new Map<string, DeviceSteps>();
  private retry: TimerHandle | undefined;
  private attempt = 0;
  private seq = 0;
  private stopped = false;
  /** Visit and consultation pairs the hub refused for good in this process (tried again at the next start). */
  private readonly refused = new Set<string>();
  /** Visits whose delivery was tried in this process and failed, with why (the purge drops only these: purge.ts). */
  private readonly failed = new Map<string, string>();

  constructor(private readonly o: ReportDeliveryOptions) {}

  /** The visits whose delivery failed or was refused since this start (session id → why), for the purge. */
  failures(): ReadonlyMap<string, string> {
    return this.failed;
  }

  /** Something may be deliverable (the hub link opened, a visit ended): try in `delayMs`, or now. */
  kick(delayMs = 0): void {
    if (this.stopped || this.inFlight) return;
    this.o.clock.clearTimeout(this.retry);
    this.retry = undefined;
    if (delayMs > 0) this.retry = this.o.clock.setTimeout(() => this.pump(), delayMs);
    else this.pump();
  }

  /**
   * The hub's answer to a part; false when the ref is not one of this module's. Never throws: it runs in the hub
   * socket's message handler, and a store failure there (busy, I/O) is tried again later.
   */
  answer(m: PartAnswer): boolean {
    if (!m.ref?.startsWith(PART_REF_PREFIX)) return false;
    const part = this.inFlight;
    if (!part || part.ref !== m.ref) return true; // a late answer to a part already given up on: it is sent again
    this.o.clock.clearTimeout(part.timer);
    this.inFlight = undefined;
    if (m.type === 'reported') {
      try {
        part.taken();
      } catch (err) {
        // Not marked: the part goes again later (the hub keeps each id once).
        this.o.log.error({ err }, 'marking a delivered part of the outbox failed: trying again later');
        this.later();
        return true;
      }
      this.failed.delete(part.sessionId);
      this.attempt = 0;
      this.pump();
    } else if (FINAL.has(m.code)) {
      this.refused.add(`${part.sessionId} ${part.consultationId}`);
      this.failed.set(part.sessionId, `refused: ${m.code}`);
      this.o.onAudit(part.sessionId, `the hub refused the visit's readings (${m.code}: ${m.message}); they stay on the cabin until the retention`);
      this.pump();
    } else {
      this.failed.set(part.sessionId, `error: ${m.code}`);
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
        if (this.refused.has(`${v.sessionId} ${v.consultationId}`)) continue;
        const ref = `${PART_REF_PREFIX}${this.seq + 1}`;
        const readings = this.nextPart(v.sessionId, v.consultationId, ref);
        let sent: boolean;
        let taken: () => void;
        let upload: (() => void) | undefined;
        if (readings.length > 0) {
          sent = this.o.link.report(v.consultationId, readings, ref);
          const ids = readings.map((r) => r.id);
          taken = () => this.o.store.markDeliveredOf(v.sessionId, 'observation', ids);
        } else {
          // The readings went (or none can): then who each device is, and its pleth (issue 13).
          const step = this.nextDeviceStep(v.sessionId, v.consultationId, ref);
          if (step) {
            sent = this.o.link.visitPart?.(step.message) ?? false;
            taken = step.taken;
          } else {
            // Last, the visit's pictures, each by HTTP; its answer comes back through answer() as a part's.
            const media = this.nextMediaStep(v.sessionId, v.consultationId, ref);
            if (!media) continue;
            sent = true;
            taken = media.taken;
            upload = media.start;
          }
        }
        this.seq++;
        if (!sent) {
          this.failed.set(v.sessionId, 'the hub could not be reached');
          return this.later();
        }
        const timer = this.o.clock.setTimeout(() => {
          if (this.inFlight?.ref !== ref) return;
          this.inFlight = undefined;
          this.failed.set(v.sessionId, 'the hub did not answer');
          this.later();
        }, upload ? MEDIA_ANSWER_MS : (this.o.answerTimeoutMs ?? 30_000));
        this.inFlight = { ref, sessionId: v.sessionId, consultationId: v.consultationId, taken, timer };
        upload?.();
        return;
      }
    } catch (err) {
      // A store failure (disk, lock): background work, tried again later.
      this.o.log.error({ err }, 'delivering the outbox failed');
      this.later();
    }
  }

  /**
   * The next part of a visit: at most REPORT_PART_READINGS readings and PART_BYTES of the whole message. It pages
   * past what the hub can never take — entries the wire refuses, a reading too big for any part — taking them out of
   * the outbox with an audit entry, so they never block the readings behind them. Empty: nothing left to send.
   */
  private nextPart(sessionId: string, consultationId: string, ref: string): WireReading[] {
    for (;;) {
      const page = this.o.store.pendingPage(sessionId, REPORT_PART_READINGS, consultationId);
      if (page.readings.length === 0 && page.refused.length === 0) return [];
      this.drop(sessionId, page.refused, 'the wire contract refuses them (stored by another version, or damaged)');
      const part: WireReading[] = [];
      const tooBig: string[] = [];
      let bytes = bytesOf({ type: 'report', ref, consultationId, readings: [] });
      for (const r of page.readings) {
        const size = bytesOf(r) + (part.length > 0 ? 1 : 0);
        if (bytes + size <= PART_BYTES) {
          part.push(r);
          bytes += size;
        } else if (part.length === 0) tooBig.push(r.id);
        else break;
      }
      this.drop(sessionId, tooBig, `each is bigger than a part of the report may be (${PART_BYTES} bytes)`);
      if (part.length > 0) return part;
    }
  }

  /**
   * The next message describing the visit's devices to this consultation: a device's `device`, then its pleth
   * excerpts, one a message; the device's outbox entry is marked delivered once the hub took the last. Undefined:
   * nothing left (an entry the wire refuses is dropped and audited). Sent again after a restart: the hub keeps each once.
   */
  private nextDeviceStep(sessionId: string, consultationId: string, ref: string): { message: Extract<ToHub, { type: 'device' | 'pleth' }>; taken: () => void } | undefined {
    if (!this.o.store.pendingDevices || !this.o.link.visitPart) return undefined;
    for (const entry of this.o.store.pendingDevices(sessionId, consultationId)) {
      let steps = this.steps.get(entry.refId);
      if (!steps) {
        const device = VisitDeviceSchema.safeParse(entry.payload);
        if (!device.success) {
          this.o.store.dropPending(sessionId, 'device', [entry.refId]);
          this.o.onAudit(sessionId, "a device's description taken out of the outbox, never to be sent to the report: the wire contract refuses it");
          continue;
        }
        const chunks = (this.o.store.waveforms?.(sessionId) ?? []).filter((c) => c.deviceId === device.data.deviceId);
        steps = {
          next: 0,
          messages: [
            { type: 'device', consultationId, device: device.data },
            ...plethExcerpts(chunks, consultationId).map((excerpt) => ({ type: 'pleth' as const, consultationId, excerpt })),
          ],
        };
        this.steps.set(entry.refId, steps);
      }
      const s = steps;
      const message = { ...s.messages[s.next]!, ref };
      return {
        message,
        taken: () => {
          if (s.next + 1 < s.messages.length) return void s.next++;
          this.o.store.markDeliveredOf(sessionId, 'device', [entry.refId]);
          this.steps.delete(entry.refId);
        },
      };
    }
    return undefined;
  }

  /**
   * The visit's next picture for this consultation (one taken in another consultation of the visit goes to that one's
   * report, when the delivery gets to it): `start` sends it and answers the part; `taken` marks it delivered once the
   * hub took it, or takes it out of the outbox (audited) when the hub said it never will (not an image, too big, report
   * full).
   */
  private nextMediaStep(sessionId: string, consultationId: string, ref: string): { start: () => void; taken: () => void } | undefined {
    const { store, sendMedia } = this.o;
    if (!sendMedia || !store.pendingMedia || !store.media) return undefined;
    for (const entry of store.pendingMedia(sessionId, consultationId)) {
      const m = store.media(entry.refId);
      if (!m) {
        store.dropPending(sessionId, 'media', [entry.refId]);
        continue;
      }
      let refusedWhy: string | undefined;
      const upload: MediaUpload = { mediaId: m.id, kind: m.kind, mime: m.mime, t: m.createdAt, bytes: m.bytes };
      const start = (): void => {
        sendMedia(consultationId, upload).then(
          (r) => {
            const outcome = mediaOutcome(r);
            if (r.ok || outcome === 'taken') return void this.answer({ type: 'reported', ref, count: 1 });
            if (outcome === 'drop') {
              refusedWhy = `${r.code}: ${r.message}`;
              return void this.answer({ type: 'reported', ref, count: 0 });
            }
            this.answer({ type: 'error', ref, code: outcome === 'refused' ? r.code : `media-${r.code}`, message: r.message });
          },
          (err: unknown) => this.answer({ type: 'error', ref, code: 'media-failed', message: String(err) }),
        );
      };
      const taken = (): void => {
        if (refusedWhy === undefined) return void store.markDeliveredOf(sessionId, 'media', [entry.refId]);
        store.dropPending(sessionId, 'media', [entry.refId]);
        this.o.log.warn({ code: refusedWhy.split(':')[0] }, 'the hub refused a picture of a visit: it is not sent again');
        this.o.onAudit(sessionId, `a picture taken out of the outbox, never to be sent to the report: the hub refused it (${refusedWhy})`);
      };
      return { start, taken };
    }
    return undefined;
  }

  private drop(sessionId: string, refIds: string[], why: string): void {
    if (refIds.length === 0) return;
    const n = this.o.store.dropPending(sessionId, 'observation', refIds);
    this.o.onAudit(sessionId, `${n} undelivered reading${n === 1 ? '' : 's'} taken out of the outbox, never to be sent to the report: ${why}`);
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
