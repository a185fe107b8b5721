import { MDC, inRange, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceEvent, ObservationFlag } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import type { Medical } from '../_ble/ieee11073.ts';
import { RACP, RACP_FAILURES, racpRequest, type RacpAsk } from '../_ble/racp.ts';
import { absentObservation, MeasurementDecoder, observation, type Converted, type MeasurementFields } from '../_ble/reading.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { BP_RECORD, manifest } from './manifest.ts';
import { parseMeasurement, type BpMeasurement } from './measurement.ts';

const MMHG_PER_KPA = 1000 / 133.322387415;
/** A record longer than this (segments that never end) is dropped. */
const MAX_RECORD = 256;

type Valid = Extract<Medical, { ok: true }>;

/**
 * Blood Pressure profile decoder. One measurement = SYS, DIA, MAP and pulse sharing a measurementId (the device's
 * address and its timestamp, else the record's seq, else the arrival). Values in kPa become mm[Hg] (rounded to
 * 1 mmHg, the cuffs' resolution) and keep the kPa value as `reported`. A reading stamped well before the connection
 * is marked `record.stored` (deployed BPS 1.0 cuffs indicate their memory right after connect); the BLE session
 * drops the ones already delivered. The user id is not emitted: a cuff's other users are not this patient, and
 * telling them apart needs the cabin's configured user (not in the contract yet).
 */
class BpDecoder extends MeasurementDecoder {
  private hasCts = false;
  private recordCrc = false;
  private segments: { seq: number; uuid: number; bytes: number[] } | undefined;

  constructor() {
    super(manifest.ble, UUID.bloodPressure);
  }

  protected override opened(ctx: BleConnectionContext): void {
    this.segments = undefined;
    const has = (ch: string): boolean => ctx.available.some((a) => normaliseUuid(a.characteristic) === ch);
    this.hasCts = has(UUID.currentTime);
    if (has(UUID.recordAccess)) {
      // Only records newer than the last delivered; without a mark only the last one (the memory may hold other people's).
      const next = ctx.lastSeq !== undefined ? ctx.lastSeq + 1 : undefined;
      const ask: RacpAsk = next === undefined || next > 0xffff ? { kind: 'last' } : { kind: 'from', seq: next };
      this.send({ service: UUID.bloodPressure, characteristic: UUID.recordAccess, bytes: racpRequest(ask) });
    }
  }

  protected override closed(): void {
    this.segments = undefined;
  }

  protected characteristic(ch: string | undefined, v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    const b = v.bytes;
    switch (ch) {
      case UUID.bloodPressureMeasurement:
        return this.pressures(b, nowMs, undefined);
      case UUID.intermediateCuffPressure:
        return b.length >= 7 ? this.status('measuring', nowMs, 'cuff-inflating') : this.status('error', nowMs, 'short-value');
      case UUID.bloodPressureFeature:
        // b6: E2E-CRC on records (BPS 1.1).
        if (b.length >= 2) this.recordCrc = (b[0]! & 0x40) !== 0;
        return [];
      case UUID.dateTime:
        // A&D UA-651BLE: its clock is this Date Time inside the BP service, read like a Current Time when there is none.
        if (v.via !== 'read' || this.hasCts) return [];
        return this.common.value({ service: UUID.currentTimeService, characteristic: UUID.currentTime, bytes: b, via: 'read' }, nowMs) ?? [];
      case BP_RECORD:
        return this.record(b, nowMs);
      case UUID.recordAccess:
        return this.racp(b, nowMs);
      default:
        return [];
    }
  }

