import { MDC } from '../../src/shared/catalogue.ts';
import type { BleSettings, DriverManifest } from '../../src/shared/driver.ts';
import { UUID } from '../_ble/uuid.ts';

/** BPS 1.1 characteristics not in drivers/_ble/uuid.ts: a stored record (segmented, wraps a 0x2A35 value). */
export const BP_RECORD = '2b36';

export const ble: BleSettings = {
  match: [
    { services: [UUID.bloodPressure], note: 'Blood Pressure service 0x1810 (any cuff of the profile)' },
    { name: '^BLEsmart_', note: 'Omron cuffs (BLEsmart_…) do not always advertise 0x1810 once bonded' },
    { name: '^A&D_UA-651', note: 'A&D UA-651BLE: Date Time 0x2A08 inside the BP service serves as its clock (bluez/bluez#636)' },
  ],
  connection: 'episodic',
  // Omron bonds with "just works" in its pairing mode "-P-"; A&D's "Pr" mode the same way.
  pairing: 'just-works',
  pairingMode: {
    fr: 'Maintenez le bouton Bluetooth du tensiomètre jusqu’à ce que l’écran affiche «\u00a0-P-\u00a0» (Omron) ou «\u00a0Pr\u00a0» (A&D).',
    en: 'Hold the blood pressure monitor’s Bluetooth button until its screen shows “-P-” (Omron) or “Pr” (A&D).',
  },
  // Omron writes Current Time only when the cuff is more than 10 minutes off (blessed-android isOmronBPM).
  setClock: 'when-skewed',
  clockToleranceMs: 10 * 60_000,
  // Deployed cuffs are BPS 1.0: stored readings are indicated after connect; BPS 1.1 ones answer RACP.
  records: 'resend-all',
};

/**
 * Bluetooth Blood Pressure profile (ble-fhir.md §B1): measurement 0x2A35 (indicate), intermediate cuff pressure
 * 0x2A36, feature 0x2A49; BPS 1.1 record access (0x2A52, records on 0x2B36). Vendor quirks: A&D's Date Time in the
 * BP service, Omron's clock rule and pairing mode (§B6).
 */
export const manifest: DriverManifest & { readonly transport: 'ble'; readonly ble: BleSettings } = {
  id: 'ble-blood-pressure',
  name: 'Bluetooth blood pressure monitor',
  manufacturer: 'Bluetooth SIG Blood Pressure profile',
  models: ['Omron BLEsmart_ (HEM-7155T, X4, M7 Intelli IT…)', 'A&D UA-651BLE', 'Beurer BM57', 'any BPS 1.0/1.1 cuff'],
  category: 'blood-pressure',
  transport: 'ble',
  ble,
  usb: [],
  codes: [MDC.PRESS_BLD_NONINV_SYS, MDC.PRESS_BLD_NONINV_DIA, MDC.PRESS_BLD_NONINV_MEAN, MDC.PULS_RATE_NON_INV],
  // One indicated measurement right after connect.
  probeMs: 10_000,
};
