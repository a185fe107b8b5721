import { readDateTime, type ReadTime } from '../_ble/datetime.ts';
import { sfloat, scaled, type Medical } from '../_ble/ieee11073.ts';

/**
 * Glucose Measurement 0x2A18 (ble-fhir.md §B5; GATT XML glucose_measurement; Nordic and Wireshark agree): flags,
 * sequence number, base time, [time offset], [SFLOAT concentration + type/location nibbles], [sensor status].
 * The sample type is the LOW nibble (tidepool-org/ble-glucose swaps them: not copied).
 */
export interface GlucoseRecord {
  readonly seq: number;
  readonly baseTime: ReadTime;
  /** Minutes to add to the base time (s16). */
  readonly offsetMin: number;
  /** The device's time of the reading (base + offset), or why there is none. */
  readonly time: ReadTime;
  readonly concentration?: { readonly m: Medical; readonly unit: 'kg/L' | 'mol/L' };
  readonly type?: number;
  readonly location?: number;
  readonly status?: number;
  readonly contextFollows: boolean;
}

export type GlucoseParse = { readonly ok: true; readonly record: GlucoseRecord } | { readonly ok: false; readonly reason: 'short' };

export function parseGlucoseMeasurement(bytes: Uint8Array, utcOffsetMin: number): GlucoseParse {
  if (bytes.length < 10) return { ok: false, reason: 'short' };
  const flags = bytes[0]!;
  const need = 10 + (flags & 0x01 ? 2 : 0) + (flags & 0x02 ? 3 : 0) + (flags & 0x08 ? 2 : 0);
  if (bytes.length < need) return { ok: false, reason: 'short' };
  const baseTime = readDateTime(bytes, 3, utcOffsetMin);
  let i = 10;
  let offsetMin = 0;
  if (flags & 0x01) {
    offsetMin = (bytes[i]! | (bytes[i + 1]! << 8)) << 16 >> 16;
    i += 2;
  }
  let concentration: GlucoseRecord['concentration'];
  let type: number | undefined;
  let location: number | undefined;
  if (flags & 0x02) {
    concentration = { m: sfloat(bytes[i]! | (bytes[i + 1]! << 8)), unit: flags & 0x04 ? 'mol/L' : 'kg/L' };
    type = bytes[i + 2]! & 0x0f;
    location = bytes[i + 2]! >> 4;
    i += 3;
  }
  const status = flags & 0x08 ? bytes[i]! | (bytes[i + 1]! << 8) : undefined;
  const time: ReadTime = baseTime.ok ? { ok: true, ms: baseTime.ms + offsetMin * 60_000, fields: baseTime.fields } : baseTime;
  return { ok: true, record: { seq: bytes[1]! | (bytes[2]! << 8), baseTime, offsetMin, time, concentration, type, location, status, contextFollows: (flags & 0x10) !== 0 } };
}

/** mg/dL per mmol/L of glucose (molar mass 180.16 g/mol). */
export const MG_DL_PER_MMOL_L = 18.016;

export type Converted =
  | { readonly ok: true; readonly mgdl: number; readonly decimals: number; readonly reported?: { value: number; unit: string; decimals: number } }
  | { readonly ok: false; readonly reason: string };

/**
 * The concentration in mg/dL, the catalogue's unit. kg/L → mg/dL is ×10^5, done on the exponent (no float error);
 * mol/L → mmol/L is ×10^3 the same way, then ×18.016 rounded to the precision the mmol/L value had (0.1 mmol/L is
 * 1.8 mg/dL: whole mg/dL), the device's own value kept as `reported`.
 */
export function toMgDl(c: NonNullable<GlucoseRecord['concentration']>): Converted {
  if (!c.m.ok) return { ok: false, reason: `concentration-${c.m.special}` };
  if (c.unit === 'kg/L') {
    const e = c.m.exponent + 5;
    return { ok: true, mgdl: scaled(c.m.mantissa, e), decimals: Math.max(0, -e) };
  }
  const e = c.m.exponent + 3;
  const mmol = scaled(c.m.mantissa, e);
  const mmolDecimals = Math.max(0, -e);
  const decimals = Math.max(0, mmolDecimals - 1);
  const mgdl = Math.round(mmol * MG_DL_PER_MMOL_L * 10 ** decimals) / 10 ** decimals;
  return { ok: true, mgdl, decimals, reported: { value: mmol, unit: 'mmol/L', decimals: Math.min(8, mmolDecimals) } };
}