  /** A BPS 1.1 record (0x2B36): segmentation header, seq u16, the recorded characteristic's UUID, its value. */
  private record(b: Uint8Array, nowMs: number): DeviceEvent[] {
    if (b.length < 1) return this.status('error', nowMs, 'short-value');
    const first = (b[0]! & 0x01) !== 0;
    const last = (b[0]! & 0x02) !== 0;
    if (first) {
      if (b.length < 5) return this.status('error', nowMs, 'short-value');
      this.segments = { seq: b[1]! | (b[2]! << 8), uuid: b[3]! | (b[4]! << 8), bytes: [...b.subarray(5)] };
    } else if (this.segments) {
      this.segments.bytes.push(...b.subarray(1));
    } else {
      return this.status('error', nowMs, 'record-segment-out-of-order');
    }
    if (this.segments.bytes.length > MAX_RECORD) {
      this.segments = undefined;
      return this.status('error', nowMs, 'record-too-long');
    }
    if (!last) return [];
    const rec = this.segments;
    this.segments = undefined;
    // The CRC is not checked (no device seen sends it); it is only taken off.
    const bytes = Uint8Array.from(this.recordCrc ? rec.bytes.slice(0, -2) : rec.bytes);
    // Only plain measurements are decoded; an Enhanced BPM (0x2B34) record is skipped.
    if (rec.uuid !== 0x2a35) return this.status('error', nowMs, 'record-format-unsupported');
    return this.pressures(bytes, nowMs, rec.seq);
  }

  /** Record access responses: `06 00 <request> <code>`; success and "no records" say nothing. */
  private racp(b: Uint8Array, nowMs: number): DeviceEvent[] {
    if (b[0] !== RACP.response) return [];
    if (b.length < 4) return this.status('error', nowMs, 'short-value');
    const code = b[3]!;
    if (code === RACP.success || code === RACP.noRecords) return [];
    return this.status('error', nowMs, `records-${RACP_FAILURES[code] ?? `code-${code}`}`);
  }

  private pressures(bytes: Uint8Array, nowMs: number, seq: number | undefined): DeviceEvent[] {
    const parsed = parseMeasurement(bytes, this.ctx?.utcOffsetMin ?? 0);
    if (!parsed.ok) return this.status('error', nowMs, parsed.reason);
    const m = parsed.value;
    const sys = m.systolic.ok ? this.pressure(m, m.systolic) : undefined;
    const dia = m.diastolic.ok ? this.pressure(m, m.diastolic) : undefined;
    if (sys && !inRange(MDC.PRESS_BLD_NONINV_SYS, sys.value)) return this.status('error', nowMs, 'systolic-out-of-range');
    if (dia && !inRange(MDC.PRESS_BLD_NONINV_DIA, dia.value)) return this.status('error', nowMs, 'diastolic-out-of-range');
    const shared = this.measurement(m.time, nowMs, seq, bytes);
    // The measurement failed when the cuff gave no systolic or no diastolic number: the patient measures again.
    const failure = !m.systolic.ok ? `systolic-${m.systolic.special}` : !m.diastolic.ok ? `diastolic-${m.diastolic.special}` : undefined;
    if (!shared) return failure ? this.status('error', nowMs, failure) : [];
    const fields = { ...shared, ...(m.flags.length > 0 ? { flags: [...m.flags] as ObservationFlag[] } : {}) };
    // A special value (a cuff that computes no MAP, a failed measurement) is that component absent in the one
    // measurement (same measurementId): the record says the cuff gave no number there, the other values stand.
    const component = (code: MdcCode, x: Medical, v: Converted | undefined, f: MeasurementFields): DeviceEvent[] =>
      !x.ok ? [absentObservation(code, x.special, f)] : v && inRange(code, v.value) ? [observation(code, v, f)] : [];
    const out: DeviceEvent[] = [
      ...component(MDC.PRESS_BLD_NONINV_SYS, m.systolic, sys, fields),
      ...component(MDC.PRESS_BLD_NONINV_DIA, m.diastolic, dia, fields),
      ...component(MDC.PRESS_BLD_NONINV_MEAN, m.mean, m.mean.ok ? this.pressure(m, m.mean) : undefined, fields),
      ...(m.pulse ? component(MDC.PULS_RATE_NON_INV, m.pulse, m.pulse.ok ? { value: m.pulse.value, decimals: m.pulse.decimals } : undefined, fields) : []),
    ];
    return failure ? this.failed(out, nowMs, failure) : this.delivered(out, nowMs);
  }

  private pressure(m: BpMeasurement, x: Valid): Converted {
    if (!m.kpa) return { value: x.value, decimals: x.decimals };
    return { value: Math.round(x.value * MMHG_PER_KPA), decimals: 0, reported: { value: x.value, unit: 'kPa', decimals: x.decimals } };
  }
}

export function createDecoder(): BleDecoder {
  return new BpDecoder();
}
