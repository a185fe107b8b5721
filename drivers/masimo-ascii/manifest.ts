import { MDC } from '../../src/shared/catalogue.ts';
import type { DriverManifest } from '../../src/shared/driver.ts';

/**
 * Masimo Rad-8 / Radical-5 / Radical-7, serial output mode "ASCII 1" (protocols.md §3): one text line per
 * second, fields `NAME=value`, CR LF. The monitor itself has only an RS-232 DB-9 port (null-modem cable).
 *
 * `usb` is deliberately empty: the USB id seen by the host belongs to whatever generic adapter is used
 * (typically a Prolific PL2303, 067b:2303, shared by countless unrelated devices). A rule with that id would
 * be the only match for every PL2303 port, so the device manager would attach this driver to any such
 * adapter without probing. The port is named in the cabin config (`devices.ports`) instead, which is what
 * the contract prescribes for RS-232-only devices.
 */
export const manifest: DriverManifest = {
  id: 'masimo-ascii',
  name: 'Masimo pulse oximeter (ASCII 1 serial output)',
  manufacturer: 'Masimo',
  models: ['Rad-8', 'Radical-7', 'Radical-5'],
  category: 'oximeter',
  transport: 'serial',
  serial: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  usb: [],
  codes: [MDC.PULS_OXIM_SAT_O2, MDC.PULS_OXIM_PULS_RATE, MDC.PULS_OXIM_PERF_REL],
  // One line per second: a partial first line plus two whole lines need up to ~3 s.
  probeMs: 3500,
  // One line of about 130 bytes a second.
  bytesPerSecond: 130,
  silenceMs: 5000,
  lineDelimiter: '\r\n',
};
