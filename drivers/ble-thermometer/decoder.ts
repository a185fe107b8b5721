import { inRange, measurement as catalogue, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceEvent, DeviceStatus, ObservationEvent } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleDecoder, BleWrite, CharacteristicValue } from '../../src/shared/driver.ts';
import type { DateTime } from '../_ble/datetime.ts';
import { BleCommon } from '../_ble/session.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { INTERMEDIATE_TEMPERATURE, manifest } from './manifest.ts';
import { SITE_CODES, parseMeasurement } from './measurement.ts';

/** A reading stamped more than this before the connection opened came from the device's memory. */
export const LIVE_WINDOW_MS = 2 * 60_000;

const stamp = (f: DateTime): string =>
  [f.year, f.month, f.day, f.hours, f.minutes, f.seconds].map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0')).join('');

/**
 * Health Thermometer decoder: one observation per measurement, coded by its site (the measurement's type, else the
 * Temperature Type read at connect, else body). °F becomes Cel with the device's decimals (0.1 °F → 0.1 °C: within
 * a thermometer's ±0.1 °C) and keeps the °F value as `reported`.
 */
class ThermometerDecoder implements BleDecoder {
  private readonly common = new BleCommon(manifest.ble);
  private ctx: BleConnectionContext | undefined;
  private known = false;
  private lastStatus: string | undefined;
  private site: number | undefined;
  private counter = 0;
  private emitted = new Set<string>();

  get recognised(): boolean {
    return this.known;
  }

  connected(ctx: BleConnectionContext): DeviceEvent[] {
    this.ctx = ctx;
    this.site = undefined;
    this.emitted = new Set();
    return this.common.connected(ctx);
  }

  value(v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    const common = this.common.value(v, nowMs);
    if (common) return common;
    if (normaliseUuid(v.service) !== UUID.healthThermometer) return [];
    switch (normaliseUuid(v.characteristic)) {
      case UUID.temperatureType:
        if (v.bytes.length >= 1 && SITE_CODES[v.bytes[0]!] !== undefined) this.site = v.bytes[0]!;
        return [];
      case UUID.temperatureMeasurement:
        return this.measurement(v.bytes, nowMs);
      case INTERMEDIATE_TEMPERATURE:
        // Not the patient's temperature yet: only that a measurement is under way.
        return parseMeasurement(v.bytes, 0).ok ? this.status('measuring', nowMs, 'temperature-settling') : this.status('error', nowMs, 'short-value');
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

  private measurement(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    const ctx = this.ctx;
    const parsed = parseMeasurement(bytes, ctx?.utcOffsetMin ?? 0);
    if (!parsed.ok) return this.status('error', nowMs, parsed.reason);
    const m = parsed.value;
    if (!m.value.ok) return this.status('error', nowMs, `temperature-${m.value.special}`);
    const { value: reported, decimals } = m.value;
    const value = m.fahrenheit ? Math.round((((reported - 32) * 5) / 9) * 10 ** decimals) / 10 ** decimals : reported;
    // A reserved type (0, 10…255) says nothing about the site.
    const code: MdcCode = SITE_CODES[m.type ?? -1] ?? SITE_CODES[this.site ?? -1] ?? 'MDC_TEMP_BODY';
    if (!inRange(code, value)) return this.status('error', nowMs, 'temperature-out-of-range');

    const address = ctx?.address ?? 'unknown';
    const time = m.time;
    const id = time !== undefined && time !== 'unset' ? `${address}-${stamp(time.fields)}` : `${address}-${Math.round(nowMs)}-${++this.counter}`;
    if (this.emitted.has(id)) return [];
    this.emitted.add(id);
    const deviceMs = time === undefined ? undefined : time === 'unset' ? 'unset' : time.ms;
    const when = timing(this.common, deviceMs, nowMs, ctx?.nowMs ?? nowMs);
    const o: ObservationEvent = {
      kind: 'observation',
      code,
      value,
      unit: catalogue(code).unit,
      decimals,
      ...(m.fahrenheit ? { reported: { value: reported, unit: '[degF]', decimals } } : {}),
      t: when.t,
      measurementId: id,
      deviceClock: when.deviceClock,
      ...(when.stored ? { record: { stored: true } } : {}),
    };
    this.known = true;
    return [o, ...this.status('ok', nowMs)];
  }
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
  return new ThermometerDecoder();
}
