import type { MdcCode } from '../../src/shared/catalogue.ts';
import { readDateTime, type DateTime } from '../_ble/datetime.ts';
import { FLOAT_OF, float32, toFloat32, type Medical, type Special } from '../_ble/ieee11073.ts';

/**
 * Temperature Measurement 0x2A1C (ble-fhir.md §B2), little-endian: flags u8 (b0 °F, b1 timestamp, b2 type) · FLOAT ·
 * [DateTime] · [u8 type: 1 armpit, 2 body, 3 ear, 4 finger, 5 GI tract, 6 mouth, 7 rectum, 8 toe, 9 tympanum].
 */
export const SITE_CODES: Readonly<Record<number, MdcCode>> = {
  1: 'MDC_TEMP_AXILLA',
  2: 'MDC_TEMP_BODY',
  3: 'MDC_TEMP_EAR',
  4: 'MDC_TEMP_FINGER',
  5: 'MDC_TEMP_GIT',
  6: 'MDC_TEMP_ORAL',
  7: 'MDC_TEMP_RECT',
  8: 'MDC_TEMP_TOE',
  9: 'MDC_TEMP_TYMP',
};

export interface TemperatureMeasurement {
  readonly fahrenheit: boolean;
  readonly value: Medical;
  /** 'unset': year/month/day 0 or an impossible date. */
  readonly time?: { readonly ms: number; readonly fields: DateTime } | 'unset';
  readonly type?: number;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export function parseMeasurement(b: Uint8Array, utcOffsetMin: number): Parsed<TemperatureMeasurement> {
  if (b.length < 5) return { ok: false, reason: 'short-value' };
  const f = b[0]!;
  const need = 5 + (f & 0x02 ? 7 : 0) + (f & 0x04 ? 1 : 0);
  if (b.length < need) return { ok: false, reason: 'short-value' };
  let time: TemperatureMeasurement['time'];
  if (f & 0x02) {
    const t = readDateTime(b, 5, utcOffsetMin);
    time = t.ok ? { ms: t.ms, fields: t.fields } : 'unset';
  }
  const raw = (b[1]! | (b[2]! << 8) | (b[3]! << 16) | (b[4]! << 24)) >>> 0;
  return {
    ok: true,
    value: { fahrenheit: (f & 0x01) !== 0, value: float32(raw), ...(time !== undefined ? { time } : {}), ...(f & 0x04 ? { type: b[need - 1]! } : {}) },
  };
}

/** Encodes a 0x2A1C value (simulators); `special` sends that special value's real FLOAT bytes instead of the value. */
export function measurementBytes(m: { value: number; decimals: number; fahrenheit?: boolean; time?: readonly number[]; type?: number; special?: Special }): Uint8Array {
  const flags = (m.fahrenheit ? 0x01 : 0) | (m.time ? 0x02 : 0) | (m.type !== undefined ? 0x04 : 0);
  const raw = m.special ? FLOAT_OF[m.special] : toFloat32(m.value, m.decimals);
  return Uint8Array.from([flags, raw & 0xff, (raw >>> 8) & 0xff, (raw >>> 16) & 0xff, raw >>> 24, ...(m.time ?? []), ...(m.type !== undefined ? [m.type] : [])]);
}
