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
  readonly irregular?: boolean;
  readonly movement?: boolean;
}

/** The 14 bytes of a stored reading as GME returns them: date, time, unit, SYS (2 bytes), DIA, pulse, status word, XOR. */
export function recordBytes(r: Reading): number[] {
  const d = new Date(r.at);
  const b = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  const sys = Math.max(0, Math.min(0xffff, Math.round(r.systolic)));
  const rec = [
    d.getUTCFullYear() % 100,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0x00, // unit number
    (sys >> 8) & 0xff, // SYS is big-endian over bytes 7–8
    sys & 0xff,
    b(r.diastolic),
    b(r.pulse),
    0x00,
    (r.irregular ? 0x01 : 0) | (r.movement ? 0x02 : 0), // status word low byte; single reading (no TruRead)
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

