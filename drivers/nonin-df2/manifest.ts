import { MDC } from '../../src/shared/catalogue.ts';
import type { DriverManifest } from '../../src/shared/driver.ts';
import { NONIN_MODELS, NONIN_SERIAL, NONIN_USB } from '../_nonin/manifest.ts';

export const manifest: DriverManifest = {
  id: 'nonin-df2',
  name: 'Nonin pulse oximeter, data format 2 (8-bit pleth, 75 Hz)',
  manufacturer: 'Nonin Medical',
  models: NONIN_MODELS,
  category: 'oximeter',
  transport: 'serial',
  serial: NONIN_SERIAL,
  usb: NONIN_USB,
  codes: [MDC.PULS_OXIM_SAT_O2, MDC.PULS_OXIM_PULS_RATE, MDC.PULS_OXIM_PLETH],
  waveformScale: 'pleth 0–255, device units (8-bit compressed IR plethysmogram), 75 Hz',
  // The format switch takes effect from the next packet (≤ 1/3 s); a packet lasts 1/3 s.
  probeMs: 2000,
  // 75 frames of 5 bytes a second.
  bytesPerSecond: 375,
  silenceMs: 3000,
};
