import type { ToHub } from '../../shared/hub-protocol.ts';
import { MAX_MARKED_PLETH, type PlethExcerpt } from '../../shared/visit-devices.ts';
import { newRequestId } from '../call/peer-id.ts';
import { PlethTail, type StreamSamples } from '../call/pleth.ts';

/** A message the hub did not answer this long after it went is sent again (the hub keeps each passage once). */
export const MARK_ANSWER_MS = 10_000;
/** How often what waits (unanswered, or refused `rate-limited`) is looked at again. */
export const MARK_TICK_MS = 2000;

/** One passage the doctor kept: on its way to the hub (`sending`), stored there (`kept`), or being removed. */
export interface Mark {
  /** Device, start and sample count: how the hub knows it. */
  key: string;
  excerpt: PlethExcerpt;
  state: 'sending' | 'kept' | 'removing';
}

/** What the line under the button says after the doctor's last action, or the hub's answer to it. */
export type MarkNotice =
  | { kind: 'kept'; t: number; seconds: number }
  | { kind: 'removed'; t: number }
  /** Nothing (or under a second) of the curve on screen since the last gap. */
  | { kind: 'empty' }
  /** MAX_MARKED_PLETH passages kept already (here, or the hub said `report-full`). */
  | { kind: 'limit' }
  /** The hub refused it: the consultation is over, or anything else (its words in `code`). */
  | { kind: 'refused'; code: string }
  /** The hub refused the removal: the passage stays. */
  | { kind: 'not-removed'; code: string };

export interface MarksSnapshot {
  marks: readonly Mark[];
  notice: MarkNotice | undefined;
  /** Changes each time a notice is set, so the same words said twice are announced again. */
  noticeId: number;
}

export interface PlethMarksOptions {
  consultationId: string;
  /** Sends one message to the hub; false when it could not go (not connected). */
  send: (msg: Extract<ToHub, { type: 'pleth' | 'pleth-unmark' }>) => boolean;
  /** Everything asked has been answered (the end may go). */
  onIdle?: () => void;
  now?: () => number;
  tickMs?: number;
}

const keyOf = (e: PlethExcerpt): string => `${e.deviceId}/${e.t}/${e.samples.length}`;

/**
 * The passages of the live pleth the doctor keeps (« Garder ce passage »), for their own consultation's report: taken
 * from the tail of the curve (PlethTail), listed at once, sent to the hub as `pleth` with `marked`, and removed with
 * `pleth-unmark` while the consultation lasts. Each message carries a ref; one not answered (socket dropped, hub
 * silent, `rate-limited`) goes again, in the order asked, until the hub answers `reported` or refuses it for good.
 */
