import { Emitter } from '../_lib/emitter.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Decoder } from '../../src/shared/driver.ts';
import { report, type ContecReading } from './reading.ts';

/** Total length (type + high byte + data) of each uplink package type of the V7.0 document; 0 = unknown. */
const LENGTHS = new Uint8Array(128);
for (const [type, len] of [
  [0x01, 9], [0x02, 9], [0x04, 9], [0x05, 9], [0x07, 8], [0x08, 8], [0x09, 6], [0x0a, 4], [0x0b, 4],
  [0x0c, 2], [0x0d, 3], [0x0e, 3], [0x0f, 8], [0x10, 3], [0x11, 9], [0x12, 8], [0x15, 9],
] as const) LENGTHS[type] = len;

const REALTIME = 0x01;
const DISCONNECT = 0x0d;
/** Consecutive plausible real-time packets before the decoder claims the port when probing. */
const RECOGNISE_AFTER = 2;

/** The fields of a 0x01 real-time package, decoded (high-byte bits restored). */
export interface RealtimeFields {
  signal: number;
  searchingTooLong: boolean;
  lowSpo2: boolean;
  beat: boolean;
  probeError: boolean;
  pleth: number;
  searching: boolean;
  bar: number;
  piInvalid: boolean;
  reserved: number;
  pulse: number;
  spo2: number;
  /** PI × 100 as sent (0xFFFF = invalid). */
  piRaw: number;
}

/** Data byte `i` (0 = right after the high byte) of a package, with its bit 7 taken from the high byte. */
function data(pkg: ArrayLike<number>, i: number): number {
  return ((pkg[2 + i] ?? 0) & 0x7f) | ((((pkg[1] ?? 0) >> i) & 1) << 7);
}

/** Decodes a whole 9-byte 0x01 package (type byte first). */
export function parseRealtime(pkg: ArrayLike<number>): RealtimeFields {
  const d0 = data(pkg, 0);
  const d1 = data(pkg, 1);
  const d2 = data(pkg, 2);
  return {
    signal: d0 & 0x0f,
    searchingTooLong: (d0 & 0x10) !== 0,
    lowSpo2: (d0 & 0x20) !== 0,
    beat: (d0 & 0x40) !== 0,
    probeError: (d0 & 0x80) !== 0,
    pleth: d1 & 0x7f,
    searching: (d1 & 0x80) !== 0,
    bar: d2 & 0x0f,
    piInvalid: (d2 & 0x10) !== 0,
    reserved: d2 & 0xe0,
    pulse: data(pkg, 3),
    spo2: data(pkg, 4),
    piRaw: data(pkg, 5) | (data(pkg, 6) << 8),
  };
}

/** Values a real device can send: a clone of another protocol or line noise rarely fits all of them. */
function plausible(f: RealtimeFields): boolean {
  const piOk = f.piInvalid || f.piRaw <= 2200 || f.piRaw === 0xffff;
  return f.signal <= 8 && f.reserved === 0 && (f.spo2 <= 100 || f.spo2 === 0x7f) && piOk;
}

/**
 * Byte-wise V7.0 decoder. Sync rule: a package starts at the only byte with bit 7 clear (its type); every
 * following byte has bit 7 set. Known types end by length, unknown ones at the next bit-7-clear byte.
 */
class ContecV7Decoder implements Decoder {
  private readonly emitter = new Emitter();
  private readonly pkg = new Uint8Array(9);
  private readonly reading: ContecReading = {
    probeError: false, searching: false, searchingTooLong: false, pleth: 0, pulse: 0, spo2: 0, pi: NaN,
  };
  /** Bytes of the current package so far; 0 = between packages. */
  private pos = 0;
  /** Expected total length of the current package; 0 = unknown type, skipped to the next type byte. */
  private len = 0;
  private streak = 0;
  private ok = false;

  get recognised(): boolean {
    return this.ok;
  }

  push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      if ((b & 0x80) === 0) {
        // A type byte: whatever known package was still open is cut short, i.e. garbage.
        if (this.pos > 0 && this.len > 0) this.streak = 0;
        this.pkg[0] = b;
        this.len = LENGTHS[b] ?? 0;
        this.pos = 1;
      } else if (this.pos === 0) {
        this.streak = 0;
      } else if (this.len > 0) {
        this.pkg[this.pos++] = b;
        if (this.pos === this.len) {
          this.pos = 0;
          this.complete(nowMs);
        }
      }
    }
    return this.emitter.take();
  }

  private complete(t: number): void {
    const type = this.pkg[0];
    if (type === DISCONNECT) {
      this.emitter.status('error', t, `disconnect-${data(this.pkg, 0)}`);
      return;
    }
    if (type !== REALTIME) return; // replies (ids, feedback, storage) carry no live measurement
    const f = parseRealtime(this.pkg);
    // Implausible values still decode (each is validated on its own) but do not count towards recognition.
    if (!plausible(f)) this.streak = 0;
    else if (++this.streak >= RECOGNISE_AFTER) this.ok = true;
    const r = this.reading;
    r.probeError = f.probeError;
    r.searching = f.searching;
    r.searchingTooLong = f.searchingTooLong;
    r.pleth = f.pleth;
    r.pulse = f.pulse;
    r.spo2 = f.spo2;
    r.pi = !f.piInvalid && f.piRaw <= 2200 ? f.piRaw / 100 : NaN;
    report(this.emitter, r, t);
  }
}

export function createDecoder(): Decoder {
  return new ContecV7Decoder();
}
