import { MDC, inRange } from '../../src/shared/catalogue.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import { scaled } from '../_ble/ieee11073.ts';
import { absentObservation, MeasurementDecoder, observation, type Converted } from '../_ble/reading.ts';
import { UUID } from '../_ble/uuid.ts';
import { manifest } from './manifest.ts';
import { UNSUCCESSFUL, heightDecimals, parseFeature, parseMeasurement, weightDecimals, type Feature } from './measurement.ts';

const KG_PER_LB = 0.45359237;
const CM_PER_IN = 2.54;

/** `units` of 10^-from rounded to `to` decimals (to ≤ from), as the nearest double. */
const round = (units: number, from: number, to: number): number => scaled(Math.round(units / 10 ** (from - to)), -to);
const toDecimals = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Weight Scale decoder: weight (and the BMI and height the scale sends with it) as one measurement. Weights are
 * given to the resolution of the scale's feature (0x2A9E; without it, 0.005 kg shown with at least 2 decimals);
 * pounds and inches become kg and cm and are kept as `reported`. The height a scale sends is the one set in its user
 * profile. The user id is not emitted: the scale's other users are not this patient.
 */
class ScaleDecoder extends MeasurementDecoder {
  private feature: Feature | undefined;

  constructor() {
    super(manifest.ble, UUID.weightScale);
  }

  protected override opened(_ctx: BleConnectionContext): void {
    this.feature = undefined;
  }

  protected characteristic(ch: string | undefined, v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    switch (ch) {
      case UUID.weightScaleFeature:
        this.feature = parseFeature(v.bytes);
        return [];
      case UUID.weightMeasurement:
        return this.weighing(v.bytes, nowMs);
      default:
        return [];
    }
  }

  private weight(raw: number, imperial: boolean): Converted {
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

  private height(raw: number, imperial: boolean): Converted {
    const decimals = heightDecimals(this.feature?.heightIndex ?? 0) ?? 1;
    // SI: millimetres; imperial: tenths of an inch.
    if (!imperial) return { value: round(raw, 1, decimals), decimals };
    const inches = round(raw, 1, decimals);
    return { value: toDecimals(inches * CM_PER_IN, 1), decimals: 1, reported: { value: inches, unit: '[in_i]', decimals } };
  }

  private weighing(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    const parsed = parseMeasurement(bytes, this.ctx?.utcOffsetMin ?? 0);
    if (!parsed.ok) return this.status('error', nowMs, parsed.reason);
    const m = parsed.value;
    if (m.weight === UNSUCCESSFUL) {
      // 0xFFFF, "measurement unsuccessful" (GATT Weight Scale): the scale weighed and gave no number, as an IEEE 11073
      // NaN ("invalid result") says. The record keeps it as the weight absent; the patient weighs again.
      const fields = this.measurement(m.time, nowMs, undefined, bytes);
      return fields
        ? this.failed([absentObservation(MDC.MASS_BODY_ACTUAL, 'nan', fields)], nowMs, 'measurement-unsuccessful')
        : this.status('error', nowMs, 'measurement-unsuccessful');
    }
    const weight = this.weight(m.weight, m.imperial);
    if (!inRange(MDC.MASS_BODY_ACTUAL, weight.value)) return this.status('error', nowMs, 'weight-out-of-range');
    const fields = this.measurement(m.time, nowMs, undefined, bytes);
    if (!fields) return [];
    const out: DeviceEvent[] = [observation(MDC.MASS_BODY_ACTUAL, weight, fields)];
    if (m.height !== undefined) {
      const height = this.height(m.height, m.imperial);
      if (inRange(MDC.LEN_BODY_ACTUAL, height.value)) out.push(observation(MDC.LEN_BODY_ACTUAL, height, fields));
    }
    if (m.bmi !== undefined) {
      const bmi = { value: scaled(m.bmi, -1), decimals: 1 };
      if (inRange(MDC.RATIO_MASS_BODY_LEN_SQ, bmi.value)) out.push(observation(MDC.RATIO_MASS_BODY_LEN_SQ, bmi, fields));
    }
    return this.delivered(out, nowMs);
  }
}

export function createDecoder(): BleDecoder {
  return new ScaleDecoder();
}
