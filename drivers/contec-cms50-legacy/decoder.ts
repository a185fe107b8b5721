import { Bit7Frames } from '../_lib/bit7-frames.ts';
import { Emitter } from '../_lib/emitter.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Decoder } from '../../src/shared/driver.ts';
// The reading → events rules are the same for both Contec protocol generations.
import { report, type ContecReading } from '../contec-cms50-v7/reading.ts';

/**
 * Consecutive plausible frames before the decoder claims the port when probing. Higher than the minimum of
 * 2 because a 5-byte frame with one sync bit is easy to fake: random bytes pass 4 in a row ~1e-8 of the time.
 */
const RECOGNISE_AFTER = 4;

/** The fields of one legacy frame (bytes 1–5 of the V5.1 document). */
export interface LegacyFields {
  signal: number;
  searchingTooLong: boolean;
  spo2Dropping: boolean;
  beat: boolean;
  pleth: number;
  bar: number;
  probeError: boolean;
  searching: boolean;
  pulse: number;
  spo2: number;
}

/** Decodes a whole 5-byte frame. */
export function parseFrame(f: ArrayLike<number>): LegacyFields {
  const b1 = f[0] ?? 0;
  const b3 = f[2] ?? 0;
  return {
    signal: b1 & 0x0f,
    searchingTooLong: (b1 & 0x10) !== 0,
    spo2Dropping: (b1 & 0x20) !== 0,
    beat: (b1 & 0x40) !== 0,
    pleth: (f[1] ?? 0) & 0x7f,
    bar: b3 & 0x0f,
    probeError: (b3 & 0x10) !== 0,
    searching: (b3 & 0x20) !== 0,
    pulse: ((b3 & 0x40) << 1) | ((f[3] ?? 0) & 0x7f),
    spo2: (f[4] ?? 0) & 0x7f,
  };
}

/**
 * Byte-wise V5.1 decoder. Sync rule (drivers/_lib/bit7-frames.ts): bit 7 is set in byte 1 only, so a set bit 7
 * always starts a frame and a clear one outside a frame is garbage. No checksum exists.
 */
class ContecLegacyDecoder implements Decoder {
  private readonly emitter = new Emitter();
  private readonly sync = new Bit7Frames();
  private readonly reading: ContecReading = {
    probeError: false, searching: false, searchingTooLong: false, pleth: 0, pulse: 0, spo2: 0, pi: NaN,
  };
  private streak = 0;
  private ok = false;

  get recognised(): boolean {
    return this.ok;
  }

  push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    for (const b of bytes) {
      const f = this.sync.byte(b);
      if (f === 'lost') this.streak = 0;
      else if (f) this.complete(f, nowMs);
    }
    return this.emitter.take();
  }

  private complete(frame: Uint8Array, t: number): void {
    const f = parseFrame(frame);
    // Signal strength is 0–8 and SpO2 0–100 or 127 on real devices; other frames still decode but do not
    // count towards recognition.
    if (f.signal > 8 || (f.spo2 > 100 && f.spo2 !== 127)) this.streak = 0;
    else if (++this.streak >= RECOGNISE_AFTER) this.ok = true;
    const r = this.reading;
    r.probeError = f.probeError;
    r.searching = f.searching;
    r.searchingTooLong = f.searchingTooLong;
    r.pleth = f.pleth;
    r.pulse = f.pulse;
    r.spo2 = f.spo2;
    report(this.emitter, r, t);
  }
}

export function createDecoder(): Decoder {
  return new ContecLegacyDecoder();
}
