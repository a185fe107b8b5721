import { MDC } from '../../src/shared/catalogue.ts';
import type { DriverManifest } from '../../src/shared/driver.ts';

/**
 * Welch Allyn SureTemp Plus OEM thermometer module (protocols.md §6.1): binary command/response packets on
 * a 9600 8N1 serial line; the host polls the temperature record. The module has no USB identity of its own
 * (it sits behind whatever serial interface the integrator builds), so the port is named in the cabin config.
 */
export const manifest: DriverManifest = {
  id: 'welchallyn-suretemp',
  name: 'Welch Allyn SureTemp Plus thermometer module',
  manufacturer: 'Welch Allyn',
  models: ['SureTemp Plus OEM module'],
  category: 'thermometer',
  transport: 'serial',
  serial: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  usb: [],
  codes: [MDC.TEMP_BODY],
  // Polled every 500 ms: two answers (the recognition rule) within ~1 s; margin for a slow first reply.
  probeMs: 2000,
  // Answers each 500 ms poll with a 28-byte record.
  bytesPerSecond: 56,
  silenceMs: 3000,
};
