import { MDC } from '../../src/shared/catalogue.ts';
import type { DriverManifest } from '../../src/shared/driver.ts';
import { NONIN_MODELS, NONIN_SERIAL, NONIN_USB } from '../_nonin/manifest.ts';

export const manifest: DriverManifest = {
  id: 'nonin-df8',
  name: 'Nonin pulse oximeter, data format 8 (1 record/s, no waveform)',
  manufacturer: 'Nonin Medical',
  models: NONIN_MODELS,
  category: 'oximeter',
  transport: 'serial',
  serial: NONIN_SERIAL,
  usb: NONIN_USB,
  codes: [MDC.PULS_OXIM_SAT_O2, MDC.PULS_OXIM_PULS_RATE],
  // Three back-to-back 1 Hz records are needed to recognise DF8 (no checksum): ≥ 3 s plus the switch.
  probeMs: 5000,
  // One 4-byte record a second.
  bytesPerSecond: 4,
  silenceMs: 5000,
};
