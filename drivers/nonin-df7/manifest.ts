import { MDC } from '../../src/shared/catalogue.ts';
import type { DriverManifest } from '../../src/shared/driver.ts';
import { NONIN_MODELS, NONIN_SERIAL, NONIN_USB } from '../_nonin/manifest.ts';

export const manifest: DriverManifest = {
  id: 'nonin-df7',
  name: 'Nonin pulse oximeter, data format 7 (16-bit pleth, 75 Hz)',
  manufacturer: 'Nonin Medical',
  models: NONIN_MODELS,
  category: 'oximeter',
  transport: 'serial',
  serial: NONIN_SERIAL,
  usb: NONIN_USB,
  codes: [MDC.PULS_OXIM_SAT_O2, MDC.PULS_OXIM_PULS_RATE, MDC.PULS_OXIM_PLETH],
  waveformScale: 'pleth 0–65535, device units (16-bit IR plethysmogram, MSB*256+LSB), 75 Hz',
  // Recognition needs a full SYNC cycle (25 frames from one SYNC to the next) after the format switch.
  probeMs: 2000,
  // 75 frames of 5 bytes a second.
  bytesPerSecond: 375,
  silenceMs: 3000,
};
