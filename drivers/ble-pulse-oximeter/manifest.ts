import { MDC } from '../../src/shared/catalogue.ts';
import type { BleDriver } from '../../src/shared/driver.ts';
import { UUID } from '../_ble/uuid.ts';

export const manifest: BleDriver['manifest'] = {
  id: 'ble-pulse-oximeter',
  name: 'Bluetooth pulse oximeter (Pulse Oximeter Profile)',
  manufacturer: 'Any (Bluetooth SIG Pulse Oximeter Profile)',
  models: ['Nonin 3230', 'Masimo MightySat (spot-check)', 'other PLX 0x1822 oximeters'],
  category: 'oximeter',
  transport: 'ble',
  ble: {
    match: [{ services: [UUID.pulseOximeter], note: 'Pulse Oximeter Service 0x1822 advertised (ble-fhir.md §B3).' }],
    // Many PLX oximeters only connect to send a spot-check, then go quiet: silence is normal, not an error.
    connection: 'episodic',
    pairing: 'just-works',
    pairingMode: {
      en: 'Switch the oximeter on with a finger in it; it advertises while it shows a reading.',
      fr: 'Allumez l’oxymètre avec un doigt dedans\u00a0: il est visible tant qu’il affiche une mesure.',
    },
    setClock: 'when-skewed',
    // Stored spot-checks are earlier patients' (RACP is optional in PLX and not used here).
    records: 'none',
  },
  usb: [],
  codes: [MDC.PULS_OXIM_SAT_O2, MDC.PULS_OXIM_PULS_RATE, MDC.PULS_OXIM_PERF_REL],
  probeMs: 5000,
};
