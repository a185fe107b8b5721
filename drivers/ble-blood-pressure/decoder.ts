import { MDC, inRange, measurement as catalogue, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceEvent, DeviceStatus, ObservationEvent, ObservationFlag } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleDecoder, BleWrite, CharacteristicValue } from '../../src/shared/driver.ts';
import type { DateTime } from '../_ble/datetime.ts';
import type { Medical } from '../_ble/ieee11073.ts';
import { BleCommon } from '../_ble/session.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { BP_RECORD, manifest } from './manifest.ts';
import { parseMeasurement, type BpMeasurement } from './measurement.ts';

/** A reading stamped more than this before the connection opened came from the device's memory. */
export const LIVE_WINDOW_MS = 2 * 60_000;
const MMHG_PER_KPA = 1000 / 133.322387415;
/** A record longer than this (segments that never end) is dropped. */
const MAX_RECORD = 256;
const RACP_CODES: Readonly<Record<number, string>> = {
  2: 'op-code-not-supported',
  3: 'invalid-operator',
  4: 'operator-not-supported',
  5: 'invalid-operand',
  7: 'abort-unsuccessful',
  8: 'procedure-not-completed',
  9: 'operand-not-supported',
};

type Valid = Extract<Medical, { ok: true }>;
const stamp = (f: DateTime): string =>
  [f.year, f.month, f.day, f.hours, f.minutes, f.seconds].map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0')).join('');

/**
 * Blood Pressure profile decoder. One measurement = SYS, DIA, MAP and pulse sharing a measurementId (the device's
 * address and its timestamp, else the record's seq, else the arrival). Values in kPa become mm[Hg] (rounded to
 * 1 mmHg, the cuffs' resolution) and keep the kPa value as `reported`. A reading stamped well before the connection
 * is marked `record.stored` (deployed BPS 1.0 cuffs indicate their memory right after connect); the BLE session
 * drops the ones already delivered. The user id is not emitted: a cuff's other users are not this patient, and
 * telling them apart needs the cabin's configured user (not in the contract yet).
 */
class BpDecoder implements BleDecoder {
  private readonly common = new BleCommon(manifest.ble);
  private ctx: BleConnectionContext | undefined;
  private known = false;
  private lastStatus: string | undefined;
  private outgoing: BleWrite[] = [];
  private counter = 0;
  private hasCts = false;
  private recordCrc = false;
  private segments: { seq: number; uuid: number; bytes: number[] } | undefined;
  private emitted = new Set<string>();

  get recognised(): boolean {
    return this.known;
  }

  connected(ctx: BleConnectionContext): DeviceEvent[] {
    this.ctx = ctx;
    this.segments = undefined;
    this.emitted = new Set();
    this.outgoing = [];
    const has = (ch: string): boolean => ctx.available.some((a) => normaliseUuid(a.characteristic) === ch);
    this.hasCts = has(UUID.currentTime);
    if (has(UUID.recordAccess)) {
      // Only records newer than the last delivered; without a mark only the last one (the memory may hold other people's).
      const next = ctx.lastSeq !== undefined ? ctx.lastSeq + 1 : undefined;
      const bytes = next === undefined || next > 0xffff ? [0x01, 0x06] : [0x01, 0x03, 0x01, next & 0xff, next >> 8];
      this.outgoing.push({ service: UUID.bloodPressure, characteristic: UUID.recordAccess, bytes });
    }
    return this.common.connected(ctx);
  }

