import { MDC } from '../../src/shared/catalogue.ts';
import type { BleSettings, DriverManifest } from '../../src/shared/driver.ts';
import { UUID } from '../_ble/uuid.ts';

export const ble: BleSettings = {
  match: [{ services: [UUID.weightScale], note: 'Weight Scale service 0x181D (A&D UC-352BLE, Beurer, Indiehealth…)' }],
  connection: 'episodic',
  pairing: 'just-works',
  pairingMode: {
    fr: 'Maintenez le bouton de réglage (ou Bluetooth) sous la balance jusqu’à ce que l’écran affiche «\u00a0Pr\u00a0» ou le symbole Bluetooth.',
    en: 'Hold the settings (or Bluetooth) button under the scale until its screen shows “Pr” or the Bluetooth symbol.',
  },
  setClock: 'when-skewed',
  // A scale sends the weighings it stored while away once it connects again.
  records: 'resend-all',
};

/**
 * Bluetooth Weight Scale profile (ble-fhir.md §B4): Weight Measurement 0x2A9D (indicate: weight in 0.005 kg or
 * 0.01 lb, optional timestamp, user id, BMI and height), Weight Scale Feature 0x2A9E (the real resolutions).
 */
export const manifest: DriverManifest & { readonly transport: 'ble'; readonly ble: BleSettings } = {
  id: 'ble-weight-scale',
  name: 'Bluetooth scale',
  manufacturer: 'Bluetooth SIG Weight Scale profile',
  models: ['A&D UC-352BLE', 'any Weight Scale device'],
  category: 'scale',
  transport: 'ble',
  ble,
  usb: [],
  codes: [MDC.MASS_BODY_ACTUAL, MDC.LEN_BODY_ACTUAL, MDC.RATIO_MASS_BODY_LEN_SQ],
  probeMs: 10_000,
};
