import { MDC } from '../../src/shared/catalogue.ts';
import type { DriverManifest } from '../../src/shared/driver.ts';

export const manifest: DriverManifest = {
  id: 'contec-cms50-v7',
  name: 'Contec CMS50D+/E/F, CMS60C pulse oximeter (protocol V7.0)',
  manufacturer: 'Contec Medical Systems',
  models: ['CMS50D+ (firmware 4.6+)', 'CMS50E', 'CMS50F', 'CMS60C'],
  category: 'oximeter',
  transport: 'serial',
  serial: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 },
  usb: [
    {
      vendorId: '10c4',
      productId: 'ea60',
      note:
        'Silicon Labs CP210x in the Contec cable. This id is shared by many products and the cable usually ' +
        'reports the generic product "CP2102 USB to UART Bridge Controller", so only VID/PID are matched and ' +
        'probing decides between Contec V7.0, the legacy 5-byte protocol and other devices.',
    },
  ],
  codes: [MDC.PULS_OXIM_SAT_O2, MDC.PULS_OXIM_PULS_RATE, MDC.PULS_OXIM_PERF_REL, MDC.PULS_OXIM_PLETH],
  waveformScale: 'pleth 0–127, device units, 60 Hz (no samples while the probe reports finger out)',
  probeMs: 2000,
  // 60 packets of 9 bytes a second; kept streaming by the keep-alive.
  bytesPerSecond: 540,
  silenceMs: 3000,
};
