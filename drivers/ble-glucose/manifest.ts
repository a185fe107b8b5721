import { GLUCOSE_CODES } from '../../src/shared/catalogue.ts';
import type { BleDriver } from '../../src/shared/driver.ts';
import { UUID } from '../_ble/uuid.ts';

export const manifest: BleDriver['manifest'] = {
  id: 'ble-glucose',
  name: 'Bluetooth glucose meter (Glucose Profile)',
  manufacturer: 'Any (Bluetooth SIG Glucose Profile)',
  models: ['Contour Next One', 'Accu-Chek Instant', 'other 0x1808 meters with record access'],
  category: 'glucometer',
  transport: 'ble',
  ble: {
    match: [{ services: [UUID.glucose], note: 'Glucose Service 0x1808 advertised (ble-fhir.md §B5).' }],
    connection: 'episodic',
    // Contour and Accu-Chek bond before they give records (ble-fhir.md §B6): a code shown on the meter.
    pairing: 'passkey',
    pairingMode: {
      en: 'Open the meter’s Bluetooth pairing menu; type the code it shows.',
      fr: 'Ouvrez le menu d’appairage Bluetooth du lecteur\u00a0; tapez le code qu’il affiche.',
    },
    setClock: 'when-skewed',
    records: 'racp',
  },
  usb: [],
  codes: [...GLUCOSE_CODES],
  probeMs: 10_000,
};
