import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Decoder, Frame } from '../../src/shared/driver.ts';
import { Emitter } from '../_lib/emitter.ts';
import { isDf2Frame, isDf7Frame } from '../_nonin/frames.ts';
import {
  ACK,
  DF8_ARTF,
  DF8_LOW_BAT,
  DF8_LPRF,
  DF8_OOT,
  DF8_SNSA,
  hr9,
  MISSING_HR,
  MISSING_SPO2,
  NAK,
} from '../_nonin/protocol.ts';
import {
  F_ARTIFACT,
  F_LOW_BATTERY,
  F_LOW_PERFUSION,
  F_OUT_OF_TRACK,
  F_SENSOR_ALARM,
  reportReading,
} from '../_nonin/status.ts';

/**
 * Back-to-back records that prove a DF8 stream. DF2/DF7 bytes can form at most two back-to-back
 * look-alike records (their STATUS byte, bit 7 always set, falls inside any third), so three cannot occur.
 */
const PROOF_RUN = 3;
/**
 * A held record is reported only if the next record of its run came at least this much later. The device sends
 * one record a second; a look-alike in line noise glued in front of a real record arrives with it, and would
 * otherwise make the first of three back-to-back "records" and be reported once the run proves the format.
 */
const HELD_GAP_MS = 700;
/** Back-to-back 5-byte DF2/DF7 frames that mean a 75 Hz format is on the line (never seen in DF8). */
const FOREIGN_AFTER = 3;

/**
 * Nonin data format #8: one 4-byte record per second, `STATUS HR SPO2 STATUS2`, no checksum. Sync: byte 1
 * bit 7 = 1, bytes 2–4 bit 7 = 0; a record is well-formed when HR and SpO2 are valid or "missing". Records
 * are held until three back-to-back records prove the format, then the held ones are reported with their own
 * time, the proving record last (they are dropped if the run breaks first, and a held one that came with the
 * next instead of a second before it is line noise, dropped: HELD_GAP_MS); from then on a record is reported
 * when it directly follows another well-formed one, so a single look-alike in line noise gives no values.
 */
class Df8Decoder implements Decoder {
  private readonly em = new Emitter();
  private readonly rec = new Uint8Array(4);
  private n = 0;
  private run = 0; // well-formed records back to back (only ACK/NAK in between)
  private trusted = false; // a proof run was seen and no 75 Hz format since
  private seen = false;
  private replyDue = false; // a command went out: its ACK/NAK may come between two records
  // Last five bytes and, per byte phase mod 5, how many valid DF2/DF7 frames ended back to back there.
  private h0 = 0;
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;
  private h4 = 0;
  private phase = 0;
  private readonly frameRun = new Uint8Array(5);
  /** Records of the run that is not yet a proof (at most PROOF_RUN − 1): reported once it is, else dropped. */
  private readonly held: { hr: number; spo2: number; flags: number; t: number }[] = [];

  get recognised(): boolean {
    return this.seen;
  }

  sent(frame: Frame): void {
    if (frame.bytes[0] === 0x02) this.replyDue = true;
  }

  push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      this.byte(b, nowMs);
      this.foreign(b);
    }
    return this.em.take();
  }

  private byte(b: number, t: number): void {
    if ((b & 0x80) !== 0) {
      if (this.n !== 0) this.run = 0; // a truncated record
      this.rec[0] = b;
      this.n = 1;
      return;
    }
    if (this.n === 0) {
      // A lone ACK/NAK between records answers a command: skipped only when one is due or the stream is
      // proven, since DF7 checksum bytes can be 0x06/0x15 and would otherwise chain look-alike records.
      if ((b === ACK || b === NAK) && (this.replyDue || this.trusted)) this.replyDue = false;
      else this.run = 0;
      return;
    }
    this.rec[this.n++] = b;
    if (this.n === 4) {
      this.n = 0;
      this.record(t);
    }
  }

  private record(t: number): void {
    const r = this.rec;
    const hr = hr9(r[0]!, r[1]!);
    const spo2 = r[2]! & 0x7f;
    if (!((hr <= 350 || hr === MISSING_HR) && (spo2 <= 100 || spo2 === MISSING_SPO2))) {
      this.run = 0;
      return;
    }
    this.run++;
    const st = r[0]!;
    const st2 = r[3]!;
    let flags = 0;
    if ((st2 & DF8_SNSA) !== 0) flags |= F_SENSOR_ALARM;
    if ((st & DF8_OOT) !== 0) flags |= F_OUT_OF_TRACK;
    if ((st & DF8_ARTF) !== 0) flags |= F_ARTIFACT;
    if ((st & DF8_LPRF) !== 0) flags |= F_LOW_PERFUSION;
    if ((st2 & DF8_LOW_BAT) !== 0) flags |= F_LOW_BATTERY;
    if (!this.trusted) {
      if (this.run < PROOF_RUN) {
        // The start of a possible proof: kept, in case the next records complete it.
        if (this.run === 1) this.held.length = 0;
        this.held.push({ hr, spo2, flags, t });
        return;
      }
      this.seen = this.trusted = true;
      const held = this.held;
      for (let i = 0; i < held.length; i++) {
        const h = held[i]!;
        if ((held[i + 1]?.t ?? t) - h.t >= HELD_GAP_MS) reportReading(this.em, h.hr, h.spo2, h.flags, h.t);
      }
      held.length = 0;
    } else if (this.run < 2) {
      return;
    }
    reportReading(this.em, hr, spo2, flags, t);
  }

  /** A run of DF2/DF7 frames at any byte phase means a 75 Hz format is on the line: drop the DF8 proof. */
  private foreign(b: number): void {
    this.h0 = this.h1;
    this.h1 = this.h2;
    this.h2 = this.h3;
    this.h3 = this.h4;
    this.h4 = b;
    const p = this.phase;
    this.phase = p === 4 ? 0 : p + 1;
    if (isDf2Frame(this.h0, this.h1, this.h2, this.h3, b) || isDf7Frame(this.h0, this.h1, this.h2, this.h3, b)) {
      const k = this.frameRun[p]! + 1;
      this.frameRun[p] = k >= FOREIGN_AFTER ? FOREIGN_AFTER : k;
      if (k >= FOREIGN_AFTER) {
        this.run = 0;
        this.trusted = false;
      }
    } else {
      this.frameRun[p] = 0;
    }
  }
}

export function createDecoder(): Decoder {
  return new Df8Decoder();
}
