import { MDC, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Decoder } from '../../src/shared/driver.ts';
import { Emitter } from '../_lib/emitter.ts';
import { tanitaSum } from './checksum.ts';
import { heightCm, num, parseFields, weightKg } from './record.ts';

/** Longest line kept (segmental MC-980 lines are < 1 kB); longer runs are garbage, dropped up to CR/LF. */
export const MAX_LINE = 2048;

const WEIGHT = MDC.MASS_BODY_ACTUAL;
const HEIGHT = MDC.LEN_BODY_ACTUAL;
const BMI = MDC.RATIO_MASS_BODY_LEN_SQ;
const FAT = MDC.BODY_FAT;
const LBRACE = 0x7b;
const CS_MARK = ',CS,';
const WEIGHT_TAG = /,W[kps],/;

/** FNV-1a 32-bit hash of `bytes[0, end)`, hex. */
function fnv1a(bytes: Uint8Array, end: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * One CR LF line per measurement. `{` always opens a record, so noise before it (e.g. the WB-3000's
 * "irrelevant signal" after the data) is dropped; other lines without `,CS,` are ignored as noise.
 *
 * Checksum policy: a line whose CS does not match is REJECTED (status error/checksum), unlike the
 * reference's "log, don't reject" caution. The rule is verified on two real captures, and a corrupted weight
 * reaching a doctor (weight-based dosing) is worse than a visible error that makes an installer capture the
 * line. A line without CS cannot be verified and is rejected the same way (error/malformed).
 *
 * All observations of a line share a measurementId derived from the line's content (serial number + hash
 * of the verified bytes, which include the scale's date/time and impedance): stable across restarts, and a
 * re-sent line is the same measurement. `t` is the host receive time: the scale's clock has minute
 * resolution, no time zone, and is often unset.
 */
class TanitaDecoder implements Decoder {
  private readonly emitter = new Emitter();
  private readonly line = new Uint8Array(MAX_LINE);
  private length = 0;
  private overflow = false;
  private good = 0;
  private known = false;

  get recognised(): boolean {
    return this.known;
  }

  push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0x0a || b === 0x0d) {
        if (this.length > 0 && !this.overflow) this.endLine(nowMs);
        this.length = 0;
        this.overflow = false;
      } else if (b === LBRACE) {
        this.line[0] = b;
        this.length = 1;
        this.overflow = false;
      } else if (this.length < MAX_LINE) {
        this.line[this.length++] = b;
      } else {
        this.overflow = true;
      }
    }
    return this.emitter.take();
  }

  private endLine(t: number): void {
    const text = String.fromCharCode.apply(null, this.line.subarray(0, this.length) as unknown as number[]);
    const mark = text.lastIndexOf(CS_MARK);
    // Not a record (noise between measurements, WB-3000's trailing signal) unless it is a weighing cut short.
    if (mark < 0 && !(text.charCodeAt(0) === LBRACE && WEIGHT_TAG.test(text))) return;
    const e = this.emitter;
    const cs = mark < 0 ? '' : text.slice(mark + CS_MARK.length).trim();
    if (!/^[0-9A-Fa-f]{2}$/.test(cs)) return this.reject(t, 'malformed');
    // The sum runs through the comma before CS.
    if (tanitaSum(this.line, 0, mark + 1) !== parseInt(cs, 16)) return this.reject(t, 'checksum');
    const fields = parseFields(text.slice(0, mark));
    if (!fields) return this.reject(t, 'malformed');
    if (++this.good >= 2) this.known = true;
    const weight = weightKg(fields);
    if (weight === undefined) return e.status('error', t, 'no-weight');
    const id = `tanita-${(fields.get('SN') ?? '').replace(/[^0-9A-Za-z]/g, '').slice(0, 20) || 'x'}-${fnv1a(this.line, mark + 1)}`;
    if (!e.observe(WEIGHT, weight, t, id)) return e.status('error', t, 'out-of-range');
    let problem = this.optional(HEIGHT, heightCm(fields), t, id);
    problem = this.optional(BMI, num(fields, 'MI'), t, id) ?? problem;
    // MC-780 `St`: non-zero = the measurement (impedance) failed; the load-cell weight stands, body fat does not.
    const st = num(fields, 'St');
    if (st !== undefined && st !== 0) problem = `measurement-status-${st}`;
    else problem = this.optional(FAT, num(fields, 'FW'), t, id) ?? problem;
    if (problem === undefined) e.status('ok', t);
    else e.status('error', t, problem);
  }

  /** Emits a value the scale may leave out or zero (height not entered, weight-only mode); a problem otherwise. */
  private optional(code: MdcCode, value: number | undefined, t: number, id: string): string | undefined {
    if (value === undefined || value === 0) return undefined;
    return this.emitter.observe(code, value, t, id) ? undefined : 'out-of-range';
  }

  private reject(t: number, detail: string): void {
    this.good = 0;
    this.emitter.status('error', t, detail);
  }
}

export function createDecoder(): Decoder {
  return new TanitaDecoder();
}
