import { MDC } from '../../src/shared/catalogue.ts';
import type { DriverManifest } from '../../src/shared/driver.ts';

/** Omron HEM-790IT family over USB HID with the libomron protocol (protocols.md §4.1). */
export const manifest: DriverManifest = {
  id: 'omron-hem790it',
  name: 'Omron HEM-790IT / HEM-7080IT blood-pressure monitor (USB HID)',
  manufacturer: 'Omron',
  models: ['HEM-790IT', 'HEM-7080IT', 'HEM-7301-ITKE7'],
  category: 'blood-pressure',
  transport: 'hid',
  hid: { reportLength: 8, reportId: 0 },
  usb: [
    {
      vendorId: '0590',
      productId: '0028',
      note: 'Omron health devices of this generation (also the HJ-720IT pedometer, which this driver does not read)',
    },
  ],
  codes: [MDC.PRESS_BLD_NONINV_SYS, MDC.PRESS_BLD_NONINV_DIA, MDC.PULS_RATE_NON_INV],
  // The VER reply of the open sequence arrives within a few reports.
  probeMs: 3000,
  // Answers the record-count poll every 2 s.
  silenceMs: 8000,
};
