import type { ObservationFlag } from '../../src/shared/device-event.ts';
import { readDateTime, type DateTime } from '../_ble/datetime.ts';
import { SFLOAT_OF, sfloat, toSfloat, u16, type Medical, type Special } from '../_ble/ieee11073.ts';

/**
 * Blood Pressure Measurement 0x2A35 (ble-fhir.md §B1), little-endian: flags u8 (b0 kPa, b1 timestamp, b2 pulse,
 * b3 user id, b4 status) · SFLOAT systolic, diastolic, MAP · [DateTime] · [SFLOAT pulse] · [u8 user, 255 unknown] ·
 * [u16 status: b0 movement, b1 cuff loose, b2 irregular pulse, b3-4 pulse range (1 above, 2 below), b5 position].
 */
export interface BpMeasurement {
  readonly kpa: boolean;
  readonly systolic: Medical;
  readonly diastolic: Medical;
  readonly mean: Medical;
  /** ms of the device's local time on the cabin's UTC offset; 'unset': year/month/day 0 or an impossible date. */
  readonly time?: { readonly ms: number; readonly fields: DateTime } | 'unset';
  readonly pulse?: Medical;
  readonly user?: number;
  readonly flags: readonly ObservationFlag[];
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const FLAG_KPA = 0x01;
const FLAG_TIME = 0x02;
const FLAG_PULSE = 0x04;
const FLAG_USER = 0x08;
const FLAG_STATUS = 0x10;

export function statusFlags(status: number): ObservationFlag[] {
  const flags: ObservationFlag[] = [];
  if (status & 0x01) flags.push('movement');
  if (status & 0x02) flags.push('cuff-loose');
  if (status & 0x04) flags.push('irregular-pulse');
  const range = (status >> 3) & 0x03;
  if (range === 1) flags.push('pulse-above-range');
  if (range === 2) flags.push('pulse-below-range');
  if (status & 0x20) flags.push('improper-position');
  return flags;
}

/** Reads a whole 0x2A35 value; a value shorter than its flags announce is refused (extra bytes are ignored). */
export function parseMeasurement(b: Uint8Array, utcOffsetMin: number): Parsed<BpMeasurement> {
  if (b.length < 7) return { ok: false, reason: 'short-value' };
  const f = b[0]!;
  const need = 7 + (f & FLAG_TIME ? 7 : 0) + (f & FLAG_PULSE ? 2 : 0) + (f & FLAG_USER ? 1 : 0) + (f & FLAG_STATUS ? 2 : 0);
  if (b.length < need) return { ok: false, reason: 'short-value' };
  let o = 7;
  let time: BpMeasurement['time'];
  if (f & FLAG_TIME) {
    const t = readDateTime(b, o, utcOffsetMin);
    // An impossible date (31 February) is no better than none: the clock is treated as unset.
    time = t.ok ? { ms: t.ms, fields: t.fields } : 'unset';
    o += 7;
  }
  let pulse: Medical | undefined;
  if (f & FLAG_PULSE) {
    pulse = sfloat(u16(b, o));
    o += 2;
  }
  let user: number | undefined;
  if (f & FLAG_USER) user = b[o++]!;
  const flags = f & FLAG_STATUS ? statusFlags(u16(b, o)) : [];
  return {
    ok: true,
    value: {
      kpa: (f & FLAG_KPA) !== 0,
      systolic: sfloat(u16(b, 1)),
      diastolic: sfloat(u16(b, 3)),
      mean: sfloat(u16(b, 5)),
      ...(time !== undefined ? { time } : {}),
      ...(pulse !== undefined ? { pulse } : {}),
      ...(user !== undefined ? { user } : {}),
      flags,
    },
  };
}

/** A value as a simulator sends it: a number, or a special value (its real SFLOAT bytes). */
export interface BpReading {
  readonly systolic: number | Special;
  readonly diastolic: number | Special;
  readonly mean: number | Special;
  readonly pulse: number | Special;
  /** DateTime bytes (7), or undefined for no timestamp. */
  readonly time?: readonly number[];
  readonly user?: number;
  readonly status?: number;
  readonly kpa?: boolean;
}

/** Encodes a 0x2A35 value (simulators): mmHg as integers, kPa with one decimal. */
export function measurementBytes(r: BpReading): Uint8Array {
  const flags = (r.kpa ? FLAG_KPA : 0) | (r.time ? FLAG_TIME : 0) | FLAG_PULSE | (r.user !== undefined ? FLAG_USER : 0) | (r.status !== undefined ? FLAG_STATUS : 0);
  const p = (mmHg: number | Special): number =>
    typeof mmHg === 'string' ? SFLOAT_OF[mmHg] : r.kpa ? toSfloat((mmHg * 133.322387415) / 1000, 1) : toSfloat(mmHg, 0);
  const out = [flags];
  for (const v of [p(r.systolic), p(r.diastolic), p(r.mean)]) out.push(v & 0xff, v >> 8);
  if (r.time) out.push(...r.time);
  const pulse = typeof r.pulse === 'string' ? SFLOAT_OF[r.pulse] : toSfloat(r.pulse, 0);
  out.push(pulse & 0xff, pulse >> 8);
  if (r.user !== undefined) out.push(r.user);
  if (r.status !== undefined) out.push(r.status & 0xff, r.status >> 8);
  return Uint8Array.from(out);
}
