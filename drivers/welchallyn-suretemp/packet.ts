/**
 * SureTemp Plus packet layout (protocols.md §6.1): preamble `03 02 10`, command (2 bytes), type, data size
 * (u16 LE), data, checksum = two's complement of the sum of all preceding bytes (the whole packet sums to 0).
 */
export const PREAMBLE = [0x03, 0x02, 0x10] as const;
export const TYPE_COMMAND = 0x01;
export const TYPE_GOOD_RESPONSE = 0x02;
/** "Send Temperature Record". */
export const CMD_TEMPERATURE_RECORD = [0x94, 0x1c] as const;
/** "Set method": 1 data byte, 0 predict, 1 monitor. */
export const CMD_SET_METHOD = [0x2a, 0x12] as const;

/** The checksum byte for `bytes[0, end)`. */
export function checksum(bytes: ArrayLike<number>, end: number): number {
  let sum = 0;
  for (let i = 0; i < end; i++) sum += bytes[i] ?? 0;
  return -sum & 0xff;
}

/** A complete packet as bytes on the wire. */
export function packet(cmd: readonly [number, number], type: number, data: readonly number[]): number[] {
  const bytes = [...PREAMBLE, cmd[0], cmd[1], type, data.length & 0xff, (data.length >> 8) & 0xff, ...data];
  bytes.push(checksum(bytes, bytes.length));
  return bytes;
}
