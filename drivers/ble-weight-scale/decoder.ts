import { MDC, inRange, measurement as catalogue, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceEvent, DeviceStatus, ObservationEvent } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleDecoder, BleWrite, CharacteristicValue } from '../../src/shared/driver.ts';
import type { DateTime } from '../_ble/datetime.ts';
import { scaled } from '../_ble/ieee11073.ts';
import { BleCommon } from '../_ble/session.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { manifest } from './manifest.ts';
import { UNSUCCESSFUL, heightDecimals, parseFeature, parseMeasurement, weightDecimals, type Feature } from './measurement.ts';

/** A reading stamped more than this before the connection opened came from the device's memory. */
export const LIVE_WINDOW_MS = 2 * 60_000;
const KG_PER_LB = 0.45359237;
const CM_PER_IN = 2.54;

const stamp = (f: DateTime): string =>
  [f.year, f.month, f.day, f.hours, f.minutes, f.seconds].map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0')).join('');
/** `units` of 10^-from rounded to `to` decimals (to ≤ from), as the nearest double. */
const round = (units: number, from: number, to: number): number => scaled(Math.round(units / 10 ** (from - to)), -to);
const toDecimals = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

interface Value {
  readonly value: number;
  readonly decimals: number;
  readonly reported?: { readonly value: number; readonly unit: string; readonly decimals: number };
}

/**
 * Weight Scale decoder: weight (and the BMI and height the scale sends with it) as one measurement. Weights are
 * given to the resolution of the scale's feature (0x2A9E; without it, 0.005 kg shown with at least 2 decimals);
 * pounds and inches become kg and cm and are kept as `reported`. The height a scale sends is the one set in its user
 * profile. The user id is not emitted: the scale's other users are not this patient.
 */
class ScaleDecoder implements BleDecoder {
  private readonly common = new BleCommon(manifest.ble);
  private ctx: BleConnectionContext | undefined;
  private known = false;
  private lastStatus: string | undefined;
  private feature: Feature | undefined;
  private counter = 0;
  private emitted = new Set<string>();

  get recognised(): boolean {
    return this.known;
  }

  connected(ctx: BleConnectionContext): DeviceEvent[] {
    this.ctx = ctx;
    this.feature = undefined;
    this.emitted = new Set();
    return this.common.connected(ctx);
  }

  value(v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    const common = this.common.value(v, nowMs);
    if (common) return common;
    if (normaliseUuid(v.service) !== UUID.weightScale) return [];
    switch (normaliseUuid(v.characteristic)) {
      case UUID.weightScaleFeature:
        this.feature = parseFeature(v.bytes);
        return [];
      case UUID.weightMeasurement:
        return this.measurement(v.bytes, nowMs);
      default:
        return [];
    }
  }

  takeOutgoing(): BleWrite[] {
    return this.common.takeOutgoing();
  }

  disconnected(): DeviceEvent[] {
    return [];
  }

  private status(status: DeviceStatus, t: number, detail?: string): DeviceEvent[] {
    const key = `${status}/${detail ?? ''}`;
    if (key === this.lastStatus) return [];
    this.lastStatus = key;
    return [detail === undefined ? { kind: 'status', status, t } : { kind: 'status', status, detail, t }];
  }

  private weight(raw: number, imperial: boolean): Value {
    const declared = weightDecimals(this.feature?.weightIndex ?? 0, imperial);
    if (!imperial) {
      // Grams (0.005 kg steps): shown to the declared resolution, else exactly with at least 2 decimals.
      const grams = raw * 5;
      const decimals = declared ?? (grams % 10 === 0 ? 2 : 3);
      return { value: round(grams, 3, decimals), decimals };
    }
    const lbDecimals = declared ?? 2;
    const lb = round(raw, 2, lbDecimals);
    const decimals = Math.min(lbDecimals + 1, 3);
    return { value: toDecimals(lb * KG_PER_LB, decimals), decimals, reported: { value: lb, unit: '[lb_av]', decimals: lbDecimals } };
  }

  private height(raw: number, imperial: boolean): Value {
    const decimals = heightDecimals(this.feature?.heightIndex ?? 0) ?? 1;
    // SI: millimetres; imperial: tenths of an inch.
    if (!imperial) return { value: round(raw, 1, decimals), decimals };
    const inches = round(raw, 1, decimals);
    return { value: toDecimals(inches * CM_PER_IN, 1), decimals: 1, reported: { value: inches, unit: '[in_i]', decimals } };
  }

  private measurement(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    const ctx = this.ctx;
    const parsed = parseMeasurement(bytes, ctx?.utcOffsetMin ?? 0);
    if (!parsed.ok) return this.status('error', nowMs, parsed.reason);
    const m = parsed.value;
    if (m.weight === UNSUCCESSFUL) return this.status('error', nowMs, 'measurement-unsuccessful');
    const weight = this.weight(m.weight, m.imperial);
    if (!inRange(MDC.MASS_BODY_ACTUAL, weight.value)) return this.status('error', nowMs, 'weight-out-of-range');

    const address = ctx?.address ?? 'unknown';
    const time = m.time;
    const id = time !== undefined && time !== 'unset' ? `${address}-${stamp(time.fields)}` : `${address}-${Math.round(nowMs)}-${++this.counter}`;
    if (this.emitted.has(id)) return [];
    this.emitted.add(id);
    const deviceMs = time === undefined ? undefined : time === 'unset' ? 'unset' : time.ms;
    const when = timing(this.common, deviceMs, nowMs, ctx?.nowMs ?? nowMs);
    const base = { t: when.t, measurementId: id, deviceClock: when.deviceClock, ...(when.stored ? { record: { stored: true } } : {}) };
    const out: DeviceEvent[] = [obs(MDC.MASS_BODY_ACTUAL, weight, base)];
    if (m.height !== undefined) {
      const height = this.height(m.height, m.imperial);
      if (inRange(MDC.LEN_BODY_ACTUAL, height.value)) out.push(obs(MDC.LEN_BODY_ACTUAL, height, base));
    }
    if (m.bmi !== undefined) {
      const bmi = { value: scaled(m.bmi, -1), decimals: 1 };
      if (inRange(MDC.RATIO_MASS_BODY_LEN_SQ, bmi.value)) out.push(obs(MDC.RATIO_MASS_BODY_LEN_SQ, bmi, base));
    }
    this.known = true;
    return [...out, ...this.status('ok', nowMs)];
  }
}

function obs(code: MdcCode, v: Value, base: Omit<ObservationEvent, 'kind' | 'code' | 'value' | 'unit'>): ObservationEvent {
  return { kind: 'observation', code, value: v.value, unit: catalogue(code).unit, decimals: v.decimals, ...(v.reported ? { reported: { ...v.reported } } : {}), ...base };
}

/**
 * The reading's time on the cabin's clock, its device clock, and whether it came from memory: stamped more than
 * LIVE_WINDOW_MS before the connection (on the device clock read at connect, else on its own stamp taken as is).
 */
function timing(common: BleCommon, deviceMs: number | 'unset' | undefined, nowMs: number, connectedAt: number): ReturnType<BleCommon['clockOf']> & { stored: boolean } {
  if (typeof deviceMs !== 'number') return { ...common.clockOf(deviceMs, nowMs, true), stored: false };
  const ref = common.clockOf(deviceMs, nowMs, false);
  const stored = ref.t < connectedAt - LIVE_WINDOW_MS;
  if (stored || ref.deviceClock.state !== 'unknown') return { ...ref, stored };
  return { ...common.clockOf(deviceMs, nowMs, true), stored: false };
}

export function createDecoder(): BleDecoder {
  return new ScaleDecoder();
}
