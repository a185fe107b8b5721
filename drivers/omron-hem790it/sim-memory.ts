import { xor } from './protocol.ts';

/** The meter's clock at power-on: local wall time without timezone, kept as UTC fields. */
export const CLOCK_START = Date.UTC(2025, 5, 2, 8, 0, 0);
/** Readings the simulated meter keeps per user; the oldest is dropped beyond it (assumed, not documented). */
export const CAPACITY = 84;

export interface Reading {
  readonly at: number; // epoch ms of the meter's wall clock
  readonly systolic: number;
  readonly diastolic: number;
  readonly pulse: number;
}

/** The 14 bytes of a stored reading as GME returns them: date, time, 2 unknown, values, unknown, flags, XOR. */
export function recordBytes(r: Reading): number[] {
  const d = new Date(r.at);
  const b = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  const rec = [
    d.getUTCFullYear() % 100,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0x00,
    0x00,
    b(r.systolic),
    b(r.diastolic),
    b(r.pulse),
    0x00,
    0x00, // single reading (no TruRead)
  ];
  rec.push(xor(rec));
  return rec;
}

/** Readings stored before the session: `n` of them, one every 7 h 13 min going back, newest first. */
export function history(n: number): Reading[] {
  const out: Reading[] = [];
  for (let k = 0; k < n; k++) {
    out.push({
      at: CLOCK_START - 3_600_000 - k * 26_000_000,
      systolic: 142 + Math.round(8 * Math.sin(k * 0.7)),
      diastolic: 93 + Math.round(5 * Math.sin(k * 1.3)),
      pulse: 84 + Math.round(6 * Math.sin(k * 0.4)),
    });
  }
  return out;
}

