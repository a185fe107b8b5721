import type { Frame } from '../../src/shared/driver.ts';

/**
 * Omron HEM-790IT / HEM-7080IT framing (protocols.md §4.1, libomron): commands are 3 ASCII letters,
 * argument bytes and an XOR checksum of the arguments, cut into 8-byte output reports whose byte 0 counts
 * the valid bytes (1–7) that follow. Replies come back the same way: "OK" 0x00 data… cks, or "NO".
 */

/** Payload bytes per report (byte 0 is the count). */
export const REPORT_PAYLOAD = 7;
/** Feature report selecting the daily (individual readings) mode. */
export const MODE_DAILY: readonly number[] = [0x74, 0xbc];
/** Only user bank 0 ("user A") is read. */
export const BANK = 0;
/** The clearing block is 23 zero bytes (7 + 7 + 7 + 2). */
export const CLEAR_LENGTH = 23;

/** Data bytes after "OK" 0x00 (checksum included) for each command with a checksummed reply. */
export const REPLY_LENGTH: Readonly<Record<string, number>> = {
  VER: 12,
  PRF: 11,
  SRL: 8,
  GDC: 5,
  GME: 14,
  GMA: 9,
  GEA: 9,
};

/** Total command length (letters + arguments + checksum), so a sent command is known to be complete. */
export const COMMAND_LENGTH: Readonly<Record<string, number>> = {
  VER: 5,
  PRF: 5,
  SRL: 5,
  END: 5,
  GDC: 8,
  GME: 8,
  GMA: 9,
  GEA: 9,
};

/** XOR of bytes[from..to). */
export function xor(bytes: ArrayLike<number>, from = 0, to = bytes.length): number {
  let x = 0;
  for (let i = from; i < to; i++) x ^= bytes[i] ?? 0;
  return x & 0xff;
}

/** A command's bytes: letters, arguments, then the XOR of the arguments. */
export function command(letters: string, args: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < letters.length; i++) out.push(letters.charCodeAt(i) & 0xff);
  for (const a of args) out.push(a & 0xff);
  out.push(xor(args));
  return out;
}

/** Cuts bytes into 8-byte output reports: count byte, up to 7 bytes, zero padding. */
export function toReports(bytes: readonly number[]): Frame[] {
  const frames: Frame[] = [];
  for (let at = 0; at < bytes.length; at += REPORT_PAYLOAD) {
    const chunk = bytes.slice(at, at + REPORT_PAYLOAD);
    const report = [chunk.length, ...chunk];
    while (report.length < REPORT_PAYLOAD + 1) report.push(0);
    frames.push({ kind: 'data', bytes: report });
  }
  return frames;
}

export const modeFrame: Frame = { kind: 'feature', bytes: MODE_DAILY };
export const clearFrames: readonly Frame[] = toReports(new Array<number>(CLEAR_LENGTH).fill(0));
/** libomron sends "VER00": argument ASCII '0', checksum ASCII '0' (XOR of one 0x30 is 0x30). */
export const verCommand = command('VER', [0x30]);
/** "G D C 00 bank 00 00 bank": the trailing bank byte is the XOR checksum of 00 bank 00 00. */
export const gdcCommand = (bank: number): number[] => command('GDC', [0x00, bank, 0x00, 0x00]);
/** "G M E 00 bank 00 idx idx^bank": reading idx (0 = newest). */
export const gmeCommand = (bank: number, idx: number): number[] => command('GME', [0x00, bank, 0x00, idx]);
/** "E N D FF FF": argument 0xFF, checksum 0xFF; the meter answers "OFF\r\n" and powers off. */
export const endCommand = command('END', [0xff]);

/** Bits of a GME record's status word (bytes 11–12, big-endian): libomron issue #25, from Omron's own software. */
export const FLAG_IRREGULAR = 0x0001;
export const FLAG_MOVEMENT = 0x0002;

/**
 * A stored individual reading (GME reply data, 14 bytes): [0–5] date and time, [6] unit number, [7–8] SYS
 * (big-endian: the meter measures up to 300 mmHg), [9] DIA, [10] pulse, [11–12] status word (big-endian:
 * 0x0001 irregular heartbeat, 0x0002 movement, 0x0030 TruRead number), [13] XOR of [0–12]. Bytes 6, 7 and 11
 * are "unknown" in protocols.md §4.1; their meaning is from libomron issue #25 (reverse engineering of the
 * Omron software), and the two real readings of the libomron log (123/78/87, 120/73/67) have them all 0.
 */
export interface OmronRecord {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly systolic: number;
  readonly diastolic: number;
  readonly pulse: number;
  /** TruRead: 0 single reading, 1/2/3 = 1st/2nd/3rd of a triple. */
  readonly truRead: number;
  /** The meter saw an irregular heartbeat during the measurement. */
  readonly irregular: boolean;
  /** The meter saw body movement during the measurement. */
  readonly movement: boolean;
}

/** Parses a GME record at `off`; undefined when too short or when [13] is not the XOR of [0..12]. */
export function parseRecord(data: ArrayLike<number>, off = 0): OmronRecord | undefined {
  if (data.length < off + 14) return undefined;
  if (xor(data, off, off + 13) !== (data[off + 13] ?? -1)) return undefined;
  const b = (i: number): number => data[off + i] ?? 0;
  const status = (b(11) << 8) | b(12);
  return {
    year: 2000 + b(0),
    month: b(1),
    day: b(2),
    hour: b(3),
    minute: b(4),
    second: b(5),
    systolic: (b(7) << 8) | b(8),
    diastolic: b(9),
    pulse: b(10),
    truRead: (status >> 4) & 0x03,
    irregular: (status & FLAG_IRREGULAR) !== 0,
    movement: (status & FLAG_MOVEMENT) !== 0,
  };
}

/** The reading count of a GDC reply's 5 data bytes: index 3 (libomron's index 6 counts "OK" 0x00). */
export function parseCount(data: ArrayLike<number>, off = 0): number {
  return data[off + 3] ?? 0;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** Deterministic id of a reading: the meter's own date/time and values (same reading → same id). */
export function recordId(r: OmronRecord): string {
  const date = `${r.year}-${p2(r.month)}-${p2(r.day)}T${p2(r.hour)}:${p2(r.minute)}:${p2(r.second)}`;
  return `omron-${date}-${r.systolic}-${r.diastolic}-${r.pulse}`;
}
