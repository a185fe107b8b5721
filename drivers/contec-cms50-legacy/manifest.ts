import { MDC } from '../../src/shared/catalogue.ts';
import type { DriverManifest } from '../../src/shared/driver.ts';

export const manifest: DriverManifest = {
  id: 'contec-cms50-legacy',
  name: 'Contec CMS50 pulse oximeter (legacy 5-byte protocol V5.1)',
  manufacturer: 'Contec Medical Systems',
  models: ['CMS50D+ (firmware ≤ 4.5)', 'CMS50E (older)', 'CMS50C'],
  category: 'oximeter',
  transport: 'serial',
  // Odd parity matters: opened 8N1 the stream mostly works but keeps losing sync.
  serial: { baudRate: 19200, dataBits: 8, parity: 'odd', stopBits: 1 },
  usb: [
    {
      vendorId: '10c4',
      productId: 'ea60',
      note:
        'Silicon Labs CP210x in the Contec cable, the same cable family as the V7.0 models; the id is shared ' +
        'by many products, so probing decides which protocol (if any) the device speaks.',
    },
  ],
  codes: [MDC.PULS_OXIM_SAT_O2, MDC.PULS_OXIM_PULS_RATE, MDC.PULS_OXIM_PLETH],
  waveformScale: 'pleth 0–127, device units, 60 Hz (no samples while the probe reports finger out)',
  probeMs: 2000,
  // 60 packets of 5 bytes a second; a working device never stops streaming.
  bytesPerSecond: 300,
  silenceMs: 3000,
};