export class PlethMarks {
  private readonly tail = new PlethTail();
  private list: Mark[] = [];
  private snap: MarksSnapshot = { marks: [], notice: undefined, noticeId: 0 };
  private readonly listeners = new Set<() => void>();
  /** Messages sent and not answered, by ref: what they were for and when they went. */
  private readonly inFlight = new Map<string, { key: string; kind: 'keep' | 'remove'; at: number }>();
  /** Keys whose message is still to go (not connected, rate-limited, timed out), in the order asked. */
  private waiting: { key: string; kind: 'keep' | 'remove' }[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: PlethMarksOptions) {
    this.now = o.now ?? (() => Date.now());
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.o.tickMs ?? MARK_TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The pleth's samples as the call hands them out (call.onWaveform). */
  feed(s: StreamSamples): void {
    this.tail.push(s);
  }

  /** The curve is gone (the patient left): nothing more to keep, the passages kept stay listed. */
  forgetCurve(): void {
    this.tail.clear();
  }

  get snapshot(): MarksSnapshot {
    return this.snap;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** « Garder ce passage »: the last seconds on screen, listed and sent; the notice says what became of it. */
  keep(): MarkNotice {
    const live = this.list.filter((m) => m.state !== 'removing').length;
    if (live >= MAX_MARKED_PLETH) return this.notice({ kind: 'limit' });
    const excerpt = this.tail.take();
    if (!excerpt) return this.notice({ kind: 'empty' });
    const key = keyOf(excerpt);
    const seconds = excerpt.samples.length / excerpt.rate;
    // Pressed again before a new sample came: the same passage, kept once.
    if (!this.list.some((m) => m.key === key)) {
      this.list = [...this.list, { key, excerpt, state: 'sending' }];
      this.queue(key, 'keep');
    }
    return this.notice({ kind: 'kept', t: excerpt.t, seconds });
  }

  /** The passages the hub already keeps (the report so far, after a reload of the console): listed as kept, once. */
  restore(kept: readonly PlethExcerpt[]): void {
    const known = new Set(this.list.map((m) => m.key));
    const fresh = kept.filter((e) => !known.has(keyOf(e))).map((excerpt): Mark => ({ key: keyOf(excerpt), excerpt, state: 'kept' }));
    if (fresh.length === 0) return;
    this.list = [...fresh, ...this.list].sort((a, b) => a.excerpt.t - b.excerpt.t);
    this.changed();
  }

  /** The doctor removes a passage from the list (and from the hub's report). */
  remove(key: string): void {
    const m = this.list.find((x) => x.key === key);
    if (!m || m.state === 'removing') return;
    // Not sent yet: it only has to stay here.
    const unsent = this.waiting.findIndex((w) => w.key === key && w.kind === 'keep');
    if (unsent >= 0 && ![...this.inFlight.values()].some((f) => f.key === key)) {
      this.waiting.splice(unsent, 1);
      this.list = this.list.filter((x) => x.key !== key);
      this.notice({ kind: 'removed', t: m.excerpt.t });
      return;
    }
    this.setState(key, 'removing');
    this.queue(key, 'remove');
  }

  /** Nothing asked is waiting for the hub. */
  get idle(): boolean {
    return this.inFlight.size === 0 && this.waiting.length === 0;
  }

  /** Is this ref one of ours? */
  owns(ref: string): boolean {
    return this.inFlight.has(ref);
  }

  /** The hub's `reported`; false when the ref is not ours. */
  answered(ref: string): boolean {
    const f = this.inFlight.get(ref);
    if (!f) return false;
    this.inFlight.delete(ref);
    if (f.kind === 'keep') {
      if (this.list.find((m) => m.key === f.key)?.state === 'sending') this.setState(f.key, 'kept');
    } else {
      const m = this.list.find((x) => x.key === f.key);
      this.list = this.list.filter((x) => x.key !== f.key);
      if (m) this.notice({ kind: 'removed', t: m.excerpt.t });
      else this.changed();
    }
    this.settled();
    return true;
  }

  /**
   * The hub refused our message `ref` (error `code`). rate-limited: it goes again later. For a passage: report-full is
   * the limit, anything else (the consultation over, ...) a refusal; it leaves the list. For a removal: the passage
   * stays. False when the ref is not ours.
   */
  refused(ref: string, code: string): boolean {
    const f = this.inFlight.get(ref);
    if (!f) return false;
    this.inFlight.delete(ref);
    if (code === 'rate-limited') {
      this.waiting.push({ key: f.key, kind: f.kind });
      return true;
    }
    if (f.kind === 'keep') {
      this.list = this.list.filter((m) => m.key !== f.key);
      // A removal asked meanwhile has nothing left to remove.
      this.waiting = this.waiting.filter((w) => w.key !== f.key);
      this.notice(code === 'report-full' ? { kind: 'limit' } : { kind: 'refused', code });
    } else {
      this.setState(f.key, 'kept');
      this.notice({ kind: 'not-removed', code });
    }
    this.settled();
    return true;
  }

  /** The hub connection is back: what the old socket took without an answer goes again, in the order asked. */
  resend(): void {
    const back = [...this.inFlight.values()].map(({ key, kind }) => ({ key, kind }));
    this.inFlight.clear();
    this.waiting = [...back, ...this.waiting];
    this.flush();
  }

  /** Sends what waits and what timed out (public for tests). */
  tick(): void {
    const now = this.now();
    const late: { key: string; kind: 'keep' | 'remove' }[] = [];
    for (const [ref, f] of this.inFlight) {
      if (now - f.at < MARK_ANSWER_MS) continue;
      this.inFlight.delete(ref);
      late.push({ key: f.key, kind: f.kind });
    }
    this.waiting = [...late, ...this.waiting];
    this.flush();
  }

  private queue(key: string, kind: 'keep' | 'remove'): void {
    this.waiting.push({ key, kind });
    this.flush();
  }

  private flush(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      const m = this.list.find((x) => x.key === next.key);
      // Gone, or removed before its passage went: the removal that follows is all the hub needs.
      if (!m || (next.kind === 'keep' && m.state === 'removing')) {
        this.waiting.shift();
        continue;
      }
      const ref = newRequestId(next.kind === 'keep' ? 'mark' : 'unmark').slice(0, 64);
      const e = m.excerpt;
      const msg: Extract<ToHub, { type: 'pleth' | 'pleth-unmark' }> =
        next.kind === 'keep'
          ? { type: 'pleth', ref, consultationId: this.o.consultationId, excerpt: e }
          : { type: 'pleth-unmark', ref, consultationId: this.o.consultationId, deviceId: e.deviceId, t: e.t, count: e.samples.length };
      if (!this.o.send(msg)) return;
      this.waiting.shift();
      this.inFlight.set(ref, { key: next.key, kind: next.kind, at: this.now() });
    }
  }

  private settled(): void {
    if (this.idle) this.o.onIdle?.();
  }

  private setState(key: string, state: Mark['state']): void {
    this.list = this.list.map((m) => (m.key === key ? { ...m, state } : m));
    this.changed();
  }

  private notice(n: MarkNotice): MarkNotice {
    this.snap = { marks: this.list, notice: n, noticeId: this.snap.noticeId + 1 };
    for (const fn of this.listeners) fn();
    return n;
  }

  private changed(): void {
    this.snap = { ...this.snap, marks: this.list };
    for (const fn of this.listeners) fn();
  }
}
