import type { Frame } from '../../src/shared/driver.ts';

/** Nonin serial protocol facts shared by data formats 2, 7 and 8 (protocols.md §2). */

/** DF2 frame start byte. */
export const START = 0x01;
/** Replies to the format-select command; the decoders skip them between frames. */
export const ACK = 0x06;
export const NAK = 0x15;

/** "Missing data" markers of the 9-bit HR and the 7-bit SpO2. */
export const MISSING_HR = 511;
export const MISSING_SPO2 = 127;

/** DF2/DF7 STATUS byte bits (9560 naming; bit 6 is SNSD on the OEM III module). */
export const ST_SYNC = 0x01;
export const ST_GPRF = 0x02;
export const ST_RPRF = 0x04;
export const ST_SNSA = 0x08;
export const ST_OOT = 0x10;
export const ST_ARTF = 0x20;
export const ST_SNSD = 0x40;
export const ST_ALWAYS = 0x80;

/** DF2/DF7 STAT2 (FLOAT of frame 8) bits. */
export const STAT2_LOW_BAT = 0x01;
export const STAT2_SPA = 0x20;

/** DF8 STATUS (byte 1) and STATUS2 (byte 4) bits. */
export const DF8_ARTF = 0x04;
export const DF8_MPRF = 0x08;
export const DF8_LPRF = 0x10;
export const DF8_OOT = 0x20;
export const DF8_LOW_BAT = 0x01;
export const DF8_SNSA = 0x08;
export const DF8_SPA = 0x20;

/** Frames per packet and frame rate of DF2/DF7. */
export const FRAMES_PER_PACKET = 25;
export const FRAME_RATE_HZ = 75;

/** 9-bit heart rate: HR8..HR7 in bits 1..0 of `msb`, HR6..HR0 in bits 6..0 of `lsb`. */
export function hr9(msb: number, lsb: number): number {
  return ((msb & 0x03) << 7) | (lsb & 0x7f);
}

/** Data format numbers the format-select command accepts (0x0D = DF13 spot-check, not decoded here). */
export const FORMAT_DF2 = 0x02;
export const FORMAT_DF7 = 0x07;
export const FORMAT_DF8 = 0x08;

/** `02 70 02 02 <fmt> 03`: STX, op-code 0x70, data size 2, data type 2, format, ETX. */
export function selectFormatBytes(format: number): number[] {
  return [0x02, 0x70, 0x02, 0x02, format & 0xff, 0x03];
}

export function selectFormatFrame(format: number): Frame {
  return { kind: 'data', bytes: selectFormatBytes(format) };
}