  value(v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    const common = this.common.value(v, nowMs);
    if (common) return common;
    if (normaliseUuid(v.service) !== UUID.bloodPressure) return [];
    const b = v.bytes;
    switch (normaliseUuid(v.characteristic)) {
      case UUID.bloodPressureMeasurement:
        return this.measurement(b, nowMs, undefined);
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

  takeOutgoing(): BleWrite[] {
    const out = [...this.common.takeOutgoing(), ...this.outgoing];
    this.outgoing = [];
    return out;
  }

  disconnected(): DeviceEvent[] {
    this.segments = undefined;
    return [];
  }

  private status(status: DeviceStatus, t: number, detail?: string): DeviceEvent[] {
    const key = `${status}/${detail ?? ''}`;
    if (key === this.lastStatus) return [];
    this.lastStatus = key;
    return [detail === undefined ? { kind: 'status', status, t } : { kind: 'status', status, detail, t }];
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
    return this.measurement(bytes, nowMs, rec.seq);
  }

  /** Record access responses: `06 00 <request> <code>`; success and "no records" say nothing. */
  private racp(b: Uint8Array, nowMs: number): DeviceEvent[] {
    if (b[0] !== 0x06) return [];
    if (b.length < 4) return this.status('error', nowMs, 'short-value');
    const code = b[3]!;
    if (code === 1 || code === 6) return [];
    return this.status('error', nowMs, `records-${RACP_CODES[code] ?? `code-${code}`}`);
  }

  private measurement(bytes: Uint8Array, nowMs: number, seq: number | undefined): DeviceEvent[] {
    const ctx = this.ctx;
    const parsed = parseMeasurement(bytes, ctx?.utcOffsetMin ?? 0);
    if (!parsed.ok) return this.status('error', nowMs, parsed.reason);
    const m = parsed.value;
    if (!m.systolic.ok) return this.status('error', nowMs, `systolic-${m.systolic.special}`);
    if (!m.diastolic.ok) return this.status('error', nowMs, `diastolic-${m.diastolic.special}`);
    const sys = this.pressure(m, m.systolic);
    const dia = this.pressure(m, m.diastolic);
    if (!inRange(MDC.PRESS_BLD_NONINV_SYS, sys.value)) return this.status('error', nowMs, 'systolic-out-of-range');
    if (!inRange(MDC.PRESS_BLD_NONINV_DIA, dia.value)) return this.status('error', nowMs, 'diastolic-out-of-range');

    const address = ctx?.address ?? 'unknown';
    const time = m.time;
    const deviceMs = time === undefined ? undefined : time === 'unset' ? 'unset' : time.ms;
    const id =
      time !== undefined && time !== 'unset' ? `${address}-${stamp(time.fields)}` : seq !== undefined ? `${address}-seq${seq}` : `${address}-${Math.round(nowMs)}-${++this.counter}`;
    // The same reading twice in one connection (a record and the live indication, a repeated indication).
    if (this.emitted.has(id)) return [];
    this.emitted.add(id);
    const when = timing(this.common, deviceMs, nowMs, ctx?.nowMs ?? nowMs);
    const record = seq !== undefined ? { seq, stored: true } : when.stored ? { stored: true } : undefined;
    const base = { t: when.t, measurementId: id, deviceClock: when.deviceClock, ...(m.flags.length > 0 ? { flags: [...m.flags] as ObservationFlag[] } : {}), ...(record ? { record } : {}) };
    const out: DeviceEvent[] = [obs(MDC.PRESS_BLD_NONINV_SYS, sys, base), obs(MDC.PRESS_BLD_NONINV_DIA, dia, base)];
    // A cuff that computes no MAP or pulse sends a special value there: the other values stand without it.
    if (m.mean.ok) {
      const mean = this.pressure(m, m.mean);
      if (inRange(MDC.PRESS_BLD_NONINV_MEAN, mean.value)) out.push(obs(MDC.PRESS_BLD_NONINV_MEAN, mean, base));
    }
    if (m.pulse?.ok && inRange(MDC.PULS_RATE_NON_INV, m.pulse.value)) {
      out.push(obs(MDC.PULS_RATE_NON_INV, { value: m.pulse.value, decimals: m.pulse.decimals }, base));
    }
    this.known = true;
    return [...out, ...this.status('ok', nowMs)];
  }

  private pressure(m: BpMeasurement, x: Valid): Converted {
    if (!m.kpa) return { value: x.value, decimals: x.decimals };
    return { value: Math.round(x.value * MMHG_PER_KPA), decimals: 0, reported: { value: x.value, unit: 'kPa', decimals: x.decimals } };
  }
}

interface Converted {
  readonly value: number;
  readonly decimals: number;
  readonly reported?: { readonly value: number; readonly unit: string; readonly decimals: number };
}

function obs(code: MdcCode, v: Converted, base: Omit<ObservationEvent, 'kind' | 'code' | 'value' | 'unit'>): ObservationEvent {
  return { kind: 'observation', code, value: v.value, unit: catalogue(code).unit, decimals: v.decimals, ...(v.reported ? { reported: { ...v.reported } } : {}), ...base };
}

/**
 * The reading's time on the cabin's clock, its device clock, and whether it came from memory: stamped more than
 * LIVE_WINDOW_MS before the connection (on the device clock read at connect, else on its own stamp taken as is).
 */
export function timing(common: BleCommon, deviceMs: number | 'unset' | undefined, nowMs: number, connectedAt: number): ReturnType<BleCommon['clockOf']> & { stored: boolean } {
  if (typeof deviceMs !== 'number') return { ...common.clockOf(deviceMs, nowMs, true), stored: false };
  const ref = common.clockOf(deviceMs, nowMs, false);
  const stored = ref.t < connectedAt - LIVE_WINDOW_MS;
  if (stored || ref.deviceClock.state !== 'unknown') return { ...ref, stored };
  return { ...common.clockOf(deviceMs, nowMs, true), stored: false };
}

export function createDecoder(): BleDecoder {
  return new BpDecoder();
}
