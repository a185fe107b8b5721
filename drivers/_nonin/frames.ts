import { START } from './protocol.ts';

/** Whole-frame checks of the two 5-byte formats (byte 5 = sum of bytes 1–4 mod 256, FLOAT 0–127). */

/** DF2: `01 STATUS PLETH FLOAT CHK`. */
export function isDf2Frame(a: number, b: number, c: number, d: number, e: number): boolean {
  return a === START && (b & 0x80) !== 0 && d < 0x80 && ((a + b + c + d) & 0xff) === e;
}

/** DF7: `STATUS PLETH_MSB PLETH_LSB FLOAT CHK`. */
export function isDf7Frame(a: number, b: number, c: number, d: number, e: number): boolean {
  return (a & 0x80) !== 0 && d < 0x80 && ((a + b + c + d) & 0xff) === e;
}
