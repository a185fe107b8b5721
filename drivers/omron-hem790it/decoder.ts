import type { Decoder, Frame } from '../../src/shared/driver.ts';
import type { DeviceEvent, ObservationFlag } from '../../src/shared/device-event.ts';
import { inRange, MDC } from '../../src/shared/catalogue.ts';
import { Emitter } from '../_lib/emitter.ts';
import { Exchange, type Pending, type Purpose } from './exchange.ts';
import {
  BANK,
  CLEAR_LENGTH,
  gmeCommand,
  modeFrame,
  parseCount,
  parseRecord,
  recordId,
  toReports,
  type OmronRecord,
} from './protocol.ts';

const SYS = MDC.PRESS_BLD_NONINV_SYS;
const DIA = MDC.PRESS_BLD_NONINV_DIA;
const PULSE = MDC.PULS_RATE_NON_INV;

/** A NO or garbled reply is retried this many times before the command is given up. */
export const MAX_RETRIES = 3;
/** At most this many new readings are fetched after one count increase (the newest ones). */
export const MAX_BATCH = 10;
/** A command unanswered for this long is treated as garbled (less than the 2 s poll period). */
const STALE_MS = 1500;
/** After this many failures in a row, the mode is re-set at most once per PAUSE_MS (about once a poll). */
const FAST_FAILURES = 4;
const PAUSE_MS = 1000;
const SEEN_MAX = 64;

/** Something the decoder wants sent: the mode feature report, or a command (with why and how often). */
type Todo = { readonly feature: true } | { readonly bytes: readonly number[]; purpose: Purpose; attempts: number };
const FEATURE: Todo = { feature: true };
const CLEAR: Todo = { bytes: new Array<number>(CLEAR_LENGTH).fill(0), purpose: 'host', attempts: 0 };

const sameBytes = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * The meter answers only when asked, so this decoder drives the exchange: the link polls the reading
 * count (GDC); the first count is the baseline (stored readings are history, never emitted); a higher
 * count makes the decoder read the new readings (GME, oldest first); an unchanged count makes it read the
 * newest reading, which catches new readings once the memory is full and the count stays put. NO → the
 * same command again; garbled or unanswered → mode, clearing block and the command again (the meter may
 * forget its mode). Observations carry `t` = host receive time: a reading is fetched within one poll of
 * its completion, while the meter's clock has no timezone and is often never set; the meter's own
 * date/time lives on in the measurementId.
 */
class OmronDecoder implements Decoder {
  recognised = false;
  private readonly emitter = new Emitter();
  private readonly exchange = new Exchange();
  private todo: Todo[] = [];
  private handed: Exclude<Todo, { feature: true }> | undefined;
  private now = 0;
  /** Reading count whose readings are all handled; undefined until the first count (the baseline). */
  private known: number | undefined;
  private batchBase = 0;
  /** True once the newest reading at baseline time is known (so a changed newest reading is new). */
  private newestKnown = false;
  private readonly seen = new Set<string>();
  private failures = 0;
  private lastModeAt = -Infinity;

