import { TEMPERATURE_CODES } from '../../src/shared/catalogue.ts';
import type { BleSettings, DriverManifest } from '../../src/shared/driver.ts';
import { UUID } from '../_ble/uuid.ts';

/** Intermediate Temperature (notify): readings while the thermometer settles, not in drivers/_ble/uuid.ts. */
export const INTERMEDIATE_TEMPERATURE = '2a1e';

export const ble: BleSettings = {
  match: [{ services: [UUID.healthThermometer], note: 'Health Thermometer service 0x1809 (Beurer FT95, A&D UT-201BLE…)' }],
  connection: 'episodic',
  pairing: 'just-works',
  pairingMode: {
    fr: 'Allumez le thermomètre et maintenez son bouton de mémoire ou Bluetooth jusqu’à ce que le symbole Bluetooth clignote.',
    en: 'Switch the thermometer on and hold its memory or Bluetooth button until the Bluetooth symbol flashes.',
  },
  setClock: 'when-skewed',
  // A thermometer sends the readings it stored while away once it connects again (then forgets them).
  records: 'resend-all',
};

/**
 * Bluetooth Health Thermometer profile (ble-fhir.md §B2): Temperature Measurement 0x2A1C (indicate, FLOAT °C or °F,
 * optional timestamp and measurement site), Temperature Type 0x2A1D (the site when the measurement does not say it).
 */
export const manifest: DriverManifest & { readonly transport: 'ble'; readonly ble: BleSettings } = {
  id: 'ble-thermometer',
  name: 'Bluetooth thermometer',
  manufacturer: 'Bluetooth SIG Health Thermometer profile',
  models: ['Beurer FT95', 'A&D UT-201BLE', 'any Health Thermometer device'],
  category: 'thermometer',
  transport: 'ble',
  ble,
  usb: [],
  codes: [...TEMPERATURE_CODES],
  probeMs: 10_000,
};
