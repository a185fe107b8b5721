import type { DeviceStatus, ObservationFlag } from '../../src/shared/device-event.ts';
import { OBSERVATION_FLAGS } from '../../src/shared/device-event.ts';
import { readDateTime, type ReadTime } from '../_ble/datetime.ts';
import { sfloat, u16, type Medical } from '../_ble/ieee11073.ts';

/**
 * The Pulse Oximeter Profile's two measurements (ble-fhir.md §B3; GATT XML plx_spot_check_measurement and
 * plx_continuous_measurement): SFLOAT SpO2 and pulse rate, then optional fields announced by the flags byte.
 */
export interface PlxReading {
  readonly spo2: Medical;
  readonly pulse: Medical;
  readonly pai?: Medical;
  /** Spot-check only: the device's time stamp. */
  readonly time?: ReadTime;
  /** Spot-check flag b4: the device says its clock is not set. */
  readonly clockNotSet: boolean;
  readonly measurementStatus?: number;
  readonly sensorStatus?: number;
}

export type PlxParse = { readonly ok: true; readonly reading: PlxReading } | { readonly ok: false; readonly reason: 'short' };

const u24 = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);

/** Spot-check 0x2A5E: flags (b0 time, b1 measurement status, b2 device/sensor status, b3 PAI, b4 clock not set). */
export function parseSpotCheck(bytes: Uint8Array, utcOffsetMin: number): PlxParse {
  if (bytes.length < 5) return { ok: false, reason: 'short' };
  const flags = bytes[0]!;
  const need = 5 + (flags & 0x01 ? 7 : 0) + (flags & 0x02 ? 2 : 0) + (flags & 0x04 ? 3 : 0) + (flags & 0x08 ? 2 : 0);
  if (bytes.length < need) return { ok: false, reason: 'short' };
  let i = 5;
  let time: ReadTime | undefined;
  if (flags & 0x01) {
    time = readDateTime(bytes, i, utcOffsetMin);
    i += 7;
  }
  const measurementStatus = flags & 0x02 ? u16(bytes, i) : undefined;
  if (flags & 0x02) i += 2;
  const sensorStatus = flags & 0x04 ? u24(bytes, i) : undefined;
  if (flags & 0x04) i += 3;
  const pai = flags & 0x08 ? sfloat(u16(bytes, i)) : undefined;
  return {
    ok: true,
    reading: { spo2: sfloat(u16(bytes, 1)), pulse: sfloat(u16(bytes, 3)), pai, time, clockNotSet: (flags & 0x10) !== 0, measurementStatus, sensorStatus },
  };
}

/** Continuous 0x2A5F: flags (b0 fast pair, b1 slow pair, b2 measurement status, b3 device/sensor status, b4 PAI). */
export function parseContinuous(bytes: Uint8Array): PlxParse {
  if (bytes.length < 5) return { ok: false, reason: 'short' };
  const flags = bytes[0]!;
  const need = 5 + (flags & 0x01 ? 4 : 0) + (flags & 0x02 ? 4 : 0) + (flags & 0x04 ? 2 : 0) + (flags & 0x08 ? 3 : 0) + (flags & 0x10 ? 2 : 0);
  if (bytes.length < need) return { ok: false, reason: 'short' };
  // The fast and slow averages are skipped: the normal pair is the one the device shows.
  let i = 5 + (flags & 0x01 ? 4 : 0) + (flags & 0x02 ? 4 : 0);
  const measurementStatus = flags & 0x04 ? u16(bytes, i) : undefined;
  if (flags & 0x04) i += 2;
  const sensorStatus = flags & 0x08 ? u24(bytes, i) : undefined;
  if (flags & 0x08) i += 3;
  const pai = flags & 0x10 ? sfloat(u16(bytes, i)) : undefined;
  return { ok: true, reading: { spo2: sfloat(u16(bytes, 1)), pulse: sfloat(u16(bytes, 3)), pai, clockNotSet: false, measurementStatus, sensorStatus } };
}

/** Measurement status bits (u16). */
export const MS = {
  earlyEstimate: 1 << 6,
  fromStorage: 1 << 9,
  demo: 1 << 10,
  testing: 1 << 11,
  calibrating: 1 << 12,
  unavailable: 1 << 13,
  questionable: 1 << 14,
  invalid: 1 << 15,
} as const;

/** Device and sensor status bits (24 bits). */
export const SS = {
  malfunction: 1 << 1,
  processingIrregularity: 1 << 2,
  inadequateSignal: 1 << 3,
  poorSignal: 1 << 4,
  lowPerfusion: 1 << 5,
  erraticSignal: 1 << 6,
  nonPulsatile: 1 << 7,
  questionablePulse: 1 << 8,
  interference: 1 << 10,
  unconnected: 1 << 11,
  unknownSensor: 1 << 12,
  displaced: 1 << 13,
  sensorMalfunction: 1 << 14,
  disconnected: 1 << 15,
} as const;

export interface Assessment {
  /** False: the values are not a patient's measurement (demo, testing, invalid, unavailable, no sensor on a finger). */
  readonly emit: boolean;
  readonly flags: ObservationFlag[];
  readonly status: DeviceStatus;
  readonly detail?: string;
}

const POOR = SS.inadequateSignal | SS.poorSignal | SS.erraticSignal | SS.nonPulsatile | SS.interference;

/** What the status bits say about a reading: whether it is a patient value, its flags, and the device status. */
export function assess(r: PlxReading): Assessment {
  const ms = r.measurementStatus ?? 0;
  const ss = r.sensorStatus ?? 0;
  const set = new Set<ObservationFlag>();
  if (ms & MS.earlyEstimate) set.add('early-estimate');
  if (ms & MS.fromStorage) set.add('from-storage');
  if (ms & MS.calibrating) set.add('calibrating');
  if (ms & MS.questionable || ss & (SS.processingIrregularity | SS.questionablePulse)) set.add('questionable');
  if (ss & (SS.malfunction | SS.sensorMalfunction | SS.unknownSensor)) set.add('sensor-fault');
  if (ss & SS.lowPerfusion) set.add('low-perfusion');
  if (ss & POOR) set.add('poor-signal');
  if (ss & SS.displaced) set.add('improper-position');
  const flags = OBSERVATION_FLAGS.filter((f) => set.has(f));
  // Demo and test data are the device showing itself off: never a patient's value (PHD IG: HTEST).
  if (ms & (MS.demo | MS.testing)) return { emit: false, flags, status: 'error', detail: 'demo-data' };
  if (ss & SS.disconnected) return { emit: false, flags, status: 'probe-off', detail: 'sensor-disconnected' };
  if (ss & SS.unconnected) return { emit: false, flags, status: 'probe-off', detail: 'sensor-unconnected' };
  if (ms & MS.invalid) return { emit: false, flags, status: 'searching', detail: 'invalid-measurement' };
  if (ms & MS.unavailable) return { emit: false, flags, status: 'searching', detail: 'measurement-unavailable' };
  if (set.has('sensor-fault')) return { emit: true, flags, status: 'sensor-fault' };
  if (set.has('low-perfusion')) return { emit: true, flags, status: 'low-perfusion' };
  if (set.has('improper-position')) return { emit: true, flags, status: 'artifact', detail: 'sensor-displaced' };
  if (set.has('poor-signal')) return { emit: true, flags, status: 'artifact', detail: 'poor-signal' };
  return { emit: true, flags, status: 'ok' };
}
