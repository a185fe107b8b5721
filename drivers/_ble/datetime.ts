/**
 * The Bluetooth DateTime (0x2A08, 7 bytes: year u16 LE, month, day, hours, minutes, seconds) and Current Time
 * (0x2A2B: DateTime, day of week, fractions256, adjust reason). A DateTime is the device's local time: it becomes
 * ms since the epoch with the cabin's UTC offset. Year 0 or month/day 0 mean "unknown": the clock is not set.
 */
export interface DateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

export type ReadTime =
  | { readonly ok: true; readonly ms: number; readonly fields: DateTime }
  /** `unset`: year, month or day 0 (the device does not know the date); `invalid`: fields out of range. */
  | { readonly ok: false; readonly reason: 'unset' | 'invalid' | 'short' };

/** Reads a DateTime at `offset` of `bytes`; `utcOffsetMin` is the cabin's offset from UTC (e.g. +60 in Paris winter). */
export function readDateTime(bytes: Uint8Array, offset: number, utcOffsetMin: number): ReadTime {
  if (offset < 0 || offset + 7 > bytes.length) return { ok: false, reason: 'short' };
  const fields: DateTime = {
    year: bytes[offset]! | (bytes[offset + 1]! << 8),
    month: bytes[offset + 2]!,
    day: bytes[offset + 3]!,
    hours: bytes[offset + 4]!,
    minutes: bytes[offset + 5]!,
    seconds: bytes[offset + 6]!,
  };
  if (fields.year === 0 || fields.month === 0 || fields.day === 0) return { ok: false, reason: 'unset' };
  if (fields.year < 1582 || fields.year > 9999 || fields.month > 12 || fields.day > 31 || fields.hours > 23 || fields.minutes > 59 || fields.seconds > 59) {
    return { ok: false, reason: 'invalid' };
  }
  const local = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hours, fields.minutes, fields.seconds);
  // Date.UTC rolls 31 February over into March: such a date is not a date.
  if (new Date(local).getUTCDate() !== fields.day) return { ok: false, reason: 'invalid' };
  return { ok: true, ms: local - utcOffsetMin * 60_000, fields };
}

/** The 7 DateTime bytes of the local time at `ms` (simulators, and writing a device's clock). */
export function dateTimeBytes(ms: number, utcOffsetMin: number): number[] {
  const d = new Date(ms + utcOffsetMin * 60_000);
  const y = d.getUTCFullYear();
  return [y & 0xff, y >> 8, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
}

/** A Current Time value (10 bytes) for `ms`: DateTime, day of week (1 = Monday), fractions256, adjust reason (manual). */
export function currentTimeBytes(ms: number, utcOffsetMin: number): number[] {
  const local = new Date(ms + utcOffsetMin * 60_000);
  const dow = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  const fractions = Math.floor((local.getUTCMilliseconds() * 256) / 1000);
  return [...dateTimeBytes(ms, utcOffsetMin), dow, fractions, 0x01];
}
