import type { AbsentReason } from '../../src/shared/observation.ts';

/**
 * IEEE 11073-20601 SFLOAT (16-bit) and FLOAT (32-bit) as BLE health profiles send them (ble-fhir.md §B0): a two's-
 * complement exponent (4 bits / 8 bits, high part) and mantissa (12 bits / 24 bits). The value is kept as mantissa
 * and exponent, so 37.60 stays 37.60 (decimals 2) and no float arithmetic rounds it; special values are a reason,
 * never a number: the observation's `absent` (src/shared/observation.ts), the record's dataAbsentReason.
 */
export type Special = AbsentReason;

export type Medical =
  | { readonly ok: true; readonly mantissa: number; readonly exponent: number; readonly value: number; readonly decimals: number }
  | { readonly ok: false; readonly special: Special };

const SFLOAT_SPECIAL: ReadonlyMap<number, Special> = new Map([
  [0x07ff, 'nan'],
  [0x0800, 'nres'],
  [0x07fe, 'positive-infinity'],
  [0x0802, 'negative-infinity'],
  [0x0801, 'reserved'],
]);
const FLOAT_SPECIAL: ReadonlyMap<number, Special> = new Map([
  [0x007fffff, 'nan'],
  [0x00800000, 'nres'],
  [0x007ffffe, 'positive-infinity'],
  [0x00800002, 'negative-infinity'],
  [0x00800001, 'reserved'],
]);

/** m·10^e as the nearest double, computed so that one rounding happens (37.6, not 37.600000000000001). */
export function scaled(mantissa: number, exponent: number): number {
  if (exponent >= 0) return mantissa * 10 ** exponent;
  return mantissa / 10 ** -exponent;
}

function make(mantissa: number, exponent: number): Medical {
  return { ok: true, mantissa, exponent, value: scaled(mantissa, exponent), decimals: Math.max(0, -exponent) };
}

/** The little-endian u16 at `offset` (the caller has checked the length): an SFLOAT's raw form, a profile's integer. */
export function u16(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

/** A 16-bit SFLOAT (the raw little-endian u16). */
export function sfloat(raw: number): Medical {
  const v = raw & 0xffff;
  // Special values use exponent 0 and mantissas 0x7FE..0x802 (the last two with the mantissa's sign bit).
  const special = SFLOAT_SPECIAL.get(v);
  if (special) return { ok: false, special };
  let mantissa = v & 0x0fff;
  if (mantissa >= 0x0800) mantissa -= 0x1000;
  let exponent = v >> 12;
  if (exponent >= 0x8) exponent -= 0x10;
  return make(mantissa, exponent);
}

/** A 32-bit FLOAT (the raw little-endian u32). */
export function float32(raw: number): Medical {
  const v = raw >>> 0;
  const special = FLOAT_SPECIAL.get(v);
  if (special) return { ok: false, special };
  let mantissa = v & 0x00ffffff;
  if (mantissa >= 0x00800000) mantissa -= 0x01000000;
  let exponent = v >>> 24;
  if (exponent >= 0x80) exponent -= 0x100;
  return make(mantissa, exponent);
}

/** The raw SFLOAT and FLOAT of each special value (simulators send the real bytes). */
export const SFLOAT_OF: Readonly<Record<Special, number>> = Object.fromEntries([...SFLOAT_SPECIAL].map(([raw, s]) => [s, raw])) as Record<Special, number>;
export const FLOAT_OF: Readonly<Record<Special, number>> = Object.fromEntries([...FLOAT_SPECIAL].map(([raw, s]) => [s, raw])) as Record<Special, number>;

/** Encodes a value as SFLOAT with the given decimals (simulators); out-of-range values become NaN (0x07FF). */
export function toSfloat(value: number, decimals: number): number {
  const mantissa = Math.round(value * 10 ** decimals);
  if (decimals < 0 || decimals > 8 || mantissa < -2046 || mantissa > 2045) return 0x07ff;
  return (((-decimals & 0xf) << 12) | (mantissa & 0x0fff)) & 0xffff;
}

/** Encodes a value as FLOAT with the given decimals (simulators). */
export function toFloat32(value: number, decimals: number): number {
  const mantissa = Math.round(value * 10 ** decimals);
  if (decimals < 0 || decimals > 127 || mantissa < -0x7ffffd || mantissa > 0x7ffffd) return 0x007fffff;
  return ((((-decimals & 0xff) << 24) | (mantissa & 0x00ffffff)) >>> 0);
}
