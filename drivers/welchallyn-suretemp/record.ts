/**
 * The "Send Temperature Record" response data (protocols.md §6.1), all little-endian:
 * 0 final/predicted temperature f32 K (0.0 = none yet) · 4 probe temperature f32 K · 8 sample counter u32 ·
 * 12 method (0 predict, 1 monitor) · 13 algorithm · 14 state (2 = ready) · 15 error code u16 ·
 * 17 active (bool) · 18 probe type. The 33-byte variant is read as these 19 bytes followed by its extra
 * fields (heater PWM, probe resistance, ambient temperature), which are not used.
 */
export const RECORD_SIZE = 19;

export interface TemperatureRecord {
  readonly finalK: number;
  readonly probeK: number;
  readonly counter: number;
  readonly method: number;
  readonly state: number;
  readonly error: number;
  readonly active: boolean;
}

/** Reads a record at `offset` of `view`; the caller has checked that RECORD_SIZE bytes are there. */
export function readRecord(view: DataView, offset: number): TemperatureRecord {
  return {
    finalK: view.getFloat32(offset, true),
    probeK: view.getFloat32(offset + 4, true),
    counter: view.getUint32(offset + 8, true),
    method: view.getUint8(offset + 12),
    state: view.getUint8(offset + 14),
    error: view.getUint16(offset + 15, true),
    active: view.getUint8(offset + 17) !== 0,
  };
}
