import { readDateTime, type DateTime } from '../_ble/datetime.ts';
import { u16 } from '../_ble/ieee11073.ts';

/**
 * Weight Measurement 0x2A9D (ble-fhir.md §B4), little-endian: flags u8 (b0 imperial, b1 timestamp, b2 user id,
 * b3 BMI and height) · u16 weight (0.005 kg or 0.01 lb; 0xFFFF measurement unsuccessful) · [DateTime] · [u8 user] ·
 * [u16 BMI 0.1 kg/m², u16 height 0.001 m or 0.1 in].
 */
export interface WeightMeasurement {
  readonly imperial: boolean;
  readonly weight: number;
  readonly time?: { readonly ms: number; readonly fields: DateTime } | 'unset';
  readonly user?: number;
  readonly bmi?: number;
  readonly height?: number;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const UNSUCCESSFUL = 0xffff;

export function parseMeasurement(b: Uint8Array, utcOffsetMin: number): Parsed<WeightMeasurement> {
  if (b.length < 3) return { ok: false, reason: 'short-value' };
  const f = b[0]!;
  const need = 3 + (f & 0x02 ? 7 : 0) + (f & 0x04 ? 1 : 0) + (f & 0x08 ? 4 : 0);
  if (b.length < need) return { ok: false, reason: 'short-value' };
  let o = 3;
  let time: WeightMeasurement['time'];
  if (f & 0x02) {
    const t = readDateTime(b, o, utcOffsetMin);
    time = t.ok ? { ms: t.ms, fields: t.fields } : 'unset';
    o += 7;
  }
  const user = f & 0x04 ? b[o++]! : undefined;
  const bmi = f & 0x08 ? u16(b, o) : undefined;
  const height = f & 0x08 ? u16(b, o + 2) : undefined;
  return {
    ok: true,
    value: {
      imperial: (f & 0x01) !== 0,
      weight: u16(b, 1),
      ...(time !== undefined ? { time } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(bmi !== undefined ? { bmi, height } : {}),
    },
  };
}

/**
 * Weight Scale Feature 0x2A9E (u32): b0 timestamp, b1 multiple users, b2 BMI, b3-6 weight resolution index,
 * b7-9 height resolution index (0: not specified).
 */
export interface Feature {
  readonly weightIndex: number;
  readonly heightIndex: number;
}

export function parseFeature(b: Uint8Array): Feature | undefined {
  if (b.length < 4) return undefined;
  const v = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  return { weightIndex: (v >> 3) & 0x0f, heightIndex: (v >> 7) & 0x07 };
}

/** Decimal places of the weight resolution index (1…7), kg: 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005; lb: 1 … 0.01. */
export function weightDecimals(index: number, imperial: boolean): number | undefined {
  if (index < 1 || index > 7) return undefined;
  return imperial ? [0, 1, 1, 1, 2, 2, 2][index - 1]! : [1, 1, 1, 2, 2, 2, 3][index - 1]!;
}

/** Decimal places in cm (SI: 0.01, 0.005, 0.001 m) or in inches (1, 0.5, 0.1 in) of the height resolution index. */
export function heightDecimals(index: number): number | undefined {
  if (index < 1 || index > 3) return undefined;
  return [0, 1, 1][index - 1]!;
}

/** Encodes a 0x2A9D value (simulators). */
export function measurementBytes(m: { weight: number; imperial?: boolean; time?: readonly number[]; user?: number; bmi?: number; height?: number }): Uint8Array {
  const flags = (m.imperial ? 0x01 : 0) | (m.time ? 0x02 : 0) | (m.user !== undefined ? 0x04 : 0) | (m.bmi !== undefined ? 0x08 : 0);
  const out = [flags, m.weight & 0xff, m.weight >> 8, ...(m.time ?? [])];
  if (m.user !== undefined) out.push(m.user);
  if (m.bmi !== undefined) out.push(m.bmi & 0xff, m.bmi >> 8, (m.height ?? 0) & 0xff, (m.height ?? 0) >> 8);
  return Uint8Array.from(out);
}

/** Encodes a 0x2A9E value (simulators). */
export function featureBytes(f: { timestamp: boolean; users: boolean; bmi: boolean; weightIndex: number; heightIndex: number }): Uint8Array {
  const v = (f.timestamp ? 1 : 0) | (f.users ? 2 : 0) | (f.bmi ? 4 : 0) | ((f.weightIndex & 0x0f) << 3) | ((f.heightIndex & 0x07) << 7);
  return Uint8Array.from([v & 0xff, (v >> 8) & 0xff, 0, 0]);
}
