import { Emitter } from '../_lib/emitter.ts';
import type { DeviceEvent, IdentityEvent } from '../../src/shared/device-event.ts';
import type { Decoder } from '../../src/shared/driver.ts';
import { report, type ContecReading } from './reading.ts';

/** Total length (type + high byte + data) of each uplink package type of the V7.0 document; 0 = unknown. */
const LENGTHS = new Uint8Array(128);
for (const [type, len] of [
  [0x01, 9], [0x02, 9], [0x04, 9], [0x05, 9], [0x07, 8], [0x08, 8], [0x09, 6], [0x0a, 4], [0x0b, 4],
  [0x0c, 2], [0x0d, 3], [0x0e, 3], [0x0f, 8], [0x10, 3], [0x11, 9], [0x12, 8], [0x15, 9],
] as const) LENGTHS[type] = len;

const REALTIME = 0x01;
const MODEL = 0x02;
const VENDOR = 0x03;
const VERSION = 0x06;
const DISCONNECT = 0x0d;
/**
 * Replies outside the V7.0 document that the decoder reads (OSCAR's model 0x02 for A8, vendor 0x03 for A9,
 * protocol version 0x06 for A0). 0x02 has its 9 bytes in every capture; the other two are read up to the next
 * type byte (the sync rule), whatever their length: a CMS60C and a CMS50D+ send `03` with 7 data bytes and `06`
 * with 2, but nothing documents it.
 */
const UNTIL_NEXT = new Set([VENDOR, VERSION]);
/** Bytes kept of a package read up to the next type byte. */
const MAX_VARIABLE = 32;
/** The model's last segment number (the first is 0). */
const LAST_SEGMENT = 0xff;
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
  // The high byte holds bit 7 of the first 7 data bytes only (its own bit 7 is the framing bit).
  const high = i < 7 ? (((pkg[1] ?? 0) >> i) & 1) << 7 : 0;
  return ((pkg[2 + i] ?? 0) & 0x7f) | high;
}

/**
 * Data bytes `from` to `to` as text, up to the first 0 (C string), without the padding spaces; undefined when a
 * byte is not printable ASCII (a garbled reply is not a name).
 */
function text(pkg: ArrayLike<number>, from: number, to: number): string | undefined {
  let out = '';
  for (let i = from; i < to; i++) {
    const c = data(pkg, i);
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return undefined;
    out += String.fromCharCode(c);
  }
  return out;
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
  private readonly pkg = new Uint8Array(MAX_VARIABLE);
  /** Who the device says it is: one identity event each time a part becomes known or changes. */
  private identity: Omit<IdentityEvent, 'kind' | 't'> = {};
  /** Events of this push so far, in order, when an identity event came between the emitter's. */
  private out: DeviceEvent[] = [];
  /** Segments of the model name received so far (segment 0 starts it, segment 0xFF ends it). */
  private modelParts: string[] | undefined;
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
        // A package read up to the next type byte ends here.
        if (this.pos > 1 && this.len === 0 && UNTIL_NEXT.has(this.pkg[0]!)) this.variable(this.pos, nowMs);
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
      } else if (UNTIL_NEXT.has(this.pkg[0]!)) {
        if (this.pos < MAX_VARIABLE) this.pkg[this.pos++] = b;
        else this.pos = 0; // too long for what it claims to be: dropped
      }
    }
    if (this.out.length === 0) return this.emitter.take();
    const out = this.out;
    this.out = [];
    return [...out, ...this.emitter.take()];
  }

  /** A vendor or version package of `length` bytes (type and high byte included). */
  private variable(length: number, t: number): void {
    const type = this.pkg[0];
    const n = length - 2;
    if (type === VENDOR) {
      const vendor = text(this.pkg, 0, n)?.trim();
      if (vendor) this.know({ manufacturer: vendor }, t);
    } else if (type === VERSION && n === 2) {
      // 00 07 from a CMS60C and a CMS50D+ that speak V7.0: minor, then major.
      this.know({ protocol: `${data(this.pkg, 1)}.${data(this.pkg, 0)}` }, t);
    }
  }

  /** A model name segment: 6 characters after the segment number. */
  private modelSegment(t: number): void {
    const segment = data(this.pkg, 0);
    const part = text(this.pkg, 1, 7);
    if (part === undefined) {
      this.modelParts = undefined;
      return;
    }
    if (segment === 0) this.modelParts = [part];
    else if (this.modelParts) this.modelParts.push(part);
    if (segment === LAST_SEGMENT) this.endModel(t);
  }

  /** The model name is complete (its last segment, or another package after its first ones). */
  private endModel(t: number): void {
    const model = this.modelParts?.join('').trim();
    this.modelParts = undefined;
    if (model) this.know({ model }, t);
  }

  private know(part: Omit<IdentityEvent, 'kind' | 't'>, t: number): void {
    const next = { ...this.identity, ...part };
    if ((Object.keys(part) as (keyof typeof part)[]).every((k) => this.identity[k] === next[k])) return;
    this.identity = next;
    // After what the emitter holds, so the order is the same however the bytes were chunked.
    this.out.push(...this.emitter.take(), { kind: 'identity', ...next, t });
  }

  private complete(t: number): void {
    const type = this.pkg[0];
    if (type !== MODEL && this.modelParts) this.endModel(t);
    if (type === MODEL) {
      this.modelSegment(t);
      return;
    }
    if (type === DISCONNECT) {
      this.emitter.status('error', t, `disconnect-${data(this.pkg, 0)}`);
      return;
    }
    if (type !== REALTIME) return; // other replies (ids, feedback, storage) carry no live measurement
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
