import { inRange, type MdcCode } from '../../src/shared/catalogue.ts';
import type { BleConnectionContext, BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import { absentObservation, MeasurementDecoder, observation } from '../_ble/reading.ts';
import { UUID } from '../_ble/uuid.ts';
import { INTERMEDIATE_TEMPERATURE, manifest } from './manifest.ts';
import { SITE_CODES, parseMeasurement } from './measurement.ts';

/**
 * Health Thermometer decoder: one observation per measurement, coded by its site (the measurement's type, else the
 * Temperature Type read at connect, else body). °F becomes Cel with the device's decimals (0.1 °F → 0.1 °C: within
 * a thermometer's ±0.1 °C) and keeps the °F value as `reported`.
 */
class ThermometerDecoder extends MeasurementDecoder {
  private site: number | undefined;

  constructor() {
    super(manifest.ble, UUID.healthThermometer);
  }

  protected override opened(_ctx: BleConnectionContext): void {
    this.site = undefined;
  }

  protected characteristic(ch: string | undefined, v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    switch (ch) {
      case UUID.temperatureType:
        if (v.bytes.length >= 1 && SITE_CODES[v.bytes[0]!] !== undefined) this.site = v.bytes[0]!;
        return [];
      case UUID.temperatureMeasurement:
        return this.temperature(v.bytes, nowMs);
      case INTERMEDIATE_TEMPERATURE:
        // Not the patient's temperature yet: only that a measurement is under way.
        return parseMeasurement(v.bytes, 0).ok ? this.status('measuring', nowMs, 'temperature-settling') : this.status('error', nowMs, 'short-value');
      default:
        return [];
    }
  }

  private temperature(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    const parsed = parseMeasurement(bytes, this.ctx?.utcOffsetMin ?? 0);
    if (!parsed.ok) return this.status('error', nowMs, parsed.reason);
    const m = parsed.value;
    // A reserved type (0, 10…255) says nothing about the site.
    const code: MdcCode = SITE_CODES[m.type ?? -1] ?? SITE_CODES[this.site ?? -1] ?? 'MDC_TEMP_BODY';
    if (!m.value.ok) {
      // The thermometer measured and said "no number" (NaN, NRes…): the record keeps it, the patient measures again.
      const detail = `temperature-${m.value.special}`;
      const fields = this.measurement(m.time, nowMs, undefined, bytes);
      return fields ? this.failed([absentObservation(code, m.value.special, fields)], nowMs, detail) : this.status('error', nowMs, detail);
    }
    const { value: reported, decimals } = m.value;
    const value = m.fahrenheit ? Math.round((((reported - 32) * 5) / 9) * 10 ** decimals) / 10 ** decimals : reported;
    if (!inRange(code, value)) return this.status('error', nowMs, 'temperature-out-of-range');
    const fields = this.measurement(m.time, nowMs, undefined, bytes);
    if (!fields) return [];
    const temperature = { value, decimals, ...(m.fahrenheit ? { reported: { value: reported, unit: '[degF]', decimals } } : {}) };
    return this.delivered([observation(code, temperature, fields)], nowMs);
  }
}

export function createDecoder(): BleDecoder {
  return new ThermometerDecoder();
}
