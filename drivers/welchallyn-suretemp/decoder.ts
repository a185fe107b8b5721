import { MDC } from '../../src/shared/catalogue.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Decoder } from '../../src/shared/driver.ts';
import { Emitter } from '../_lib/emitter.ts';
import { CMD_TEMPERATURE_RECORD, PREAMBLE, TYPE_GOOD_RESPONSE } from './packet.ts';
import { RECORD_SIZE, readRecord, type TemperatureRecord } from './record.ts';

const TEMP = MDC.TEMP_BODY;
const KELVIN = 273.15;
/** Largest data block accepted (records are 19 or 33 bytes); a bigger size field means we are out of sync. */
const MAX_DATA = 64;
/** The data sizes of a temperature record response; a record header with any other size is a false start. */
const RECORD_SIZES: readonly number[] = [RECORD_SIZE, 33];
const HEADER = 8;

/** The header in `f` is a good response to "Send Temperature Record". */
function isRecordResponse(f: Uint8Array): boolean {
  return f[3] === CMD_TEMPERATURE_RECORD[0] && f[4] === CMD_TEMPERATURE_RECORD[1] && f[5] === TYPE_GOOD_RESPONSE;
}

/**
 * Byte-wise packet state machine: preamble, header, data, checksum. On a bad preamble byte, an oversized
 * length, a record header with a size no record has or a checksum mismatch, the bytes after the frame's first
 * byte are scanned again, so a real packet hidden behind a false start is found. Checksum failures are dropped
 * silently: the next poll follows within 500 ms, and a status would flap.
 *
 * Temperature: only the final/predicted field is the patient's temperature; the probe temperature never is,
 * and it is not used for the status either: a probe put back in its well stays warm for seconds, so
 * "measuring" comes from the record's active flag. Rounded to 0.1 °C: the module's accuracy is ±0.1 °C and
 * its display resolution 0.1, so more digits would be false precision.
 *
 * One observation per measurement, with a measurementId: a new measurement starts when the final value
 * appears after 0.0, when the sample counter goes back (a new cycle) or when the value changes (monitor
 * mode, or a revised prediction). Polling the same record again emits nothing.
 */
class SureTempDecoder implements Decoder {
  private readonly emitter = new Emitter();
  private readonly frame = new Uint8Array(HEADER + MAX_DATA + 1);
  private readonly view = new DataView(this.frame.buffer);
  private n = 0;
  private size = 0;
  private good = 0;
  private known = false;
  private lastCounter = -1;
  private seq = 0;
  private current: { value: number; valid: boolean } | undefined;

  get recognised(): boolean {
    return this.known;
  }

  push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i]!, nowMs);
    return this.emitter.take();
  }

  private byte(b: number, t: number): void {
    const f = this.frame;
    f[this.n++] = b;
    if (this.n <= PREAMBLE.length) {
      if (b !== PREAMBLE[this.n - 1]) this.resync(t);
      return;
    }
    if (this.n === HEADER) {
      this.size = f[6]! | (f[7]! << 8);
      // A record header with a size no record has would swallow the real packets behind it, and its 8-bit
      // checksum passes by chance once in 256: drop it at once rather than after up to 65 bytes.
      if (this.size > MAX_DATA || (isRecordResponse(f) && !RECORD_SIZES.includes(this.size))) this.resync(t);
      return;
    }
    if (this.n === HEADER + this.size + 1) {
      let sum = 0;
      for (let i = 0; i < this.n; i++) sum += f[i]!;
      if ((sum & 0xff) !== 0) return this.resync(t);
      this.n = 0;
      this.packet(t);
    }
  }

  /** Drops the frame's first byte and feeds the rest again (in place: the write index stays behind the read index). */
  private resync(t: number): void {
    const end = this.n;
    this.n = 0;
    for (let k = 1; k < end; k++) this.byte(this.frame[k]!, t);
  }

  private packet(t: number): void {
    if (++this.good >= 2) this.known = true;
    if (isRecordResponse(this.frame)) this.record(readRecord(this.view, HEADER), t);
  }

  private record(r: TemperatureRecord, t: number): void {
    const e = this.emitter;
    const restarted = r.counter < this.lastCounter;
    this.lastCounter = r.counter;
    if (r.error !== 0) return e.status('error', t, `device-error-${r.error}`);
    if (r.finalK === 0) {
      this.current = undefined;
      if (r.active) e.status('measuring', t, r.method === 1 ? 'monitoring' : 'predicting');
      else e.status('ok', t, 'ready');
      return;
    }
    const value = Math.round((r.finalK - KELVIN) * 10) / 10;
    if (this.current === undefined || restarted || this.current.value !== value) {
      const id = `suretemp-${Math.round(t)}-${++this.seq}`;
      this.current = { value, valid: e.observe(TEMP, value, t, id) };
    }
    if (this.current.valid) e.status('ok', t);
    else e.status('error', t, 'out-of-range');
  }
}

export function createDecoder(): Decoder {
  return new SureTempDecoder();
}
