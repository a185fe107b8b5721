import { inRange, MDC } from '../../src/shared/catalogue.ts';
import type { DeviceStatus } from '../../src/shared/device-event.ts';
import type { Emitter } from '../_lib/emitter.ts';
import { MISSING_HR, MISSING_SPO2 } from './protocol.ts';

/** Format-independent condition flags a Nonin reading can carry (DF2/DF7/DF8 bits map onto these). */
export const F_SENSOR_ALARM = 1; // SNSA: finger out / unusable data
export const F_SENSOR_FAULT = 2; // SNSD (OEM III): sensor disconnected or inoperable
export const F_OUT_OF_TRACK = 4; // OOT: sustained artifact, no consecutive good pulses
export const F_MISSING = 8; // HR 511 or SpO2 127 without an alarm bit
export const F_OUT_OF_RANGE = 16; // a value outside the catalogue range
export const F_ARTIFACT = 32; // ARTF
export const F_LOW_PERFUSION = 64; // red perfusion (DF2/DF7) or LPRF (DF8)
export const F_LOW_BATTERY = 128; // LOW BAT

export const SPO2 = MDC.PULS_OXIM_SAT_O2;
export const PULSE = MDC.PULS_OXIM_PULS_RATE;
export const PLETH = MDC.PULS_OXIM_PLETH;

// Most important first: no usable signal > broken sensor > no lock > bad value > noisy pulse > weak pulse > battery.
const PRIORITY: readonly (readonly [number, DeviceStatus, string])[] = [
  [F_SENSOR_ALARM, 'probe-off', 'sensor-alarm'],
  [F_SENSOR_FAULT, 'sensor-fault', 'sensor-disconnected'],
  [F_OUT_OF_TRACK, 'searching', 'out-of-track'],
  [F_MISSING, 'searching', 'pulse-search'],
  [F_OUT_OF_RANGE, 'error', 'value-out-of-range'],
  [F_ARTIFACT, 'artifact', 'pulse-artifact'],
  [F_LOW_PERFUSION, 'low-perfusion', 'perfusion-low'],
  [F_LOW_BATTERY, 'low-battery', 'battery-low'],
];

/** Emits the most important status of `flags` (the emitter drops repeats). */
export function emitStatus(em: Emitter, flags: number, t: number): void {
  for (const [flag, status, detail] of PRIORITY) {
    if ((flags & flag) !== 0) {
      em.status(status, t, detail);
      return;
    }
  }
  em.status('ok', t);
}

/**
 * One HR/SpO2 reading with its condition flags: status first, then the values that are valid. Alarmed
 * readings (SNSA/SNSD) give no observation: their numbers are held or unusable.
 */
export function reportReading(em: Emitter, hr: number, spo2: number, flags: number, t: number): void {
  let f = flags;
  const unusable = (f & (F_SENSOR_ALARM | F_SENSOR_FAULT)) !== 0;
  const hrOk = !unusable && hr !== MISSING_HR && inRange(PULSE, hr);
  const spo2Ok = !unusable && spo2 !== MISSING_SPO2 && inRange(SPO2, spo2);
  if (hr === MISSING_HR || spo2 === MISSING_SPO2) f |= F_MISSING;
  if ((hr !== MISSING_HR && !inRange(PULSE, hr)) || (spo2 !== MISSING_SPO2 && !inRange(SPO2, spo2))) {
    f |= F_OUT_OF_RANGE;
  }
  emitStatus(em, f, t);
  // A value that is gone is forgotten, so its return is reported at once.
  if (hrOk) em.observe(PULSE, hr, t);
  else em.forget(PULSE);
  if (spo2Ok) em.observe(SPO2, spo2, t);
  else em.forget(SPO2);
}