  push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    this.now = nowMs;
    this.expire();
    // Some HID stacks keep the 0x00 report ID in front of an 8-byte report (a count byte is never 0).
    const report = bytes.length > 8 && bytes[0] === 0 ? bytes.subarray(1) : bytes;
    const reply = this.exchange.feed(report);
    if (reply) {
      if (reply.kind === 'ok') {
        this.recognised = true;
        this.failures = 0;
        if (reply.cmd.name === 'GDC') this.onCount(parseCount(reply.data));
        else if (reply.cmd.name === 'GME') this.onRecord(reply.cmd, parseRecord(reply.data));
      } else if (reply.kind === 'no') this.retry(reply.cmd, 'command-refused');
      else if (reply.kind === 'garbled') this.recover(reply.cmd);
    }
    return this.emitter.take();
  }

  sent(frame: Frame, nowMs: number): void {
    this.now = nowMs;
    this.expire();
    const cmd = this.exchange.sent(frame, nowMs);
    if (cmd && this.handed && sameBytes(cmd.bytes, this.handed.bytes)) {
      cmd.purpose = this.handed.purpose;
      cmd.attempts = this.handed.attempts;
      this.handed = undefined;
    }
  }

  /** One command at a time: the next one leaves when every reply is in. */
  takeOutgoing(): Frame[] {
    if (this.exchange.busy) return [];
    const first = this.todo[0];
    const hold = this.failures > FAST_FAILURES && this.now - this.lastModeAt < PAUSE_MS;
    if (first && 'feature' in first && hold) return []; // A meter that garbles everything: no busy loop.
    const out: Frame[] = [];
    for (let t = this.todo.shift(); t; t = this.todo.shift()) {
      if ('feature' in t) {
        this.lastModeAt = this.now;
        out.push(modeFrame);
        continue;
      }
      out.push(...toReports(t.bytes));
      this.handed = t;
      break;
    }
    return out;
  }

  private onCount(count: number): void {
    const known = this.known;
    // Plain 'ok' also ends 'ok/new-reading', so the next reading changes the status again.
    this.emitter.status('ok', this.now);
    if (known === undefined || count < known) {
      // First count, or the memory was cleared: what is stored now is history.
      this.known = count;
      this.newestKnown = count === 0;
      if (count > 0) this.queueRead(0, 'check');
    } else if (count > known) {
      this.batchBase = known;
      this.known = count;
      for (let i = Math.min(count - known, MAX_BATCH) - 1; i >= 0; i--) this.queueRead(i, 'new');
    } else {
      if (count > 0 && !this.todo.some((t) => 'purpose' in t && t.purpose !== 'host')) this.queueRead(0, 'check');
    }
  }

  private onRecord(cmd: Pending, rec: OmronRecord | undefined): void {
    if (!rec || cmd.purpose === 'host') return;
    const id = recordId(rec);
    const fresh = !this.seen.has(id);
    this.remember(id);
    if (cmd.purpose === 'check' && !this.newestKnown) {
      this.newestKnown = true; // The baseline's newest reading: history.
      return;
    }
    if (cmd.idx === 0) this.newestKnown = true;
    if (!fresh) return;
    this.emit(rec, id);
    // A new reading found while the count stood still (full memory): look one further back.
    if (cmd.purpose === 'check' && cmd.idx + 1 < (this.known ?? 0) && cmd.idx + 1 < MAX_BATCH) {
      this.queueRead(cmd.idx + 1, 'check');
    }
  }

  private emit(rec: OmronRecord, id: string): void {
    const t = this.now;
    if (!inRange(SYS, rec.systolic) || !inRange(DIA, rec.diastolic) || !inRange(PULSE, rec.pulse)) {
      this.emitter.status('error', t, 'invalid-reading');
      return;
    }
    // The meter's own flags, shown with the reading: irregular heartbeat first (a finding about the patient),
    // then body movement (the reading may be disturbed: Omron advises measuring again).
    if (rec.irregular) this.emitter.status('ok', t, 'irregular-heartbeat');
    else if (rec.movement) this.emitter.status('artifact', t, 'body-movement');
    else this.emitter.status('ok', t, 'new-reading');
    const flags: ObservationFlag[] = [];
    if (rec.irregular) flags.push('irregular-pulse');
    if (rec.movement) flags.push('movement');
    this.emitter.observe(SYS, rec.systolic, t, id, { flags });
    this.emitter.observe(DIA, rec.diastolic, t, id, { flags });
    this.emitter.observe(PULSE, rec.pulse, t, id, { flags });
  }

  private queueRead(idx: number, purpose: Purpose): void {
    this.todo.push({ bytes: gmeCommand(BANK, idx), purpose, attempts: 0 });
  }

  /** Queues `cmd` again unless it has failed too often. Returns false when it is given up. */
  private retry(cmd: Pending, detail: string, front = true): boolean {
    if (cmd.name === 'CLR' || cmd.name === 'END') return false;
    if (cmd.attempts >= MAX_RETRIES) {
      this.emitter.status('error', this.now, detail);
      // A new reading that could not be read: forget the count rise so the next poll tries again.
      if (cmd.purpose === 'new' && this.known !== undefined) this.known = Math.min(this.known, this.batchBase);
      return false;
    }
    const again: Todo = { bytes: cmd.bytes, purpose: cmd.purpose, attempts: cmd.attempts + 1 };
    if (front) this.todo.unshift(again);
    else this.todo.push(again);
    return true;
  }

  /** Garbled or unanswered: mode, clearing block, then the commands that were in flight. */
  private recover(failed: Pending): void {
    this.failures++;
    if (this.failures >= FAST_FAILURES) this.emitter.status('error', this.now, 'no-valid-reply');
    const queued = this.todo.filter((t) => 'purpose' in t && t.bytes[0] !== 0);
    this.todo = [FEATURE, CLEAR];
    for (const cmd of [failed, ...this.exchange.drain()]) {
      if (!this.todo.some((t) => 'bytes' in t && sameBytes(t.bytes, cmd.bytes))) this.retry(cmd, 'no-valid-reply', false);
    }
    for (const t of queued) {
      if (!this.todo.some((q) => 'bytes' in q && 'bytes' in t && sameBytes(q.bytes, t.bytes))) this.todo.push(t);
    }
  }

  private expire(): void {
    const stale = this.exchange.expired(this.now, STALE_MS);
    if (stale && stale.name !== 'END') this.recover(stale);
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_MAX) {
      const oldest = this.seen.values().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
  }
}

export function createDecoder(): Decoder {
  return new OmronDecoder();
}
