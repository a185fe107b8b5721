import { MDC } from '../../src/shared/catalogue.ts';
import type { BleDriver } from '../../src/shared/driver.ts';
import { FRAME_RATE_HZ } from './uuids.ts';

export const manifest: BleDriver['manifest'] = {
  id: 'berrymed-bci',
  name: 'BerryMed pulse oximeter (BCI protocol over Bluetooth LE)',
  manufacturer: 'Shanghai Berry Electronic Tech',
  models: ['BM1000', 'BM1000B', 'BM1000C', 'BM1000E'],
  category: 'oximeter',
  transport: 'ble',
  ble: {
    // Names only: the device advertises no service UUID (SensorsIot/Oximeters-BLE-Hack-ESP32#2, "Device does not
    // have Service UUID"), and its transparent-UART service is on many printers and modules, so it identifies nothing.
    match: [
      { name: '^BerryMed', note: 'Advertised name of BerryMed oximeters (adafruit, berry-oximeter, ESP32 logs).' },
      { name: '^BM1000', note: 'Some units advertise their model (BM1000, BM1000B/C/E).' },
    ],
    connection: 'streaming',
    pairing: 'none',
    pairingMode: {
      en: 'Put a finger in the oximeter to switch it on; it is visible while its screen is on.',
      fr: 'Mettez un doigt dans l’oxymètre pour l’allumer\u00a0: il est visible tant que son écran est allumé.',
    },
    setClock: 'never',
    records: 'none',
  },
  usb: [],
  codes: [MDC.PULS_OXIM_SAT_O2, MDC.PULS_OXIM_PULS_RATE, MDC.PULS_OXIM_PLETH],
  waveformScale: `pleth 0–100, device units, ${FRAME_RATE_HZ} Hz (no samples while the probe is off)`,
  probeMs: 2000,
  bytesPerSecond: 5 * FRAME_RATE_HZ,
  silenceMs: 3000,
};
